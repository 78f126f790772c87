// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/server.h"

#include <unistd.h>

#include <algorithm>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"
#include "core/crypto/authorized_keys.h"
#include "core/crypto/key_file.h"
#include "net/process.h"
#include "server/file_checks.h"

namespace nlchat {

Server::Server(net::Loop& loop, ServerSettings settings, PrivateKey key, Logger& logger)
    : loop_(loop),
      settings_(std::move(settings)),
      key_(std::move(key)),
      logger_(logger),
      operators_listener_(loop, settings_.preauth_max_line,
                          [this](std::unique_ptr<net::LineStream> c) { accept_operator(std::move(c)); }),
      services_listener_(loop, settings_.max_service_line,
                         [this](std::unique_ptr<net::LineStream> c) { accept_service(std::move(c)); }),
      deadline_(loop),
      pump_timer_(loop),
      rearm_timer_(loop),
      scheduler_(settings_.open_limits) {
    operators_listener_.on_accept_error([this](const std::string& error) {
        // Out of descriptors (libuv has already accepted and closed what was waiting, so
        // the backlog does not spin): make room for the next one.
        make_room("cannot accept a connection (" + error + ")");
    });
}

Server::~Server() = default;

std::string Server::ring_counter_path() const { return settings_.state_dir + "/ring-id"; }

bool Server::load_ring_counter(std::int64_t& first_id, std::string& error) {
    // Ring IDs never repeat, across restarts too: the next one is kept in the state dir.
    first_id = 1;
    std::string read_error;
    auto text = read_small_file(ring_counter_path(), 64, read_error);
    if (!text) {
        if (access(ring_counter_path().c_str(), F_OK) != 0) return true;  // a first start
        error = read_error;
        return false;
    }
    std::string digits = *text;
    while (!digits.empty() && (digits.back() == '\n' || digits.back() == '\r')) digits.pop_back();
    bool ok = !digits.empty() && digits.size() <= 16 && digits.find_first_not_of("0123456789") == std::string::npos;
    if (ok) first_id = std::stoll(digits);
    if (!ok || first_id < 1 || first_id >= kMaxRingId) {
        error = "'" + ring_counter_path() + "' does not hold a ring number from 1 to 2^53 (it holds \"" +
                digits.substr(0, 24) + "\"); if it was damaged, write a number above any ring ID used so far";
        return false;
    }
    return true;
}

bool Server::start(std::string& error) {
    std::int64_t first_id = 1;
    if (!check_not_writable_by_others(settings_.state_dir, error)) return false;
    if (!load_ring_counter(first_id, error)) return false;
    StateStore& store = *this;
    ServerCoreEffects& effects = *this;
    core_ = std::make_unique<ServerCore>(
        ServerCoreSettings{settings_.v2, settings_.require_v2, settings_.bare_ack_delay, settings_.resume_lifetime,
                           settings_.dispatch},
        key_.public_key(), store, effects, [] { return base64_encode(random_bytes(32)); }, random_bytes(16), first_id);
    if (!restore_journal(error)) return false;
    if (settings_.figures_file.empty()) settings_.figures_file = settings_.state_dir + "/figures";
    // Figures are never worth a chat: a file that cannot be written now (a read-only or
    // full disk) is logged, and each figure tries it again.
    if (std::string why; settings_.figures_file != "none" && !figures_.open(settings_.figures_file, why))
        logger_.log(LogLevel::Warning, why + "; figures are lost until it can be written");
    if (!settings_.dispatch.allow_any_key && !load_authorized_keys("", error)) return false;
    if (settings_.max_connections == 0) {
        // Every connection is a descriptor: keep some for the listeners, the state files,
        // the services and libuv's own, so that the limit is met here, not by accept().
        std::size_t files = net::raise_open_file_limit();
        settings_.max_connections = files > 256 ? files - 64 : files / 2;
        logger_.log(LogLevel::Info, "up to " + std::to_string(settings_.max_connections) +
                                        " connections (open-file limit " + std::to_string(files) + ")");
    }
    if (!operators_listener_.listen_tcp(settings_.listen, error)) return false;
    if (!services_listener_.listen_unix(settings_.service_socket, 0660, error)) return false;
    log(LogLevel::Info, "listening on " + format_host_port(operators_listener_.bound()));
    log(LogLevel::Info, "service bus on " + settings_.service_socket);
    return true;
}

bool Server::load_authorized_keys(const std::string& log_prefix, std::string& error) {
    if (!check_not_writable_by_others(settings_.authorized_keys_file, error)) return false;
    auto text = read_small_file(settings_.authorized_keys_file, 1 << 20, error);
    if (!text) return false;
    AuthorizedKeys keys = parse_authorized_keys(*text);
    for (const auto& p : keys.problems) logger_.log(LogLevel::Warning, settings_.authorized_keys_file + ": " + p);
    logger_.log(LogLevel::Info, log_prefix + std::to_string(keys.fingerprints.size()) + " operator key(s) authorized");
    core_->dispatch().set_authorized_keys(std::move(keys.fingerprints));
    core_->dispatch().set_profiles(std::move(keys.profiles));
    reschedule();
    return true;
}

void Server::reload_authorized_keys() {
    if (settings_.dispatch.allow_any_key) return;
    std::string err;
    if (!load_authorized_keys("SIGHUP: ", err))
        logger_.log(LogLevel::Warning, "SIGHUP: " + err + "; keeping the keys already loaded");
}

void Server::shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    logger_.log(LogLevel::Info, "shutting down");
    if (core_) core_->shutdown(now());  // the last turn's changes, before the acknowledgements go
    if (commit_) commit_->close();
    operators_listener_.close();
    services_listener_.close();
    deadline_.close();
    pump_timer_.close();
    rearm_timer_.close();
    for (auto& [id, c] : operators_) c.stream->close(true);
    for (auto& [id, s] : services_) s->close(true);
    operators_.clear();
    services_.clear();
}

