// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, operator side: authentication, the pool and grace, rings being taken, and
// what operators send. Its deadlines (probes, grace, handshakes) are in
// dispatch_deadlines.cpp, delivery to operators (held, sent, receipted) in
// dispatch_delivery.cpp.
#include <algorithm>
#include <limits>

#include "core/codec/bus_line.h"
#include "core/crypto/gcrypt_util.h"
#include "core/dispatch/dispatch.h"
#include "core/dispatch/shift_util.h"

namespace nlchat {

Command Dispatch::for_client(const Operator& op, std::int64_t chat, Command cmd) {
    // A client that reads chat ids gets the chat, and a caller text's line number; a 2015
    // client neither.
    if (auto* msg = std::get_if<MsgCommand>(&cmd)) {
        msg->chat = shown_chat(op, chat);
        if (!op.chat_ids) msg->line.reset();
    } else if (auto* state = std::get_if<ChatStateCommand>(&cmd)) {
        state->chat = shown_chat(op, chat);
    }
    return cmd;
}

void Dispatch::link_hint(ConnId conn, bool resumes, bool v2_offer) {
    auto it = connections_.find(conn);
    if (it == connections_.end()) return;
    it->second.resumes = resumes;
    it->second.v2_offer = v2_offer;
}

void Dispatch::link_session(const std::string& uuid, const std::string& offered_sid, const std::string& session_id) {
    auto it = operators_.find(uuid);
    if (it == operators_.end()) return;
    Operator& op = it->second;
    const bool same_run = !offered_sid.empty() && offered_sid == op.took_sid;
    if (same_run && session_id == op.took_sid) return;  // resumed: nothing changes
    if (!same_run) op.took = RecentIds(512);
    op.took_sid = session_id;
    journal(record("took_sid", {{"op", uuid}, {"sid", session_id}, {"reset", !same_run}}));
}

Dispatch::Dispatch(DispatchConfig config, PublicKey server_key, DispatchEffects& effects,
                   std::function<std::string()> make_nonce, std::string log_salt, std::int64_t first_ring_id)
    : config_(std::move(config)),
      server_key_(std::move(server_key)),
      effects_(effects),
      make_nonce_(std::move(make_nonce)),
      log_salt_(std::move(log_salt)),
      id_prefix_(to_hex(sha256("ids" + log_salt_).substr(0, 4)) + "-"),
      next_ring_id_(first_ring_id) {}

void Dispatch::set_authorized_keys(std::set<std::string> fingerprints) {
    authorized_ = std::move(fingerprints);
    if (config_.allow_any_key) return;
    // A key taken off the list is cut off now, not at its next connect: an admin who
    // revokes an operator expects it gone. Its chat ends as a disconnect's would.
    std::vector<std::string> revoked;
    for (const auto& [uuid, op] : operators_)
        if (!authorized(op.key)) revoked.push_back(uuid);
    for (const auto& uuid : revoked) {
        Operator& op = operators_.at(uuid);
        log(LogLevel::Warning, "operator " + uuid.substr(0, 8) + " (" + op.key.fingerprint() +
                                   "): key no longer authorized; disconnected");
        end_all_chats(uuid, op);
        leave_shift(uuid);
        if (op.conn) {
            effects_.send_sealed(*op.conn, op.key, uuid,
                                 RefusedCommand{uuid, "this key is no longer authorized on this server"});
            effects_.close_operator(*op.conn);
            connections_.erase(*op.conn);
        }
        operators_.erase(uuid);
        effects_.operator_forgotten(uuid, false);
    }
    // Connections half way through the challenge with such a key go too.
    std::vector<ConnId> challenged;
    for (const auto& [id, c] : connections_)
        if (c.state == Connection::State::Challenged && c.key && !authorized(*c.key)) challenged.push_back(id);
    for (ConnId id : challenged) {
        log(LogLevel::Info, "connection " + std::to_string(id) + ": key no longer authorized; closed");
        effects_.close_operator(id);
        connections_.erase(id);
    }
}

std::size_t Dispatch::recent_takeovers(Operator& op, const Now& now) const {
    while (!op.takeovers.empty() && op.takeovers.front() <= now.mono - config_.takeover_window)
        op.takeovers.pop_front();
    return op.takeovers.size();
}

bool Dispatch::authorized(const PublicKey& key) const {
    return config_.allow_any_key || authorized_.count(key.fingerprint()) > 0;
}

bool Dispatch::joined(ConnId conn) const {
    auto it = connections_.find(conn);
    return it != connections_.end() && it->second.state == Connection::State::Joined;
}

const PublicKey* Dispatch::connection_key(ConnId conn) const {
    auto it = connections_.find(conn);
    return it != connections_.end() && it->second.key ? &*it->second.key : nullptr;
}

std::size_t Dispatch::pool_size() const {
    return std::count_if(operators_.begin(), operators_.end(), [](const auto& o) { return o.second.in_pool; });
}

void Dispatch::operator_connected(ConnId conn, const Now& now) {
    now_ = now;
    connections_[conn].opened = now.mono;
    handshake_wakeups_.emplace(now.mono + config_.handshake_timeout, conn);
    Json::Value online(Json::objectValue);
    online["type"] = "server_online";
    online["key"] = server_key_.to_pem();
    effects_.send_plain(conn, online);
}

void Dispatch::operator_packet(ConnId conn, const std::string& wrapper_uuid, const Json::Value& inner, const Now& now) {
    if (!connections_.count(conn)) return;
    ParsedCommand parsed = parse_command(inner);
    if (parsed.kind == ParsedCommand::Kind::Unknown) {
        log(LogLevel::Debug, "connection " + std::to_string(conn) + ": ignoring unknown command type \"" +
                                 parsed.type.substr(0, 40) + "\"");
        return;
    }
    if (parsed.kind == ParsedCommand::Kind::Invalid) {
        log(LogLevel::Warning, "connection " + std::to_string(conn) + ": rejected command: " + parsed.error);
        return;
    }
    operator_command(conn, wrapper_uuid, *parsed.command, now);
}

void Dispatch::operator_command(ConnId conn, const std::string& wrapper_uuid, const Command& cmd, const Now& now) {
    now_ = now;
    auto it = connections_.find(conn);
    if (it == connections_.end()) return;
    Connection& c = it->second;
    const std::string* uuid = command_uuid(cmd);
    // The wrapper's UUID and the inner one must agree: the original acted on the inner
    // one alone, which let any packet speak for any client.
    if (uuid && *uuid != wrapper_uuid) {
        log(LogLevel::Warning, "connection " + std::to_string(conn) + ": dropped " + command_type(cmd) +
                                   ": wrapper and inner UUID differ");
        return;
    }
    if (auto* key = std::get_if<KeyCommand>(&cmd)) return handle_key(conn, c, wrapper_uuid, *key, now);
    if (auto* ack = std::get_if<ChallengeAckCommand>(&cmd)) return handle_challenge_ack(conn, c, *ack, now);
    if (c.state != Connection::State::Joined) {
        log(LogLevel::Warning,
            "connection " + std::to_string(conn) + ": dropped " + command_type(cmd) + " sent before joining");
        return;
    }
    if (!uuid || *uuid != c.uuid) {
        log(LogLevel::Warning, "connection " + std::to_string(conn) + ": dropped " + command_type(cmd) +
                                   " for a UUID this connection does not own");
        return;
    }
    handle_joined(conn, c, cmd, now);
}

void Dispatch::refuse(ConnId conn, const PublicKey& key, const std::string& uuid, const std::string& reason,
                      std::optional<std::string> code) {
    log(LogLevel::Warning, "connection " + std::to_string(conn) + ": refused: " + reason);
    // Nothing is ever encrypted to a key that is not authorized: a stranger chooses its
    // key, and encrypting to it is work the stranger would be buying. Its refusal goes
    // in plaintext; it says nothing the stranger did not send (its own fingerprint).
    if (authorized(key)) {
        effects_.send_sealed(conn, key, uuid, RefusedCommand{uuid, reason, std::move(code)});
    } else {
        Json::Value line = to_json(Command{RefusedCommand{uuid, reason, std::move(code)}});
        effects_.send_plain(conn, line);
    }
    effects_.close_operator(conn);
    connections_.erase(conn);
}

void Dispatch::handle_key(ConnId conn, Connection& c, const std::string& wrapper_uuid, const KeyCommand& cmd,
                          const Now& now) {
    std::string error;
    std::optional<PublicKey> key;
    if (cmd.key.size() <= config_.max_key_pem_bytes) key = PublicKey::from_pem(cmd.key, error);
    else error = "key longer than " + std::to_string(config_.max_key_pem_bytes) + " bytes";
    if (!key) {
        // With no usable key there is no way to answer in private: just close.
        log(LogLevel::Warning, "connection " + std::to_string(conn) + ": unusable key: " + error);
        effects_.close_operator(conn);
        connections_.erase(conn);
        return;
    }
    if (cmd.uuid.empty()) return refuse(conn, *key, wrapper_uuid, "empty UUID");
    if (c.state == Connection::State::Joined) {
        // A joined client repeats `key` when it has heard nothing for a while; the
        // connection has already proved the key, so this is a sign of life.
        if (cmd.uuid != c.uuid || *key != *c.key) return refuse(conn, *key, cmd.uuid, "one UUID per connection");
        handle_joined(conn, c, ProbeAckCommand{cmd.uuid}, now);
        auto op = operators_.find(c.uuid);
        if (op != operators_.end()) send_to_operator(c.uuid, op->second, own_status(op->second));
        return;
    }
    if (!authorized(*key))
        return refuse(conn, *key, cmd.uuid,
                      "this key (" + key->fingerprint() + ") is not authorized on this server; ask an admin to add it");
    auto op = operators_.find(cmd.uuid);
    if (op != operators_.end() && op->second.key != *key)
        return refuse(conn, *key, cmd.uuid, "this UUID is in use with another key");
    if (op != operators_.end() && op->second.conn && *op->second.conn != conn && op->second.in_pool &&
        recent_takeovers(op->second, now) >= config_.max_takeovers) {
        // Two terminals fighting over one key (or a client that redials blindly): after a
        // few takeovers the connection that holds the UUID keeps it for a while.
        double wait = op->second.takeovers.front() + config_.takeover_window - now.mono;
        return refuse(conn, *key, cmd.uuid,
                      "this key is connected from another terminal and has changed terminals " +
                          std::to_string(config_.max_takeovers) + " times in the last " +
                          std::to_string(static_cast<int>(config_.takeover_window)) + " s; try again in " +
                          std::to_string(static_cast<int>(wait) + 1) + " s",
                      "too_many_takeovers");
    }
    if (c.state == Connection::State::Challenged && c.uuid == cmd.uuid && *c.key == *key) {
        // A client may send key twice (at once, and again on server_online): the same
        // challenge again, so that either answer is right.
        effects_.send_sealed(conn, *key, cmd.uuid, ChallengeCommand{cmd.uuid, c.nonce});
        return;
    }
    c.state = Connection::State::Challenged;
    c.uuid = cmd.uuid;
    c.key = *key;
    c.nonce = make_nonce_();
    effects_.send_sealed(conn, *key, cmd.uuid, ChallengeCommand{cmd.uuid, c.nonce});
}

void Dispatch::handle_challenge_ack(ConnId conn, Connection& c, const ChallengeAckCommand& cmd, const Now& now) {
    if (c.state != Connection::State::Challenged) {
        log(LogLevel::Warning, "connection " + std::to_string(conn) + ": challengeACK without a challenge");
        return;
    }
    // Compare without an early exit, so the time taken says nothing about the nonce.
    bool match = cmd.uuid == c.uuid && cmd.nonce.size() == c.nonce.size();
    unsigned char diff = 0;
    for (std::size_t i = 0; match && i < c.nonce.size(); ++i)
        diff |= static_cast<unsigned char>(cmd.nonce[i] ^ c.nonce[i]);
    if (!match || diff != 0) return refuse(conn, *c.key, c.uuid, "wrong answer to the challenge");
    join(conn, c, cmd.chats, now);
}

bool Dispatch::resume_join(ConnId conn, const std::string& uuid, const PublicKey& key,
                           std::optional<std::int64_t> chats, const Now& now) {
    now_ = now;
    auto found = connections_.find(conn);
    if (found == connections_.end() || found->second.state != Connection::State::New) return false;
    Connection& c = found->second;
    if (!authorized(key)) {
        refuse(conn, key, uuid, "this key (" + key.fingerprint() + ") is not authorized on this server");
        return false;
    }
    auto op = operators_.find(uuid);
    if (op != operators_.end() && op->second.key != key) {
        refuse(conn, key, uuid, "this UUID is in use with another key");
        return false;
    }
    if (op != operators_.end() && op->second.conn && *op->second.conn != conn && op->second.in_pool &&
        recent_takeovers(op->second, now) >= config_.max_takeovers) {
        refuse(conn, key, uuid, "this key is connected from another terminal; try again in a minute",
               "too_many_takeovers");
        return false;
    }
    // As if it had answered a challenge: the resumption secret proved the same key.
    c.uuid = uuid;
    c.key = key;
    c.state = Connection::State::Challenged;
    join(conn, c, chats, now);
    return joined(conn);
}

void Dispatch::join(ConnId conn, Connection& c, std::optional<std::int64_t> chats, const Now& now) {
    auto [it, created] = operators_.try_emplace(c.uuid, *c.key);
    Operator& op = it->second;
    if (op.key != *c.key) return refuse(conn, *c.key, c.uuid, "this UUID is in use with another key");
    if (op.conn && *op.conn != conn) {
        // The newest connection wins (a client that redialled, or the same key in a
        // second terminal); the old one is told why, so that it does not redial, and
        // closed so nothing more is accepted from it. The chat follows the operator.
        if (op.in_pool) op.takeovers.push_back(now.mono);
        log(LogLevel::Info, "operator " + c.uuid.substr(0, 8) + " moved to connection " + std::to_string(conn) +
                                " (takeover " + std::to_string(recent_takeovers(op, now)) + " in " +
                                std::to_string(static_cast<int>(config_.takeover_window)) + " s)");
        effects_.send_sealed(*op.conn, op.key, c.uuid,
                             RefusedCommand{c.uuid, "this key is now connected from another terminal", "replaced"});
        connections_.erase(*op.conn);
        effects_.close_operator(*op.conn);
    }
    op.conn = conn;
    if (!c.resumes) {
        // Its link starts afresh: the caller texts it never acknowledged go again, first.
        std::vector<std::pair<std::int64_t, Command>> again;
        for (auto& u : op.unacked) {
            // Held from now on, so on disk like every held text.
            if (!u.on_disk && op.chats.count(u.chat)) journal(held_record(c.uuid, u.chat, u.text, u.line));
            again.emplace_back(u.chat, MsgCommand{{std::move(u.text)}, Direction::In, c.uuid, u.chat, u.line});
        }
        op.unacked.clear();
        op.held.insert(op.held.begin(), std::make_move_iterator(again.begin()), std::make_move_iterator(again.end()));
    }
    if (!c.v2_offer && (op.took.size() || !op.took_sid.empty())) {
        // A client without the v2 session never sends a line again: the numbers taken
        // from another run mean nothing to it (one with it is told by link_session).
        op.took = RecentIds(512);
        op.took_sid.clear();
        journal(record("took_sid", {{"op", c.uuid}, {"sid", ""}, {"reset", true}}));
    }
    // What this client reads: chat ids and how many chats, or the 2015 protocol's one.
    op.chat_ids = chats.has_value();
    op.shift = false;  // taken again on each connection (nlchat-protocol(7), THE SHIFT)
    op.client_chats = chats ? static_cast<std::size_t>(std::clamp<std::int64_t>(*chats, 1, 64)) : 1;
    c.state = Connection::State::Joined;
    c.nonce.clear();
    log(LogLevel::Info, "operator " + c.uuid.substr(0, 8) + " (" + op.key.fingerprint() + ") joined on connection " +
                            std::to_string(conn) + (created ? "" : " again"));
    op.last_heard = now.mono;
    op.probe_sent.reset();
    enter_pool(c.uuid, op, now);
}

void Dispatch::handle_joined(ConnId, Connection& c, const Command& cmd, const Now& now) {
    auto it = operators_.find(c.uuid);
    if (it == operators_.end()) return;
    Operator& op = it->second;
    op.last_heard = now.mono;
    op.probe_sent.reset();
    // Any valid command brings a dropped operator back on the same connection.
    if (!op.in_pool) enter_pool(c.uuid, op, now);

    if (auto* ack = std::get_if<RingAckCommand>(&cmd)) return handle_ring_ack(c.uuid, op, *ack);
    if (auto* msg = std::get_if<MsgCommand>(&cmd)) return handle_operator_msg(c.uuid, op, *msg);
    if (auto* state = std::get_if<ChatStateCommand>(&cmd)) {
        auto chat = chat_named(op, state->chat);
        if (chat == op.chats.end() || state->state.size() > config_.max_state_bytes) return;
        // A service that said "chat_states":false gets none (and none are kept for it).
        if (!services_[chat->second.first].chat_states) return;
        send_to_service(chat->second.first, bus_chat_state(chat->second.second, state->state, Direction::Out));
        return;
    }
    if (auto* end = std::get_if<DisassociateCommand>(&cmd)) {
        auto chat = chat_named(op, end->chat);
        if (chat != op.chats.end()) {
            log(LogLevel::Info, "operator " + c.uuid.substr(0, 8) + " ended the chat with " + tag(chat->second));
            end_association(c.uuid, op, chat->first, true, false);
        } else if (op.chats.size() > 1 && !end->chat) {
            log(LogLevel::Warning, "operator " + c.uuid.substr(0, 8) + ": disassociate names no chat and it has " +
                                       std::to_string(op.chats.size()) + "; ignored");
        }
        return;
    }
    if (std::holds_alternative<DisconnectCommand>(cmd)) {
        log(LogLevel::Info, "operator " + c.uuid.substr(0, 8) + " disconnected");
        std::string uuid = c.uuid;
        ended_by_ = "operator";  // its chats end by its own word, for the figures
        end_all_chats(uuid, op);
        ended_by_ = "server";
        leave_shift(uuid);
        if (op.conn) {
            effects_.close_operator(*op.conn);
            connections_.erase(*op.conn);
        }
        operators_.erase(uuid);
        effects_.operator_forgotten(uuid, false);
        return;
    }
    if (std::holds_alternative<ProbeAckCommand>(cmd)) return;
    handle_shift(c.uuid, op, cmd);
}

void Dispatch::handle_ring_ack(const std::string& uuid, Operator& op, const RingAckCommand& cmd) {
    auto ring = rings_.find(cmd.id);
    if (ring == rings_.end()) {
        log(LogLevel::Debug, "operator " + uuid.substr(0, 8) + ": ringACK for ring " + std::to_string(cmd.id) +
                                 ", which is no longer open");
        return;
    }
    if (!journal_ok_) {
        // A chat that could not be on disk could come back after a crash as another one:
        // a client that names no chat would then write to the wrong caller (found by the
        // simulation). So while the journal cannot be written no ring is taken; it stays
        // open for when it can (or times out, and the caller is told).
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + ": ringACK for ring " + std::to_string(cmd.id) +
                                " refused: the journal cannot be written");
        return;
    }
    if (is_away(op)) {
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " is away; its ringACK for ring " +
                                std::to_string(cmd.id) + " is refused");
        return;
    }
    if (op.chats.size() >= chat_limit(op)) {
        // A client without chat ids cannot tell chats apart, so it has one at a time;
        // one with them has as many as it and the server allow. The ring stays open for
        // the others.
        const std::string held = op.chats.size() == 1 ? "a chat" : std::to_string(op.chats.size()) + " chats";
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " is in " + held + ", its most; its ringACK for ring " +
                                std::to_string(cmd.id) + " is refused");
        return;
    }
    // The chat's id is the ring's, which is never used twice.
    const std::int64_t chat = cmd.id;
    Ring taken = std::move(ring->second);
    rings_.erase(ring);
    Caller& caller = callers_[taken.caller];
    caller.ring.reset();
    caller.operator_uuid = uuid;
    caller.chat = chat;
    op.chats[chat] = taken.caller;
    op.lines[chat] = Operator::ChatLines{1, kLineBlock};
    journal(record("ring_end", {{"id", Json::Int64(cmd.id)}}));
    ++counts_.answered;
    effects_.ring_figure(taken.caller.first, taken.rang_wall, now_.mono - taken.rang_mono, "answered");
    chat_started(chat, uuid, taken.caller.first);
    journal(chat_record(uuid, op, chat));
    log(LogLevel::Info, "ring " + std::to_string(cmd.id) + " taken by operator " + uuid.substr(0, 8));
    // Everyone learns who took it; only the winner's copy names the chat it opens.
    for (const auto& [other, o] : operators_) {
        if (!o.in_pool) continue;
        effects_.send_sealed(*o.conn, o.key, other,
                             RingAckAckCommand{uuid, cmd.id, other == uuid ? shown_chat(o, chat) : std::nullopt});
    }
    auto service = services_.find(taken.caller.first);
    if (service != services_.end() && !service->second.chat_states)
        send_to_operator(uuid, op, ChatStateCommand{uuid, Direction::In, "no_state", shown_chat(op, chat)});
    caller_texts(uuid, op, chat, taken.held);
}

