// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, the shift's hand-overs (nlchat-protocol(7), THE SHIFT, Handing a chat over):
// offering a chat to a named colleague or to anyone, taking it (the move on disk in the
// same turn, with the caller's texts the previous operator never had), cancelling and
// expiring, and the previous operator's late lines. The rest of the shift is in
// dispatch_shift.cpp.
#include <algorithm>
#include <limits>

#include "core/dispatch/dispatch.h"
#include "core/dispatch/shift_util.h"

namespace nlchat {
using shift::kLateLineSeconds;
using shift::lower;
using shift::seconds;

// ---- hand-over -------------------------------------------------------------------

void Dispatch::handle_handover(const std::string& uuid, Operator& op, const HandoverCommand& cmd) {
    auto state = [&](const char* s, const std::string& reason) {
        send_to_operator(uuid, op, HandoverStateCommand{uuid, cmd.chat, s, std::nullopt, std::nullopt, reason});
    };
    auto info = chat_info_.find(cmd.chat);
    if (!op.chats.count(cmd.chat) || info == chat_info_.end()) return state("failed", "not a chat of yours");
    ChatInfo& c = info->second;
    if (c.handover) {
        send_to_operator(uuid, op,
                         HandoverStateCommand{uuid, cmd.chat, "offered", c.handover->to,
                                              static_cast<std::int64_t>(c.handover->offered.size()), std::nullopt});
        return;
    }
    const std::string note = cmd.note.value_or("");
    if (note.size() > config_.max_note_bytes)
        return state("failed", "the note is longer than " + std::to_string(config_.max_note_bytes) + " bytes");
    if (cmd.to && lower(*cmd.to) == lower(name_of(op))) return state("failed", "that is you");
    std::vector<std::string> offered;
    std::string why_not;
    bool named_found = false;
    for (const auto& [other, o] : operators_) {
        if (other == uuid) continue;
        if (cmd.to && lower(name_of(o)) != lower(*cmd.to)) continue;
        named_found = named_found || o.in_pool;
        if (!o.shift || !o.in_pool || !o.conn) why_not = name_of(o) + " is not on the shift";
        else if (is_away(o)) why_not = name_of(o) + " is away";
        else if (o.chats.size() >= chat_limit(o)) why_not = name_of(o) + " has as many chats as they can take";
        else offered.push_back(other);
    }
    if (cmd.to && offered.size() > 1) return state("failed", "more than one colleague is called " + *cmd.to);
    if (offered.empty()) {
        if (!cmd.to) return state("failed", "no colleague is available to take it");
        return state("failed", !named_found ? "nobody called " + *cmd.to + " is on the shift" : why_not);
    }
    c.handover.emplace();
    c.handover->to = cmd.to;
    c.handover->note = note;
    c.handover->expires_mono = now_.mono + config_.ring_timeout;
    const auto caller = op.chats.at(cmd.chat);
    for (const auto& other : offered) {
        c.handover->offered.insert(other);
        Operator& o = operators_.at(other);
        send_to_operator(
            other, o,
            HandoverOfferCommand{other, cmd.chat, name_of(op),
                                 note.empty() ? std::nullopt : std::optional<std::string>(note), caller.first,
                                 seconds(now_.mono - c.started_mono), config_.ring_timeout, "open"});
    }
    log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " offers chat " + std::to_string(cmd.chat) + " to " +
                            (cmd.to ? "one colleague" : std::to_string(offered.size()) + " colleague(s)"));
    send_to_operator(uuid, op,
                     HandoverStateCommand{uuid, cmd.chat, "offered", cmd.to, static_cast<std::int64_t>(offered.size()),
                                          std::nullopt});
}

void Dispatch::close_handover(std::int64_t chat, ChatInfo& info, const char* state, const std::string& reason) {
    if (!info.handover) return;
    for (const auto& other : info.handover->offered) {
        auto it = operators_.find(other);
        if (it != operators_.end())
            send_to_operator(other, it->second,
                             HandoverOfferCommand{other, chat, name_of(info.owner), std::nullopt, std::nullopt,
                                                  seconds(now_.mono - info.started_mono), std::nullopt, "closed"});
    }
    info.handover.reset();
    if (!*state) return;
    auto owner = operators_.find(info.owner);
    if (owner != operators_.end())
        send_to_operator(info.owner, owner->second,
                         HandoverStateCommand{info.owner, chat, state, std::nullopt, std::nullopt, reason});
}

void Dispatch::handle_handover_cancel(const std::string& uuid, Operator& op, std::int64_t chat) {
    auto info = chat_info_.find(chat);
    if (info == chat_info_.end() || info->second.owner != uuid || !info->second.handover) {
        send_to_operator(uuid, op,
                         HandoverStateCommand{uuid, chat, "cancelled", std::nullopt, std::nullopt,
                                              "no hand-over of yours was open"});
        return;
    }
    close_handover(chat, info->second, "cancelled", "you cancelled it");
}