Now Server::now() const { return Now{net::monotonic_seconds(), net::wall_seconds()}; }

void Server::reschedule() { reschedule_due_ = true; }

void Server::rearm_deadline() {
    // The dispatch keeps its operators' deadlines in a queue, so finding the next one is
    // cheap, but with 10,000 idle operators every event (each probe and its answer, 1,400
    // a second) would still re-arm the timer and bring a tick that finds nothing due. So
    // the deadline is looked at once per loop turn at most and at most once a granule
    // (0.1 s), and the tick comes no sooner than a granule after the last: a deadline fires
    // up to 0.1 s late (the shortest timer is seconds; the tests' are half a second).
    const double granule = 0.1;
    if (!reschedule_due_ || shutting_down_) return;
    const double mono = net::monotonic_seconds();
    if (mono - last_rearm_ < granule) {
        if (!rearm_timer_.active()) rearm_timer_.start(last_rearm_ + granule - mono, [] {});  // the next turn does it
        return;
    }
    reschedule_due_ = false;
    last_rearm_ = mono;
    auto next = core_->next_deadline();
    if (!next) return deadline_.stop();
    deadline_.start(std::max(*next, last_tick_ + granule) - mono, [this] {
        last_tick_ = net::monotonic_seconds();
        core_->tick(now());
        reschedule();
    });
}

// ---- operator port ----------------------------------------------------------------------

bool Server::make_room(const std::string& why) {
    // The oldest connection that has not joined makes way: a stranger holding a
    // descriptor must never keep an operator out. (Ids grow with age; the walk is rare.)
    std::optional<ConnId> oldest;
    for (const auto& [id, c] : operators_)
        if (!c.joined && !c.closed && (!oldest || id < *oldest)) oldest = id;
    if (oldest) {
        logger_.log_limited(
            LogLevel::Warning, "room",
            why + ": closed the oldest connection that had not joined (" + operators_.at(*oldest).group + ")");
        drop(*oldest);
        return true;
    }
    logger_.log_limited(LogLevel::Warning, "room", why + ", and every connection belongs to a joined operator");
    return false;
}

void Server::accept_operator(std::unique_ptr<net::LineStream> client) {
    if (shutting_down_) return;
    std::string group = address_group(client->peer_host());
    auto counted = strangers_.find(group);
    if (counted != strangers_.end() && counted->second >= settings_.max_strangers_per_address) {
        logger_.log_limited(LogLevel::Warning, "per-address",
                            "refused a connection from " + group + ": it already has " +
                                std::to_string(counted->second) + " that have not joined (the limit)");
        return;  // the stream closes as it goes out of scope
    }
    if (operators_.size() + services_.size() >= settings_.max_connections &&
        !make_room(std::to_string(settings_.max_connections) + " connections open (the limit)"))
        return;
    ++strangers_[group];
    ConnId id = next_conn_++;
    net::LineStream::Handlers h;
    h.on_line = [this, id](std::string_view line) { on_operator_line(id, line); };
    h.on_close = [this, id](const std::string& reason) {
        auto it = operators_.find(id);
        if (it == operators_.end()) return;
        OperatorConn& c = it->second;
        c.closed = true;
        c.close_reason = reason;
        // A stranger's unopened packets are worth nothing once it has gone (no challenge
        // can be answered on a closed connection): drop them. A joined client that says
        // disconnect and hangs up at once must still be heard: those are opened first.
        if (!c.joined) {
            c.queue.clear();
            if (c.offered) scheduler_.remove(id), c.offered = false;
        }
        if (!c.opening && c.queue.empty()) finish_close(id);
    };
    OperatorConn& c = operators_[id];
    c.stream = std::move(client);
    c.group = group;
    c.stream->start(std::move(h));
    logger_.log(LogLevel::Debug, "connection " + std::to_string(id) + " opened");
    core_->operator_connected(id, now());
    reschedule();
}