StatusCommand Dispatch::own_status(const Operator& op) const {
    StatusCommand status{service_statuses()};
    if (op.chat_ids) status.chats = static_cast<std::int64_t>(chat_limit(op));
    if (op.chat_ids) status.shift = true;  // the shift is offered (nlchat-protocol(7), THE SHIFT)
    return status;
}

std::size_t Dispatch::chat_limit(const Operator& op) const {
    return op.chat_ids ? std::min(op.client_chats, std::max<std::size_t>(1, config_.max_chats_per_operator)) : 1;
}

std::map<std::int64_t, Dispatch::CallerKey>::iterator Dispatch::chat_named(Operator& op,
                                                                           std::optional<std::int64_t> chat) {
    if (chat) return op.chats.find(*chat);
    return op.chats.size() == 1 ? op.chats.begin() : op.chats.end();
}

void Dispatch::handle_operator_msg(const std::string& uuid, Operator& op, const MsgCommand& cmd) {
    if (cmd.line) {
        // A numbered line sent again (its link resent it after a restart of ours, not
        // knowing whether it had arrived) is taken once.
        if (!op.took.add(std::to_string(*cmd.line))) {
            log(LogLevel::Debug,
                "operator " + uuid.substr(0, 8) + ": line " + std::to_string(*cmd.line) + " again; taken once");
            return;
        }
        journal(record("took", {{"op", uuid}, {"line", Json::Int64(*cmd.line)}}));
    }
    auto chat = chat_named(op, cmd.chat);
    if (chat == op.chats.end() && !cmd.chat && op.chats.size() > 1) {
        // A client that reads chat ids must name the chat; which caller is meant cannot
        // be guessed, and "gone" would name none either.
        return line_not_delivered(uuid, op, cmd,
                                  "it named no chat, and " + std::to_string(op.chats.size()) + " are open");
    }
    if (chat == op.chats.end() && previous_operator_line(uuid, op, cmd)) return;
    if (chat == op.chats.end()) {
        // The original crashed here. The chat is gone (grace ran out, or the server
        // restarted): say so, so the operator's screen can show it.
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " wrote with no chat open; told it the caller is gone");
        send_to_operator(uuid, op, ChatStateCommand{uuid, Direction::In, "gone", cmd.chat});
        if (cmd.line) send_to_operator(uuid, op, UndeliveredCommand{uuid, *cmd.line, "the caller had left", cmd.chat});
        return;
    }
    if (cmd.io != Direction::Out) return line_not_delivered(uuid, op, cmd, "it was not marked as going out");
    if (cmd.msg.empty()) return line_not_delivered(uuid, op, cmd, "it had no text");
    if (cmd.msg.size() > config_.max_texts_per_msg)
        return line_not_delivered(uuid, op, cmd,
                                  "more than " + std::to_string(config_.max_texts_per_msg) + " texts in one msg");
    for (const auto& text : cmd.msg) {
        if (text.size() > config_.max_text_bytes)
            return line_not_delivered(
                uuid, op, cmd, "longer than " + std::to_string(config_.max_text_bytes) + " bytes, the server's limit");
    }
    if (!send_to_service(chat->second.first, bus_msg(chat->second.second, cmd.msg, Direction::Out)))
        return line_not_delivered(uuid, op, cmd, "the caller's service is not taking lines (its backlog is full)");
    for (const auto& text : cmd.msg) chat_line(chat->first, "operator", text);
}

