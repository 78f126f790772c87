// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, delivery to operators: what is sent to an operator or held while it is away,
// the numbering of caller texts, and when a text is the operator's (its link's receipt),
// so that until then it is on disk whoever sends it again (nlchat-protocol(7), DELIVERY
// AND RESTARTS).
#include "core/dispatch/dispatch.h"

namespace nlchat {

void Dispatch::send_to_operator(const std::string& uuid, const Operator& op, const Command& cmd) {
    if (op.conn && op.in_pool) effects_.send_sealed(*op.conn, op.key, uuid, cmd);
}

void Dispatch::deliver_or_hold(const std::string& uuid, Operator& op, std::int64_t chat, const Command& cmd) {
    if (op.in_pool && op.conn) return send_to_operator(uuid, op, for_client(op, chat, cmd));
    op.held.emplace_back(chat, cmd);
    log(LogLevel::Debug, "holding " + command_type(cmd) + " for operator " + uuid.substr(0, 8) + " (" +
                             std::to_string(op.held.size()) + " held)");
}

std::int64_t Dispatch::next_line(const std::string& uuid, Operator& op, std::int64_t chat) {
    Operator::ChatLines& lines = op.lines[chat];
    if (lines.next >= lines.reserved) {
        // The next block of numbers, on disk before any of it is used.
        lines.reserved = lines.next + kLineBlock;
        journal(
            record("lines", {{"op", uuid}, {"chat", Json::Int64(chat)}, {"reserved", Json::Int64(lines.reserved)}}));
    }
    return lines.next++;
}

void Dispatch::caller_texts(const std::string& uuid, Operator& op, std::int64_t chat,
                            const std::vector<std::string>& texts) {
    for (const auto& text : texts) {
        const std::int64_t line = next_line(uuid, op, chat);
        chat_line(chat, "caller", text, line);
        caller_text(uuid, op, chat, MsgCommand{{text}, Direction::In, uuid, chat, line});
    }
}

void Dispatch::caller_text(const std::string& uuid, Operator& op, std::int64_t chat, MsgCommand msg) {
    // Until the operator has the text it is on disk, whoever is to send it again: nlchatd
    // after a restart, or the dispatch when the operator's link starts afresh. The link
    // says when it has it (operator_delivered): acknowledged (v2), or written (v1).
    // (A text from a service that does not acknowledge was never promised to anyone: it is
    // kept until delivered, but not written to disk for it, unless it must wait for an
    // operator who is away.)
    const std::int64_t line = *msg.line;
    if (op.in_pool && op.conn) {
        const std::uint64_t receipt = effects_.send_sealed(*op.conn, op.key, uuid, for_client(op, chat, msg));
        if (receipt == 0) return;
        // Not on disk only when its service is here and known not to acknowledge: one that
        // is away (after a restart nlchatd does not know yet) may have been told it was
        // taken, so its text is kept as if promised.
        auto caller = op.chats.find(chat);
        const Service* svc = caller == op.chats.end() ? nullptr : &services_[caller->second.first];
        const bool on_disk = svc && (svc->acks || !svc->conn);
        if (on_disk) journal(held_record(uuid, chat, msg.msg[0], line));
        op.unacked.push_back(Operator::Unacked{receipt, chat, line, std::move(msg.msg[0]), on_disk});
        return;
    }
    journal(held_record(uuid, chat, msg.msg[0], line));
    op.held.emplace_back(chat, std::move(msg));
    log(LogLevel::Debug,
        "holding msg for operator " + uuid.substr(0, 8) + " (" + std::to_string(op.held.size()) + " held)");
}

void Dispatch::send_held(const std::string& uuid, Operator& op) {
    // What was held while it was away, in order and once. A text sent on a link that
    // acknowledges stays on disk until it is acknowledged; one only written is delivered.
    auto held = std::move(op.held);
    op.held.clear();
    std::map<std::int64_t, std::int64_t> delivered;  // by chat, the last line
    for (auto& [chat, cmd] : held) {
        const std::uint64_t receipt = effects_.send_sealed(*op.conn, op.key, uuid, for_client(op, chat, cmd));
        auto* msg = std::get_if<MsgCommand>(&cmd);
        if (!msg || !msg->line) continue;
        if (receipt) op.unacked.push_back(Operator::Unacked{receipt, chat, *msg->line, std::move(msg->msg[0]), true});
        else delivered[chat] = *msg->line;
    }
    for (const auto& [chat, line] : delivered)
        journal(record("delivered", {{"op", uuid}, {"chat", Json::Int64(chat)}, {"upto", Json::Int64(line)}}));
}

void Dispatch::operator_delivered(const std::string& uuid, std::uint64_t receipt) {
    auto it = operators_.find(uuid);
    if (it == operators_.end()) return;
    Operator& op = it->second;
    std::map<std::int64_t, std::int64_t> delivered;  // by chat, the last line that was on disk
    while (!op.unacked.empty() && op.unacked.front().receipt <= receipt) {
        if (op.unacked.front().on_disk) delivered[op.unacked.front().chat] = op.unacked.front().line;
        op.unacked.pop_front();
    }
    for (const auto& [chat, line] : delivered)
        journal(record("delivered", {{"op", uuid}, {"chat", Json::Int64(chat)}, {"upto", Json::Int64(line)}}));
}

}  // namespace nlchat