void Server::drop_stranger(ConnId conn, const std::string& why) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    logger_.log_limited(
        LogLevel::Warning, "stranger",
        "connection " + std::to_string(conn) + " (" + it->second.group + "), not joined: " + why + "; closed");
    drop(conn);
}

void Server::drop(ConnId conn) {
    forget(conn, false);
    core_->operator_closed(conn, now());
    reschedule();
}

void Server::on_operator_line(ConnId conn, std::string_view line) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    OperatorConn& c = it->second;
    if (core_->operator_line(conn, line, now())) return reschedule();
    if (!c.joined && ++c.preauth_packets > settings_.preauth_max_packets)
        return drop_stranger(conn, "more than " + std::to_string(settings_.preauth_max_packets) + " packets");
    if (c.queue.size() >= settings_.max_queued_packets) {
        logger_.log(LogLevel::Warning, "connection " + std::to_string(conn) +
                                           " sends faster than packets can be opened (" +
                                           std::to_string(settings_.max_queued_packets) + " waiting); closed");
        return drop(conn);
    }
    // The cheap checks, on the loop: a packet that fails them never reaches the pool.
    OpenLimits limits;
    if (!c.joined) limits.max_blocks = settings_.preauth_max_blocks;
    std::string detail;
    auto split = split_packet(line, key_.public_key(), Role::Alice, limits, detail);
    if (!split) {
        if (!c.joined) {
            logger_.log(LogLevel::Debug, "connection " + std::to_string(conn) + ": " + detail);
            return drop_stranger(conn, "a packet that does not open");
        }
        logger_.log_by_shape(LogLevel::Warning, "connection " + std::to_string(conn) + ": " + kOpenFailed);
        logger_.log(LogLevel::Debug, "connection " + std::to_string(conn) + ": " + detail);
        return;
    }
    c.queue.push_back(std::move(*split));
    offer(conn);
}

void Server::offer(ConnId conn) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    OperatorConn& c = it->second;
    if (c.opening || c.offered || c.queue.empty()) return;
    c.offered = true;
    scheduler_.add(conn, c.joined, c.group, c.queue.front().ciphertexts.size(), net::monotonic_seconds());
    pump();
}

void Server::pump() {
    if (shutting_down_) return;
    while (auto conn = scheduler_.next(net::monotonic_seconds())) start_open(*conn);
    if (auto at = scheduler_.wake_at())
        pump_timer_.start(std::max(0.0, *at - net::monotonic_seconds()), [this] { pump(); });
    else pump_timer_.stop();
}

void Server::start_open(ConnId conn) {
    auto it = operators_.find(conn);
    if (it == operators_.end() || it->second.queue.empty()) {
        scheduler_.finished(conn);
        return;
    }
    OperatorConn& c = it->second;
    c.offered = false;
    c.opening = true;
    bool joined = c.joined;
    auto job = std::make_shared<std::pair<SplitPacket, OpenResult>>(std::move(c.queue.front()), OpenResult{});
    c.queue.pop_front();
    PrivateKey key = key_;
    OnBadBlock on_bad = joined ? OnBadBlock::DecryptAll : OnBadBlock::StopAtFirst;
    net::run_in_pool(
        loop_, [job, key, on_bad] { job->second = open_split(std::move(job->first), key, on_bad); },
        [this, job, conn, joined] {
            scheduler_.finished(conn);
            if (!shutting_down_) opened(conn, job->second, joined);
            pump();
        });
}

void Server::opened(ConnId conn, OpenResult& r, bool was_joined) {
    auto found = operators_.find(conn);
    if (found == operators_.end()) return;  // closed meanwhile: drop the packet
    found->second.opening = false;
    if (!r.packet) {
        if (!was_joined) return drop_stranger(conn, "a packet that does not open");
        logger_.log_by_shape(LogLevel::Warning, "connection " + std::to_string(conn) + ": " + kOpenFailed);
        logger_.log(LogLevel::Debug, "connection " + std::to_string(conn) + ": " + r.detail);
    } else {
        core_->operator_packet(conn, *r.packet, now());
    }
    reschedule();
    auto it = operators_.find(conn);  // the dispatch may have closed it
    if (it == operators_.end()) return;
    OperatorConn& c = it->second;
    if (!c.joined && core_->joined(conn)) {
        // Joined: the stranger's limits no longer apply.
        c.joined = true;
        if (--strangers_[c.group] == 0) strangers_.erase(c.group);
        if (c.stream) c.stream->set_max_line(settings_.max_line);
    }
    if (c.closed && c.queue.empty()) return finish_close(conn);
    offer(conn);
}

