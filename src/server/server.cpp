#include "server/server.h"

#include <unistd.h>

#include "core/authorized_keys.h"
#include "core/base64.h"
#include "core/json_util.h"
#include "core/key_file.h"

namespace nlchat {

Server::Server(net::Loop& loop, ServerSettings settings, PrivateKey key, Logger& logger)
    : loop_(loop),
      settings_(std::move(settings)),
      key_(std::move(key)),
      logger_(logger),
      operators_listener_(loop, settings_.max_line,
                          [this](std::unique_ptr<net::LineStream> c) { accept_operator(std::move(c)); }),
      services_listener_(loop, settings_.max_service_line,
                         [this](std::unique_ptr<net::LineStream> c) { accept_service(std::move(c)); }),
      deadline_(loop) {}

Server::~Server() = default;

std::string Server::ring_counter_path() const { return settings_.state_dir + "/ring-id"; }

bool Server::start(std::string& error) {
    // Ring IDs never repeat, across restarts too: the next one is kept in the state dir.
    std::int64_t first_id = 1;
    std::string read_error;
    if (auto text = read_small_file(ring_counter_path(), 64, read_error)) {
        try {
            first_id = std::stoll(*text);
        } catch (const std::exception&) {
            error = "'" + ring_counter_path() + "' does not hold a ring number; remove it to start again from 1";
            return false;
        }
    } else if (access(ring_counter_path().c_str(), F_OK) == 0) {
        error = read_error;
        return false;
    }
    dispatch_ = std::make_unique<Dispatch>(
        settings_.dispatch, key_.public_key(), *this, [] { return base64_encode(random_bytes(32)); },
        random_bytes(16), first_id);
    if (!settings_.dispatch.allow_any_key && !load_authorized_keys("", error)) return false;
    if (!operators_listener_.listen_tcp(settings_.listen, error)) return false;
    if (!services_listener_.listen_unix(settings_.service_socket, 0660, error)) return false;
    log(LogLevel::Info, "listening on " + format_host_port(operators_listener_.bound()));
    log(LogLevel::Info, "service bus on " + settings_.service_socket);
    return true;
}

bool Server::load_authorized_keys(const std::string& log_prefix, std::string& error) {
    auto text = read_small_file(settings_.authorized_keys_file, 1 << 20, error);
    if (!text) return false;
    AuthorizedKeys keys = parse_authorized_keys(*text);
    for (const auto& p : keys.problems) log(LogLevel::Warning, settings_.authorized_keys_file + ": " + p);
    log(LogLevel::Info, log_prefix + std::to_string(keys.fingerprints.size()) + " operator key(s) authorized");
    dispatch_->set_authorized_keys(std::move(keys.fingerprints));
    return true;
}

void Server::reload_authorized_keys() {
    if (settings_.dispatch.allow_any_key) return;
    std::string err;
    if (!load_authorized_keys("SIGHUP: ", err))
        log(LogLevel::Warning, "SIGHUP: " + err + "; keeping the keys already loaded");
}

void Server::shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    log(LogLevel::Info, "shutting down");
    operators_listener_.close();
    services_listener_.close();
    deadline_.close();
    for (auto& [id, c] : operators_) c.stream->close(true);
    for (auto& [id, s] : services_) s->close(true);
    operators_.clear();
    services_.clear();
}

Now Server::now() const { return Now{net::monotonic_seconds(), net::wall_seconds()}; }

void Server::reschedule() {
    if (shutting_down_) return;
    auto next = dispatch_->next_deadline();
    if (!next) return deadline_.stop();
    deadline_.start(*next - net::monotonic_seconds(), [this] {
        dispatch_->tick(now());
        reschedule();
    });
}

// ---- operator port ----------------------------------------------------------------------

void Server::accept_operator(std::unique_ptr<net::LineStream> client) {
    if (shutting_down_) return;
    ConnId id = next_conn_++;
    net::LineStream::Handlers h;
    h.on_line = [this, id](std::string_view line) { on_operator_line(id, line); };
    h.on_close = [this, id](const std::string& reason) {
        auto it = operators_.find(id);
        if (it == operators_.end()) return;
        // A client that says disconnect and hangs up at once must still be heard: the
        // packets it sent before closing are opened first.
        it->second.closed = true;
        it->second.close_reason = reason;
        if (!it->second.opening && it->second.queue.empty()) finish_close(id);
    };
    OperatorConn& c = operators_[id];
    c.stream = std::move(client);
    c.stream->start(std::move(h));
    log(LogLevel::Debug, "connection " + std::to_string(id) + " opened");
    dispatch_->operator_connected(id, now());
    reschedule();
}

