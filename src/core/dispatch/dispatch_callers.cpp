// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, caller side: services on the bus, callers' messages becoming rings, replies
// to callers, and service liveness.
#include <algorithm>

#include "core/codec/bus_line.h"
#include "core/codec/utf8.h"
#include "core/crypto/gcrypt_util.h"
#include "core/dispatch/dispatch.h"

namespace nlchat {
namespace {

bool is_text(const Json::Value& v, std::size_t max) {
    return v.isString() && v.asString().size() <= max && is_valid_utf8(v.asString());
}

// Caller chat states as operators see them (the original's XEP-0085 mapping).
std::string operator_view_of_state(const std::string& state) {
    if (state == "active") return "idle";
    if (state == "composing") return "typing";
    return state;
}

}  // namespace

std::string Dispatch::tag(const CallerKey& caller) const {
    // Logs name callers by a salted hash that changes every run: enough to follow one
    // chat through a log, useless for finding out who the caller was.
    return caller.first + "/" + to_hex(sha256(log_salt_ + caller.first + '\0' + caller.second).substr(0, 6));
}

std::vector<ServiceStatus> Dispatch::service_statuses() const {
    std::vector<ServiceStatus> out;
    for (const auto& [name, s] : services_)
        out.push_back({name, !s.conn ? "down" : !s.responding ? "not responding" : s.reported});
    return out;
}

void Dispatch::service_connected(ConnId service, const Now& now) {
    now_ = now;
    service_conns_[service] = "";
}

void Dispatch::service_closed(ConnId service, const Now& now) {
    now_ = now;
    auto it = service_conns_.find(service);
    if (it == service_conns_.end()) return;
    std::string name = it->second;
    service_conns_.erase(it);
    auto s = services_.find(name);
    if (name.empty() || s == services_.end() || s->second.conn != service) return;
    s->second.conn.reset();
    s->second.probe_sent.reset();
    log(LogLevel::Warning, "service " + name + " went away; its chats are kept until it returns");
    broadcast_status();
}

void Dispatch::service_heard(Service& s, const Now& now) {
    s.last_heard = now.mono;
    s.probe_sent.reset();
    if (!s.responding) {
        s.responding = true;
        broadcast_status();
    }
}

void Dispatch::service_line(ConnId service, const Json::Value& line, const Now& now) {
    now_ = now;
    auto conn = service_conns_.find(service);
    if (conn == service_conns_.end()) return;
    const std::string who =
        conn->second.empty() ? "service connection " + std::to_string(service) : "service " + conn->second;
    ParsedBusLine parsed = parse_bus_line(line);
    if (parsed.kind == ParsedBusLine::Kind::Unknown) {
        log(LogLevel::Debug, who + ": ignoring unknown line type");
        return;
    }
    if (parsed.kind == ParsedBusLine::Kind::Invalid) {
        log(LogLevel::Warning, who + ": " + (parsed.type.empty() ? "line without a type" : parsed.error));
        // A service that cannot introduce itself is not kept waiting for a second try.
        if (parsed.type == "service_online") return handle_service_online(service, BusServiceOnline{}, now);
        // A caller whose message could not be read is told, if we can tell whom.
        if (parsed.type == "msg" && !conn->second.empty() && is_text(line["address"], config_.max_address_bytes) &&
            !line["address"].asString().empty()) {
            service_heard(services_[conn->second], now);
            std::optional<std::string> re;
            if (line["id"].isString() && line["id"].asString().size() <= config_.max_address_bytes)
                re = line["id"].asString();
            reply_to_caller({conn->second, line["address"].asString()}, config_.text_not_delivered, re);
        }
        return;
    }
    if (auto* online = std::get_if<BusServiceOnline>(&*parsed.value))
        return handle_service_online(service, *online, now);
    const std::string& name = conn->second;
    if (name.empty()) {
        log(LogLevel::Warning, who + ": " + parsed.type + " before service_online; ignored");
        return;
    }
    Service& s = services_[name];
    service_heard(s, now);
    if (auto* msg = std::get_if<BusMsg>(&*parsed.value)) {
        if (!s.acks || !msg->id) return handle_caller_msg(name, *msg, now);
        // A msg seen already (resent after a reconnect) is acknowledged again, not taken twice.
        if (s.seen.add(*msg->id)) {
            journal(record("seen", {{"svc", name}, {"id", *msg->id}}));
            handle_caller_msg(name, *msg, now);
        } else log(LogLevel::Debug, "service " + name + ": msg " + *msg->id + " again; acknowledged, not taken twice");
        // Taken: delivered to the operator, held for it, ringing, or answered with a reply.
        return effects_.send_service(service, bus_json(BusAck{*msg->id}));
    }
    if (auto* ack = std::get_if<BusAck>(&*parsed.value)) {
        for (auto it = s.outbox.begin(); it != s.outbox.end(); ++it)
            if (it->first == ack->id) {
                s.outbox.erase(it);
                journal(record("out_acked", {{"svc", name}, {"id", ack->id}}));
                break;
            }
        return;
    }
    if (auto* state = std::get_if<BusChatState>(&*parsed.value)) return handle_caller_state(name, *state);
    if (auto* left = std::get_if<BusDisassociate>(&*parsed.value)) return handle_caller_left(name, *left);
    if (auto* status = std::get_if<BusStatus>(&*parsed.value)) {
        if (status->status.size() > config_.max_status_bytes) {
            log(LogLevel::Warning, who + ": status longer than " + std::to_string(config_.max_status_bytes) + " bytes");
            return;
        }
        if (s.reported != status->status) {
            s.reported = status->status;
            broadcast_status();
        }
    }
    // probeACK has done its work (service_heard); a service has no business sending probe.
}

void Dispatch::handle_service_online(ConnId service, const BusServiceOnline& line, const Now& now) {
    if (line.service.empty() || line.service.size() > config_.max_service_name_bytes) {
        log(LogLevel::Warning, "service connection " + std::to_string(service) +
                                   ": service_online without a name of 1 to " +
                                   std::to_string(config_.max_service_name_bytes) + " bytes");
        effects_.close_service(service);
        service_closed(service, now);  // a service it had named is shown as down, not left pointing here
        return;
    }
    const std::string& name = line.service;
    std::string& bound = service_conns_[service];
    if (!bound.empty() && bound != name) {
        log(LogLevel::Warning, "service connection " + std::to_string(service) + ": cannot rename " + bound);
        return;
    }
    bound = name;
    Service& s = services_[name];
    if (s.conn && *s.conn != service) {
        log(LogLevel::Warning, "service " + name + " connected again; the older connection is closed");
        service_conns_.erase(*s.conn);
        effects_.close_service(*s.conn);
    }
    s.conn = service;
    s.reported = "Connected";
    s.responding = true;
    s.chat_states = line.chat_states;
    s.last_heard = now.mono;
    s.probe_sent.reset();
    log(LogLevel::Info, "service " + name + " online" + (line.wants_acks() ? " (with acknowledgements)" : ""));
    s.acks = line.wants_acks();
    if (s.acks) effects_.send_service(service, bus_json(BusWelcome{true}));
    // What it has not acknowledged, and what was written for it while it was away, goes
    // now, in order (msgs with the same ids, so what did arrive is dropped there). What
    // needs no acknowledgement leaves the outbox once written.
    for (auto it = s.outbox.begin(); it != s.outbox.end();) {
        if (write_from_outbox(service, s, it->first, it->second)) {
            ++it;
        } else {
            journal(record("out_acked", {{"svc", name}, {"id", it->first}}));
            it = s.outbox.erase(it);
        }
    }
    broadcast_status();
}

bool Dispatch::usable_address(const std::string& service, const std::string& address) {
    if (!address.empty() && address.size() <= config_.max_address_bytes) return true;
    log(LogLevel::Warning, "service " + service + ": line without a usable address");
    return false;
}

void Dispatch::handle_caller_msg(const std::string& service, const BusMsg& line, const Now& now) {
    if (!usable_address(service, line.address)) return;
    CallerKey key{service, line.address};
    std::vector<std::string> texts = line.msg;
    bool usable = !texts.empty() && texts.size() <= config_.max_texts_per_msg;
    for (const auto& t : texts) usable = usable && t.size() <= config_.max_text_bytes;
    if (!usable) {
        log(LogLevel::Warning, "service " + service + ": msg from " + tag(key) + " is not 1 to " +
                                   std::to_string(config_.max_texts_per_msg) + " UTF-8 texts of at most " +
                                   std::to_string(config_.max_text_bytes) + " bytes; dropped");
        return reply_to_caller(key, config_.text_not_delivered, line.id);
    }

    auto existing = callers_.find(key);
    if (existing != callers_.end() && !existing->second.operator_uuid.empty()) {
        const std::string uuid = existing->second.operator_uuid;
        const std::int64_t chat = existing->second.chat;
        Operator& op = operators_.at(uuid);
        if (op.held.size() + op.unacked.size() + texts.size() > config_.max_held) {
            log(LogLevel::Warning, "held messages for operator " + uuid.substr(0, 8) + " are at the limit (" +
                                       std::to_string(config_.max_held) + "); caller told");
            return reply_to_caller(key, config_.text_not_delivered, line.id);
        }
        return caller_texts(uuid, op, chat, texts);
    }
    if (existing != callers_.end() && existing->second.ring) {
        Ring& ring = rings_.at(*existing->second.ring);
        if (ring.held.size() + texts.size() > config_.max_held) {
            log(LogLevel::Warning, "ring " + std::to_string(*existing->second.ring) + " holds the most texts allowed");
            return reply_to_caller(key, config_.text_not_delivered, line.id);
        }
        for (auto& t : texts) {
            journal(record("ring_text", {{"id", Json::Int64(*existing->second.ring)}, {"text", t}}));
            ring.held.push_back(std::move(t));
        }
        return;
    }
    start_ring(key, std::move(texts), now, line.id);
}

void Dispatch::start_ring(const CallerKey& caller, std::vector<std::string> texts, const Now& now,
                          const std::optional<std::string>& re) {
    // Every operator in the pool away counts as none (nlchat-protocol(7), THE SHIFT).
    if (std::none_of(operators_.begin(), operators_.end(), [this](const auto& o) { return available(o.second); })) {
        log(LogLevel::Info, "no operator for " + tag(caller) + (pool_size() ? " (every one is away)" : ""));
        effects_.ring_figure(caller.first, now.wall, 0, "no_listeners");
        return reply_to_caller(caller, config_.text_no_operators, re);
    }
    if (rings_.size() >= config_.max_rings) {
        log(LogLevel::Warning, "open rings are at the limit (" + std::to_string(config_.max_rings) + ")");
        effects_.ring_figure(caller.first, now.wall, 0, "unavailable");
        return reply_to_caller(caller, config_.text_no_operators, re);
    }
    if (!journal_ok_) {
        log(LogLevel::Warning, "no new chat for " + tag(caller) + ": the journal cannot be written");
        effects_.ring_figure(caller.first, now.wall, 0, "unavailable");
        return reply_to_caller(caller, config_.text_unavailable, re);
    }
    // An ID is used only once the counter past it is on disk, so none is ever reused.
    if (next_ring_id_ >= kMaxRingId || !effects_.save_ring_counter(next_ring_id_ + 1)) {
        log(LogLevel::Warning, "cannot start a ring for " + tag(caller) + ": the ring counter could not be saved");
        effects_.ring_figure(caller.first, now.wall, 0, "unavailable");
        return reply_to_caller(caller, config_.text_unavailable, re);
    }
    std::int64_t id = next_ring_id_++;
    Ring& ring = rings_[id];
    ring.caller = caller;
    ring.held = std::move(texts);
    ring.expires_mono = now.mono + config_.ring_timeout;
    ring.expires_wall = now.wall + config_.ring_timeout;
    ring.rang_mono = now.mono;
    ring.rang_wall = now.wall;
    callers_[caller].ring = id;
    journal(ring_record(id, ring));
    ++counts_.rung;
    mark_board();
    bool busy = all_busy();
    log(LogLevel::Info, "ring " + std::to_string(id) + " for " + tag(caller) + (busy ? " (all operators busy)" : ""));
    for (const auto& [uuid, op] : operators_)
        if (available(op)) effects_.send_sealed(*op.conn, op.key, uuid, ring_command(id, ring, op, now));
    reply_to_caller(caller, busy ? config_.text_all_busy : config_.text_ringing, re);
}

void Dispatch::expire_ring(std::int64_t id) {
    auto it = rings_.find(id);
    if (it == rings_.end()) return;
    CallerKey caller = it->second.caller;
    effects_.ring_figure(caller.first, it->second.rang_wall, now_.mono - it->second.rang_mono, "timed_out");
    rings_.erase(it);
    callers_.erase(caller);
    journal(record("ring_end", {{"id", Json::Int64(id)}}));
    ++counts_.missed;
    mark_board();
    log(LogLevel::Info, "ring " + std::to_string(id) + " timed out");
    broadcast(RingAckAckCommand{"", id});
    reply_to_caller(caller, config_.text_ring_timed_out);
}

void Dispatch::handle_caller_state(const std::string& service, const BusChatState& line) {
    if (!usable_address(service, line.address) || line.state.size() > config_.max_state_bytes) return;
    auto it = callers_.find({service, line.address});
    if (it == callers_.end() || it->second.operator_uuid.empty()) return;
    const std::string uuid = it->second.operator_uuid;
    const std::int64_t chat = it->second.chat;
    Operator& op = operators_.at(uuid);
    // States are only worth showing live; an absent operator does not need the backlog.
    send_to_operator(uuid, op,
                     ChatStateCommand{uuid, Direction::In, operator_view_of_state(line.state), shown_chat(op, chat)});
}

void Dispatch::handle_caller_left(const std::string& service, const BusDisassociate& line) {
    if (!usable_address(service, line.address)) return;
    CallerKey key{service, line.address};
    auto it = callers_.find(key);
    if (it == callers_.end()) return;
    if (it->second.ring) {
        std::int64_t id = *it->second.ring;
        const Ring& ring = rings_.at(id);
        effects_.ring_figure(service, ring.rang_wall, now_.mono - ring.rang_mono, "withdrawn");
        mark_board();
        rings_.erase(id);
        callers_.erase(it);
        journal(record("ring_end", {{"id", Json::Int64(id)}}));
        log(LogLevel::Info, "ring " + std::to_string(id) + " withdrawn: " + tag(key) + " left");
        broadcast(RingAckAckCommand{"", id});
        return;
    }
    const std::string uuid = it->second.operator_uuid;
    const std::int64_t chat = it->second.chat;
    Operator& op = operators_.at(uuid);
    log(LogLevel::Info, tag(key) + " left the chat with operator " + uuid.substr(0, 8));
    deliver_or_hold(uuid, op, chat, ChatStateCommand{uuid, Direction::In, "gone", shown_chat(op, chat)});
    // What is held for the chat (its last texts, and "gone") must survive the end of the
    // association, so it is kept aside.
    auto held = std::move(op.held);
    end_association(uuid, op, chat, false, false);
    op.held = std::move(held);
}

void Dispatch::reply_to_caller(const CallerKey& caller, const std::string& text, const std::optional<std::string>& re) {
    // Marked as nlchatd's own words, so a service never shows them as the listener's; one
    // that answers a line of the service's names it, so the service knows which.
    BusMsg reply{caller.second, {text}, Direction::Out, kOriginServer, std::nullopt};
    reply.re = re;
    send_to_service(caller.first, bus_json(reply));
}

bool Dispatch::write_from_outbox(ConnId conn, const Service& s, const std::string& id, const Json::Value& line) {
    const bool acknowledged = s.acks && line["type"] == BusMsg::kType;
    if (!acknowledged) {
        effects_.send_service(conn, line);
        return false;
    }
    Json::Value numbered = line;
    numbered["id"] = id;
    effects_.send_service(conn, numbered);
    return true;
}

bool Dispatch::send_to_service(const std::string& name, const Json::Value& line) {
    Service& s = services_[name];
    const bool acknowledged = s.acks && line["type"] == BusMsg::kType;
    // A service that is there and will not acknowledge gets the line now, and that is all.
    if (s.conn && !acknowledged) {
        effects_.send_service(*s.conn, line);
        return true;
    }
    // A typing state is worth showing only live: a service that is away gets none.
    if (!s.conn && line["type"] == BusChatState::kType) return true;
    // Else it is kept, on disk, until the service acknowledges it or comes back for it.
    if (s.outbox.size() >= config_.max_pending_service_lines) {
        log(LogLevel::Warning, "service " + name + " has " + std::to_string(s.outbox.size()) + " lines " +
                                   (s.conn ? "unacknowledged" : "waiting while it is away") +
                                   " (the limit); a line was dropped");
        return false;
    }
    std::string id = id_prefix_ + std::to_string(s.next_id++);
    journal(record("out", {{"svc", name}, {"id", id}, {"line", line}}));
    if (!s.conn || write_from_outbox(*s.conn, s, id, line)) s.outbox.emplace_back(std::move(id), line);
    return true;
}

}  // namespace nlchat