void Dispatch::handle_handover_accept(const std::string& uuid, Operator& op, std::int64_t chat) {
    auto info = chat_info_.find(chat);
    auto closed = [&]() {
        send_to_operator(uuid, op,
                         HandoverOfferCommand{uuid, chat, info == chat_info_.end() ? "" : name_of(info->second.owner),
                                              std::nullopt, std::nullopt, 0, std::nullopt, "closed"});
    };
    if (info == chat_info_.end() || !info->second.handover || !info->second.handover->offered.count(uuid))
        return closed();
    ChatInfo& c = info->second;
    if (op.chats.size() >= chat_limit(op) || !available(op)) return closed();
    if (!journal_ok_) {
        // As with a ring: a chat that moved only in memory could come back after a crash
        // with the wrong operator. The offer stays open for when the journal works.
        log(LogLevel::Info, "hand-over of chat " + std::to_string(chat) + " waits: the journal cannot be written");
        return;
    }
    const std::string from = c.owner;
    Operator& old = operators_.at(from);
    const CallerKey caller = old.chats.at(chat);
    // The caller's texts the previous operator was not sent, or did not acknowledge, go to
    // the new one (and are left out of the history it gets, which they would repeat).
    std::vector<std::string> pending;
    std::set<std::int64_t> pending_lines;
    for (const auto& u : old.unacked)
        if (u.chat == chat) pending.push_back(u.text), pending_lines.insert(u.line);
    for (const auto& [held_chat, cmd] : old.held)
        if (const auto* msg = std::get_if<MsgCommand>(&cmd); held_chat == chat && msg && msg->line)
            pending.push_back(msg->msg[0]), pending_lines.insert(*msg->line);
    old.unacked.erase(std::remove_if(old.unacked.begin(), old.unacked.end(),
                                     [chat](const Operator::Unacked& u) { return u.chat == chat; }),
                      old.unacked.end());
    old.held.erase(std::remove_if(old.held.begin(), old.held.end(), [chat](const auto& h) { return h.first == chat; }),
                   old.held.end());
    // The chat's caller lines go on being numbered where they were: a number is never
    // used twice in a chat (nlchat-protocol(7), SEVERAL CHATS), whoever holds it.
    Operator::ChatLines numbers = old.lines.count(chat) ? old.lines[chat] : Operator::ChatLines{1, kLineBlock};
    old.chats.erase(chat);
    old.lines.erase(chat);
    journal(record("end", {{"op", from}, {"chat", Json::Int64(chat)}}));
    op.chats[chat] = caller;
    op.lines[chat] = numbers;
    callers_[caller].operator_uuid = uuid;
    callers_[caller].chat = chat;
    journal(chat_record(uuid, op, chat));

    std::vector<ChatEntry> before = history(c, pending_lines);
    // They come back into the transcript with the new operator's numbers.
    c.transcript.erase(std::remove_if(c.transcript.begin(), c.transcript.end(),
                                      [&pending_lines](const ChatInfo::Entry& e) {
                                          return e.from == "caller" && e.line && pending_lines.count(e.line);
                                      }),
                       c.transcript.end());
    const std::string note = c.handover->note;
    c.handover->offered.erase(uuid);
    close_handover(chat, c, "", "");
    end_readalong(chat, c, "the chat was handed over");
    close_request(chat, c, "the chat was handed over");
    c.owner = uuid;
    c.previous = from;
    ++c.handovers;
    ++counts_.handovers;
    // The old pane says to whom it went (for a link that is down: when its client takes
    // the shift again, shift_hello); the new operator gets the chat and what it missed.
    if (old.in_pool && old.conn) {
        send_to_operator(from, old, HandoverStateCommand{from, chat, "done", name_of(op), std::nullopt, std::nullopt});
        c.previous_until = now_.mono + kLateLineSeconds;
    } else {
        c.previous_until = std::numeric_limits<double>::infinity();
    }
    send_to_operator(
        uuid, op,
        HandoverChatCommand{uuid, chat, name_of(old), note.empty() ? std::nullopt : std::optional<std::string>(note),
                            caller.first, std::move(before)});
    auto service = services_.find(caller.first);
    if (service != services_.end() && !service->second.chat_states)
        send_to_operator(uuid, op, ChatStateCommand{uuid, Direction::In, "no_state", shown_chat(op, chat)});
    log(LogLevel::Info, "chat " + std::to_string(chat) + " handed over from operator " + from.substr(0, 8) +
                            " to operator " + uuid.substr(0, 8));
    caller_texts(uuid, op, chat, pending);
    reply_to_caller(caller, config_.text_handover);
    mark_board();
}

bool Dispatch::previous_operator_line(const std::string& uuid, Operator& op, const MsgCommand& cmd) {
    if (!cmd.chat) return false;
    auto info = chat_info_.find(*cmd.chat);
    if (info == chat_info_.end() || info->second.previous != uuid || op.chats.count(*cmd.chat)) return false;
    auto owner = operators_.find(info->second.owner);
    if (owner == operators_.end()) return false;
    auto chat = owner->second.chats.find(*cmd.chat);
    if (chat == owner->second.chats.end()) return false;
    // Written to this caller before its writer learnt of the hand-over: it reaches them,
    // and the new operator sees it. Later than that, it goes nowhere, and its writer is
    // told again whose the chat is.
    if (now_.mono > info->second.previous_until) {
        const std::string to = name_of(owner->second);
        if (cmd.line)
            send_to_operator(uuid, op,
                             UndeliveredCommand{uuid, *cmd.line, "the chat was handed over to " + to, cmd.chat});
        send_to_operator(uuid, op, HandoverStateCommand{uuid, *cmd.chat, "done", to, std::nullopt, std::nullopt});
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " wrote in chat " + std::to_string(*cmd.chat) +
                                " long after handing it over; not delivered");
        return true;
    }
    if (cmd.io != Direction::Out || cmd.msg.empty() || cmd.msg.size() > config_.max_texts_per_msg) return false;
    for (const auto& text : cmd.msg)
        if (text.size() > config_.max_text_bytes) return false;
    if (!send_to_service(chat->second.first, bus_msg(chat->second.second, cmd.msg, Direction::Out))) {
        line_not_delivered(uuid, op, cmd, "the caller's service is not taking lines (its backlog is full)");
        return true;
    }
    for (const auto& text : cmd.msg) {
        send_to_operator(info->second.owner, owner->second,
                         ReadCommand{info->second.owner, *cmd.chat, "previous", text});
        chat_line(*cmd.chat, "previous", text);
    }
    return true;
}

}  // namespace nlchat