void Server::forget(ConnId conn, bool flush) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    OperatorConn& c = it->second;
    if (c.offered) scheduler_.remove(conn);
    if (!c.joined) {
        auto s = strangers_.find(c.group);
        if (s != strangers_.end() && --s->second == 0) strangers_.erase(s);
    }
    // Flush: a `refused` just queued must reach the client before the close.
    if (c.stream) c.stream->close(flush);
    operators_.erase(it);
}

void Server::finish_close(ConnId conn) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    std::string line = "connection " + std::to_string(conn) + " closed: " + it->second.close_reason;
    if (it->second.joined) logger_.log(LogLevel::Info, line);
    else logger_.log_limited(LogLevel::Info, "stranger closed", line);
    drop(conn);
}

void Server::write_operator(ConnId conn, const std::string& line) {
    auto it = operators_.find(conn);
    if (it != operators_.end() && !it->second.closed) it->second.stream->write_line(line);
}

void Server::close_operator(ConnId conn, bool flush) { forget(conn, flush); }

// ---- service bus --------------------------------------------------------------------------

void Server::accept_service(std::unique_ptr<net::LineStream> client) {
    if (shutting_down_) return;
    ConnId id = next_conn_++;
    net::LineStream::Handlers h;
    h.on_line = [this, id](std::string_view line) { on_service_line(id, line); };
    h.on_close = [this, id](const std::string& reason) {
        log(LogLevel::Info, "service connection " + std::to_string(id) + " closed: " + reason);
        services_.erase(id);
        core_->service_closed(id, now());
        reschedule();
    };
    auto& s = services_[id];
    s = std::move(client);
    s->start(std::move(h));
    core_->service_connected(id, now());
}

void Server::on_service_line(ConnId conn, std::string_view line) {
    core_->service_line(conn, line, now());
    reschedule();
}

void Server::write_service(ConnId service, const std::string& line) {
    auto it = services_.find(service);
    if (it != services_.end()) it->second->write_line(line);
}

void Server::close_service(ConnId service) {
    auto it = services_.find(service);
    if (it == services_.end()) return;
    it->second->close(true);
    services_.erase(it);
}

// ---- the journal -----------------------------------------------------------------------

bool Server::restore_journal(std::string& error) {
    journal_ = std::make_unique<Journal>(settings_.state_dir + "/journal");
    tickets_ = std::make_unique<Journal>(settings_.state_dir + "/tickets");
    Journal::Loaded loaded, tickets;
    if (!journal_->load(loaded, error) || !tickets_->load(tickets, error)) return false;
    if (loaded.torn) log(LogLevel::Warning, "the journal's last record was cut off (a crash mid-write); it is dropped");
    if (loaded.bad_lines)
        log(LogLevel::Warning, "the journal has " + std::to_string(loaded.bad_lines) + " unreadable line(s); skipped");
    core_->restore(loaded.records, tickets.records, now());
    if (core_->restored_tickets())
        log(LogLevel::Info, std::to_string(core_->restored_tickets()) + " operator(s) may rejoin without RSA");
    if (!loaded.records.empty()) {
        const Dispatch::Restored& n = core_->restored();
        log(LogLevel::Info, "journal: " + std::to_string(n.chats) + " chat(s) with " + std::to_string(n.held) +
                                " held text(s), " + std::to_string(n.rings) + " ring(s) and " +
                                std::to_string(n.unacked) + " unacknowledged line(s) restored" +
                                (n.skipped ? "; " + std::to_string(n.skipped) + " record(s) skipped" : ""));
    }
    // The end of every loop turn: the turn's records to disk, then its acknowledgements.
    commit_ = std::make_unique<net::BeforeBlock>(loop_, [this] {
        if (core_->end_of_turn(now())) reschedule();
        rearm_deadline();
    });
    reschedule();
    return true;
}

bool Server::save_ring_counter(std::int64_t next_id, std::string& error) {
    return write_file_atomic(ring_counter_path(), std::to_string(next_id) + "\n", 0600, error);
}

void Server::figure(const Json::Value& record) {
    if (!figures_.is_open()) return;
    // A figure that cannot be written costs a count, never a chat: the log says so.
    if (!figures_.append(record))
        logger_.log_by_shape(LogLevel::Warning,
                             settings_.figures_file + ": a figure was not written: " + figures_.error());
}

}  // namespace nlchat