void Server::on_operator_line(ConnId conn, std::string_view line) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    OperatorConn& c = it->second;
    if (c.queue.size() >= settings_.max_queued_packets) {
        log(LogLevel::Warning, "connection " + std::to_string(conn) + " sends faster than packets can be opened (" +
                                   std::to_string(settings_.max_queued_packets) + " waiting); closed");
        close_operator(conn);
        dispatch_->operator_closed(conn, now());
        return reschedule();
    }
    c.queue.emplace_back(line);
    open_next(conn);
}

void Server::finish_close(ConnId conn) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    log(LogLevel::Info, "connection " + std::to_string(conn) + " closed: " + it->second.close_reason);
    operators_.erase(it);
    dispatch_->operator_closed(conn, now());
    reschedule();
}

void Server::open_next(ConnId conn) {
    auto it = operators_.find(conn);
    if (it == operators_.end() || it->second.opening) return;
    if (it->second.queue.empty()) {
        if (it->second.closed) finish_close(conn);
        return;
    }
    OperatorConn& c = it->second;
    std::string line = std::move(c.queue.front());
    c.queue.pop_front();
    std::string detail;
    auto split = split_packet(line, key_.public_key(), Role::Alice, OpenLimits{}, detail);
    if (!split) {
        log(LogLevel::Warning, "connection " + std::to_string(conn) + ": " + kOpenFailed);
        log(LogLevel::Debug, "connection " + std::to_string(conn) + ": " + detail);
        return open_next(conn);
    }
    c.opening = true;
    auto job = std::make_shared<std::pair<SplitPacket, OpenResult>>(std::move(*split), OpenResult{});
    PrivateKey key = key_;
    net::run_in_pool(
        loop_, [job, key] { job->second = open_split(std::move(job->first), key); },
        [this, job, conn] {
            auto found = operators_.find(conn);
            if (found == operators_.end()) return;  // closed meanwhile: drop the packet
            found->second.opening = false;
            OpenResult& r = job->second;
            if (r.packet) {
                dispatch_->operator_packet(conn, r.packet->uuid, r.packet->inner, now());
            } else {
                log(LogLevel::Warning, "connection " + std::to_string(conn) + ": " + kOpenFailed);
                log(LogLevel::Debug, "connection " + std::to_string(conn) + ": " + r.detail);
            }
            reschedule();
            open_next(conn);
        });
}

void Server::send_plain(ConnId conn, const Json::Value& line) {
    auto it = operators_.find(conn);
    if (it != operators_.end() && !it->second.closed) it->second.stream->write_line(write_json(line));
}

void Server::send_sealed(ConnId conn, const PublicKey& key, const std::string& uuid, const Command& command) {
    auto it = operators_.find(conn);
    if (it == operators_.end() || it->second.closed) return;
    it->second.stream->write_line(seal(write_json(to_json(command)), key, uuid, Role::Bob));
}

void Server::close_operator(ConnId conn) {
    auto it = operators_.find(conn);
    if (it == operators_.end()) return;
    // Flush first: a `refused` just queued must reach the client before the close.
    it->second.stream->close(true);
    operators_.erase(it);
}

// ---- service bus --------------------------------------------------------------------------

void Server::accept_service(std::unique_ptr<net::LineStream> client) {
    if (shutting_down_) return;
    ConnId id = next_conn_++;
    net::LineStream::Handlers h;
    h.on_line = [this, id](std::string_view line) { on_service_line(id, line); };
    h.on_close = [this, id](const std::string& reason) {
        log(LogLevel::Info, "service connection " + std::to_string(id) + " closed: " + reason);
        services_.erase(id);
        dispatch_->service_closed(id, now());
        reschedule();
    };
    auto& s = services_[id];
    s = std::move(client);
    s->start(std::move(h));
    dispatch_->service_connected(id, now());
}

void Server::on_service_line(ConnId conn, std::string_view line) {
    std::string error;
    auto obj = parse_json_object(line, error);
    if (!obj) {
        log(LogLevel::Warning, "service connection " + std::to_string(conn) + ": bad line: " + error);
        return;
    }
    dispatch_->service_line(conn, *obj, now());
    reschedule();
}

void Server::send_service(ConnId service, const Json::Value& line) {
    auto it = services_.find(service);
    if (it != services_.end()) it->second->write_line(write_json(line));
}

void Server::close_service(ConnId service) {
    auto it = services_.find(service);
    if (it == services_.end()) return;
    it->second->close(true);
    services_.erase(it);
}

void Server::ring_counter_advanced(std::int64_t next_id) {
    std::string error;
    if (!write_file_atomic(ring_counter_path(), std::to_string(next_id) + "\n", 0600, error))
        log(LogLevel::Warning, "cannot save the ring counter: " + error + " (ring IDs may repeat after a restart)");
}

}  // namespace nlchat