void Dispatch::line_not_delivered(const std::string& uuid, const Operator& op, const MsgCommand& cmd,
                                  const std::string& reason) {
    log(LogLevel::Warning, "operator " + uuid.substr(0, 8) + ": a line was not delivered: " + reason);
    if (cmd.line) send_to_operator(uuid, op, UndeliveredCommand{uuid, *cmd.line, reason, cmd.chat});
}

void Dispatch::enter_pool(const std::string& uuid, Operator& op, const Now& now) {
    bool returning = op.grace_until.has_value();
    op.in_pool = true;
    op.grace_until.reset();
    send_to_operator(uuid, op, own_status(op));
    if (returning) log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " is back");
    send_held(uuid, op);
    // A hand-over it was told of only now: its lines written before it knew may follow.
    for (auto& [chat, info] : chat_info_)
        if (info.previous == uuid && info.previous_until == std::numeric_limits<double>::infinity())
            info.previous_until = now.mono + shift::kLateLineSeconds;
    if (!is_away(op))
        for (const auto& [id, ring] : rings_) send_to_operator(uuid, op, ring_command(id, ring, op, now));
    wake_operator(uuid, op);
    mark_board();
}

void Dispatch::leave_pool(const std::string& uuid, Operator& op, const Now& now, const char* why) {
    op.in_pool = false;
    op.probe_sent.reset();
    op.grace_until = now.mono + config_.grace;
    wake_operator(uuid, op);
    mark_board();
    log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " left the pool (" + why + ")" +
                            (op.chats.empty() ? "" : "; its chats are kept during the grace period"));
}

void Dispatch::end_grace(const std::string& uuid) {
    auto it = operators_.find(uuid);
    if (it == operators_.end()) return;
    Operator& op = it->second;
    log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " did not come back within the grace period");
    end_all_chats(uuid, op);
    leave_shift(uuid);
    if (op.conn) {
        effects_.close_operator(*op.conn);
        connections_.erase(*op.conn);
    }
    operators_.erase(it);
    effects_.operator_forgotten(uuid, true);
}

void Dispatch::end_all_chats(const std::string& uuid, Operator& op) {
    while (!op.chats.empty()) end_association(uuid, op, op.chats.begin()->first, true, true);
}

void Dispatch::end_association(const std::string& uuid, Operator& op, std::int64_t chat, bool tell_service,
                               bool tell_caller_dropped) {
    auto it = op.chats.find(chat);
    if (it == op.chats.end()) return;
    CallerKey caller = it->second;
    op.chats.erase(it);
    op.held.erase(std::remove_if(op.held.begin(), op.held.end(), [chat](const auto& h) { return h.first == chat; }),
                  op.held.end());
    op.unacked.erase(std::remove_if(op.unacked.begin(), op.unacked.end(),
                                    [chat](const Operator::Unacked& u) { return u.chat == chat; }),
                     op.unacked.end());
    op.lines.erase(chat);
    callers_.erase(caller);
    journal(record("end", {{"op", uuid}, {"chat", Json::Int64(chat)}}));
    chat_ended(chat, tell_caller_dropped ? ended_by_ : tell_service ? "operator" : "caller");
    if (tell_caller_dropped) reply_to_caller(caller, config_.text_client_dropped);
    if (tell_service) send_to_service(caller.first, bus_disassociate(caller.second));
}

void Dispatch::broadcast(const Command& cmd) {
    for (const auto& [uuid, op] : operators_) {
        if (!op.in_pool) continue;
        // The wrapper names each recipient; the command itself (ring, ringACKACK with
        // the winner's UUID, status) is the same for everyone.
        effects_.send_sealed(*op.conn, op.key, uuid, cmd);
    }
}

void Dispatch::broadcast_status() { broadcast(StatusCommand{service_statuses()}); }

RingCommand Dispatch::ring_command(std::int64_t id, const Ring& ring, const Operator& op, const Now& now) const {
    RingCommand cmd{"", id, ring.expires_wall, std::max(0.0, ring.expires_mono - now.mono)};
    if (op.chat_ids) cmd.service = ring.caller.first;
    return cmd;
}

bool Dispatch::all_busy() const {
    for (const auto& [uuid, op] : operators_)
        if (op.in_pool && !is_away(op) && op.chats.size() < chat_limit(op)) return false;
    return true;
}

void Dispatch::operator_closed(ConnId conn, const Now& now) {
    now_ = now;
    auto it = connections_.find(conn);
    if (it == connections_.end()) return;
    std::string uuid = it->second.state == Connection::State::Joined ? it->second.uuid : "";
    connections_.erase(it);
    if (uuid.empty()) return;
    auto op = operators_.find(uuid);
    if (op == operators_.end() || op->second.conn != conn) return;
    op->second.conn.reset();
    // The texts it was sent and never acknowledged now wait for an operator who is away:
    // those not on disk yet (a service without acknowledgements) go there now.
    for (auto& u : op->second.unacked)
        if (!u.on_disk && op->second.chats.count(u.chat)) {
            journal(held_record(uuid, u.chat, u.text, u.line));
            u.on_disk = true;
        }
    if (op->second.in_pool) leave_pool(uuid, op->second, now, "connection lost");
}

}  // namespace nlchat
