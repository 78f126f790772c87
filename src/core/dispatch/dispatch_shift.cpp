// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, the shift (nlchat-protocol(7), THE SHIFT): away and back, requests for
// support, a reader who reads along and whispers, chats handed over, the supervisors'
// board, and the figures of rings and chats.
//
// Everything here is for clients that took the offer (Operator::shift); a 2015 client
// never gets any of it. A whisper goes only ever to an operator (send_to_operator or
// deliver_or_hold): nothing in this file writes to the service bus but the hand-over
// reply, which is the server's own line to the caller.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "core/dispatch/dispatch.h"

namespace nlchat {
namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::int64_t seconds(double s) { return s <= 0 ? 0 : static_cast<std::int64_t>(std::floor(s)); }

// How long after the previous operator is told of a hand-over its lines for the chat still
// reach the caller: written before it knew (seconds).
constexpr double kLateLineSeconds = 10;

// How often the board goes out at most, and at least (seconds).
constexpr double kBoardMinGap = 1;
constexpr double kBoardRefresh = 30;

}  // namespace

void Dispatch::set_profiles(std::map<std::string, OperatorProfile> profiles) {
    profiles_ = std::move(profiles);
    // A changed name or role is told to the clients on the shift.
    for (auto& [uuid, op] : operators_)
        if (op.shift) send_to_operator(uuid, op, shift_state(uuid, op));
    mark_board();
}

std::string Dispatch::name_of(const Operator& op) const {
    auto p = profiles_.find(op.fingerprint);
    if (p != profiles_.end() && !p->second.name.empty()) return p->second.name;
    return op.fingerprint.substr(std::string("SHA256:").size(), 12);
}

std::string Dispatch::name_of(const std::string& uuid) const {
    auto it = operators_.find(uuid);
    return it == operators_.end() ? "someone" : name_of(it->second);
}

bool Dispatch::supervisor(const Operator& op) const {
    auto p = profiles_.find(op.fingerprint);
    return p != profiles_.end() && p->second.supervisor;
}

ShiftCommand Dispatch::shift_state(const std::string& uuid, const Operator& op) const {
    ShiftCommand s{uuid, name_of(op), std::string(supervisor(op) ? "supervisor" : "operator"), is_away(op)};
    auto a = away_.find(op.fingerprint);
    if (a != away_.end()) s.away_for = seconds(now_.wall - a->second.since_wall);
    return s;
}

void Dispatch::handle_shift(const std::string& uuid, Operator& op, const Command& cmd) {
    if (std::holds_alternative<ShiftCommand>(cmd)) return shift_hello(uuid, op);
    if (!op.shift) {
        log(LogLevel::Debug,
            "operator " + uuid.substr(0, 8) + " sent " + command_type(cmd) + " without taking the shift");
        return;
    }
    if (auto* away = std::get_if<AwayCommand>(&cmd)) return handle_away(uuid, op, away->away);
    if (auto* c = std::get_if<SupportCommand>(&cmd)) return handle_support(uuid, op, c->chat);
    if (auto* c = std::get_if<SupportAcceptCommand>(&cmd)) return handle_support_accept(uuid, op, c->chat);
    if (auto* c = std::get_if<SupportEndCommand>(&cmd)) return handle_support_end(uuid, op, c->chat);
    if (auto* c = std::get_if<WhisperCommand>(&cmd)) return handle_whisper(uuid, op, *c);
    if (auto* c = std::get_if<HandoverCommand>(&cmd)) return handle_handover(uuid, op, *c);
    if (auto* c = std::get_if<HandoverAcceptCommand>(&cmd)) return handle_handover_accept(uuid, op, c->chat);
    if (auto* c = std::get_if<HandoverCancelCommand>(&cmd)) return handle_handover_cancel(uuid, op, c->chat);
    log(LogLevel::Debug,
        "operator " + uuid.substr(0, 8) + " sent " + command_type(cmd) + ", which only a server sends");
}

void Dispatch::shift_hello(const std::string& uuid, Operator& op) {
    if (!op.chat_ids) {
        log(LogLevel::Debug, "operator " + uuid.substr(0, 8) + ": shift from a client without chat ids; ignored");
        return;
    }
    op.shift = true;
    send_to_operator(uuid, op, shift_state(uuid, op));
    // What is open for it now, again after a reconnect (its client may have missed a
    // "closed" meanwhile, or be a new run): the requests and hand-over offers it was
    // shown, then those it should see now, and (for a supervisor) the board. A read-along
    // it has goes on; the lines it missed while its link was down are not sent again.
    for (auto& [chat, info] : chat_info_) {
        const std::int64_t age = seconds(now_.mono - info.started_mono);
        if (info.request && info.request->reader.empty() && info.request->shown.count(uuid))
            send_to_operator(uuid, op, SupportRequestCommand{uuid, chat, name_of(info.owner), age, "open"});
        if (info.handover && info.handover->offered.count(uuid)) {
            const auto& note = info.handover->note;
            send_to_operator(
                uuid, op,
                HandoverOfferCommand{uuid, chat, name_of(info.owner),
                                     note.empty() ? std::nullopt : std::optional<std::string>(note), info.service, age,
                                     std::max(0.0, info.handover->expires_mono - now_.mono), "open"});
        }
        reroute_request(chat, info);
        // Its own chats: where its requests and hand-overs stand.
        if (info.owner == uuid && info.request)
            send_to_operator(
                uuid, op,
                info.request->reader.empty()
                    ? SupportStateCommand{uuid, chat, "asked", std::nullopt,
                                          static_cast<std::int64_t>(info.request->shown.size()), std::nullopt}
                    : SupportStateCommand{uuid, chat, "reading", name_of(info.request->reader), std::nullopt,
                                          std::nullopt});
        if (info.owner == uuid && info.handover)
            send_to_operator(
                uuid, op,
                HandoverStateCommand{uuid, chat, "offered", info.handover->to,
                                     static_cast<std::int64_t>(info.handover->offered.size()), std::nullopt});
        // A chat it handed over while its link was down: it was not told, and would go on
        // writing to the caller as its previous operator. (Sent to every new connection:
        // a new run of its client may not have had it either.)
        if (info.previous == uuid && info.owner != uuid)
            send_to_operator(uuid, op,
                             HandoverStateCommand{uuid, chat, "done", name_of(info.owner), std::nullopt, std::nullopt});
    }
    mark_board();
    if (supervisor(op)) send_to_operator(uuid, op, board(uuid));
}

void Dispatch::handle_away(const std::string& uuid, Operator& op, bool away) {
    const bool was = is_away(op);
    if (away && !was) {
        Away& a = away_[op.fingerprint];
        a.since_wall = now_.wall;
        a.since_mono = now_.mono;
        a.remind_at = config_.away_reminder > 0 ? now_.mono + config_.away_reminder : 0;
        journal(record("away", {{"fp", op.fingerprint}, {"since", now_.wall}}));
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " is away");
    } else if (!away && was) {
        away_.erase(op.fingerprint);
        journal(record("back", {{"fp", op.fingerprint}}));
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " is back from away");
    }
    send_to_operator(uuid, op, shift_state(uuid, op));
    if (!away && was) {
        // Back: the rings still open, and the requests it should see.
        for (const auto& [id, ring] : rings_) send_to_operator(uuid, op, ring_command(id, ring, op, now_));
        for (auto& [chat, info] : chat_info_) reroute_request(chat, info);
    }
    mark_board();
}

// ---- support ---------------------------------------------------------------------

std::size_t Dispatch::route_request(std::int64_t chat, ChatInfo& info) {
    ChatInfo::Request& r = *info.request;
    // Supervisors on the shift first; with none there, every other available operator.
    bool any_supervisor = false;
    for (const auto& [uuid, op] : operators_)
        if (uuid != info.owner && op.shift && available(op) && supervisor(op)) any_supervisor = true;
    for (const auto& [uuid, op] : operators_) {
        if (uuid == info.owner || !op.shift || !available(op) || (any_supervisor && !supervisor(op))) continue;
        if (!r.shown.insert(uuid).second) continue;
        send_to_operator(
            uuid, op,
            SupportRequestCommand{uuid, chat, name_of(info.owner), seconds(now_.mono - info.started_mono), "open"});
    }
    return r.shown.size();
}

void Dispatch::reroute_request(std::int64_t chat, ChatInfo& info) {
    if (!info.request || !info.request->reader.empty()) return;
    const std::size_t before = info.request->shown.size(), after = route_request(chat, info);
    if (after == before) return;
    // The asker learns that more have seen it (its "0: it waits for someone" is over).
    auto owner = operators_.find(info.owner);
    if (owner != operators_.end())
        send_to_operator(info.owner, owner->second,
                         SupportStateCommand{info.owner, chat, "asked", std::nullopt, static_cast<std::int64_t>(after),
                                             std::nullopt});
}

void Dispatch::close_request(std::int64_t chat, ChatInfo& info, const std::string& why) {
    if (!info.request) return;
    for (const auto& uuid : info.request->shown) {
        if (uuid == info.request->reader) continue;
        auto it = operators_.find(uuid);
        if (it != operators_.end())
            send_to_operator(uuid, it->second,
                             SupportRequestCommand{uuid, chat, name_of(info.owner),
                                                   seconds(now_.mono - info.started_mono), "closed"});
    }
    if (info.request->reader.empty()) {
        auto owner = operators_.find(info.owner);
        if (owner != operators_.end())
            send_to_operator(info.owner, owner->second,
                             SupportStateCommand{info.owner, chat, "ended", std::nullopt, std::nullopt, why});
    }
    info.request.reset();
    journal(record("support_end", {{"chat", Json::Int64(chat)}}));
    mark_board();
}

void Dispatch::end_readalong(std::int64_t chat, ChatInfo& info, const std::string& reason) {
    if (!info.request || info.request->reader.empty()) return;
    const std::string reader = info.request->reader;
    auto r = operators_.find(reader);
    if (r != operators_.end())
        send_to_operator(reader, r->second,
                         ReadalongCommand{reader, chat, "ended", name_of(info.owner), std::nullopt, reason, {}});
    auto owner = operators_.find(info.owner);
    if (owner != operators_.end())
        send_to_operator(info.owner, owner->second,
                         SupportStateCommand{info.owner, chat, "ended", name_of(reader), std::nullopt, reason});
    log(LogLevel::Info, "read-along of chat " + std::to_string(chat) + " ended: " + reason);
    close_request(chat, info, reason);
}

void Dispatch::handle_support(const std::string& uuid, Operator& op, std::int64_t chat) {
    auto info = chat_info_.find(chat);
    if (!op.chats.count(chat) || info == chat_info_.end()) {
        send_to_operator(uuid, op,
                         SupportStateCommand{uuid, chat, "ended", std::nullopt, std::nullopt, "not a chat of yours"});
        return;
    }
    ChatInfo& c = info->second;
    if (!c.request) {
        c.request.emplace();
        c.request->since_wall = now_.wall;
        c.request->since_mono = now_.mono;
        ++c.support;
        ++counts_.support;
        journal(record("support", {{"chat", Json::Int64(chat)}, {"since", now_.wall}}));
        log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " asks for support in chat " + std::to_string(chat));
        mark_board();
    }
    if (!c.request->reader.empty()) {
        send_to_operator(
            uuid, op,
            SupportStateCommand{uuid, chat, "reading", name_of(c.request->reader), std::nullopt, std::nullopt});
        return;
    }
    const std::size_t seen = route_request(chat, c);
    send_to_operator(
        uuid, op,
        SupportStateCommand{uuid, chat, "asked", std::nullopt, static_cast<std::int64_t>(seen), std::nullopt});
}

void Dispatch::handle_support_accept(const std::string& uuid, Operator& op, std::int64_t chat) {
    auto info = chat_info_.find(chat);
    auto refuse_with = [&](const std::string& reason) {
        send_to_operator(uuid, op, ReadalongCommand{uuid, chat, "ended", std::nullopt, std::nullopt, reason, {}});
    };
    if (info == chat_info_.end() || !info->second.request) return refuse_with("the request is no longer open");
    ChatInfo& c = info->second;
    if (!c.request->reader.empty())
        return refuse_with(c.request->reader == uuid ? "you read along already"
                                                     : name_of(c.request->reader) + " took it");
    if (uuid == c.owner || !(c.request->shown.count(uuid) || supervisor(op)))
        return refuse_with("the request was not for you");
    c.request->reader = uuid;
    auto owner = operators_.find(c.owner);
    const CallerKey* caller = nullptr;
    if (owner != operators_.end()) {
        auto it = owner->second.chats.find(chat);
        if (it != owner->second.chats.end()) caller = &it->second;
    }
    log(LogLevel::Info, "operator " + uuid.substr(0, 8) + " reads along in chat " + std::to_string(chat));
    send_to_operator(
        uuid, op,
        ReadalongCommand{uuid, chat, "open", name_of(c.owner),
                         caller ? std::optional<std::string>(caller->first) : std::nullopt, std::nullopt, history(c)});
    if (owner != operators_.end())
        send_to_operator(c.owner, owner->second,
                         SupportStateCommand{c.owner, chat, "reading", name_of(op), std::nullopt, std::nullopt});
    for (const auto& other : c.request->shown) {
        if (other == uuid) continue;
        auto it = operators_.find(other);
        if (it != operators_.end())
            send_to_operator(
                other, it->second,
                SupportRequestCommand{other, chat, name_of(c.owner), seconds(now_.mono - c.started_mono), "closed"});
    }
    mark_board();
}

void Dispatch::handle_support_end(const std::string& uuid, Operator& op, std::int64_t chat) {
    auto info = chat_info_.find(chat);
    if (info == chat_info_.end() || !info->second.request) {
        send_to_operator(uuid, op,
                         SupportStateCommand{uuid, chat, "ended", std::nullopt, std::nullopt, "no support was open"});
        return;
    }
    ChatInfo& c = info->second;
    if (uuid == c.owner) {
        if (!c.request->reader.empty()) return end_readalong(chat, c, name_of(op) + " ended the read-along");
        return close_request(chat, c, "withdrawn");
    }
    if (uuid == c.request->reader) return end_readalong(chat, c, name_of(op) + " left the read-along");
    log(LogLevel::Debug, "operator " + uuid.substr(0, 8) + ": support_end for a chat it is not in; ignored");
}

void Dispatch::handle_whisper(const std::string& uuid, Operator& op, const WhisperCommand& cmd) {
    auto info = chat_info_.find(cmd.chat);
    if (info == chat_info_.end() || !info->second.request || info->second.request->reader != uuid) {
        send_to_operator(uuid, op,
                         ReadalongCommand{uuid,
                                          cmd.chat,
                                          "ended",
                                          std::nullopt,
                                          std::nullopt,
                                          "you are not reading along in this chat; the whisper went nowhere",
                                          {}});
        return;
    }
    if (cmd.text.empty() || cmd.text.size() > config_.max_text_bytes) {
        log(LogLevel::Warning, "operator " + uuid.substr(0, 8) + ": whisper of " + std::to_string(cmd.text.size()) +
                                   " bytes dropped (1 to " + std::to_string(config_.max_text_bytes) + ")");
        return;
    }
    auto owner = operators_.find(info->second.owner);
    if (owner == operators_.end()) return;
    Operator& o = owner->second;
    if (o.held.size() >= config_.max_held) {
        log(LogLevel::Warning, "whisper for operator " + info->second.owner.substr(0, 8) + " dropped: held is full");
        return;
    }
    // To the operator alone: the whisper has no way to the service bus.
    deliver_or_hold(info->second.owner, o, cmd.chat,
                    WhisperCommand{info->second.owner, cmd.chat, cmd.text, name_of(op)});
}

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

// ---- chats, lines and history ----------------------------------------------------

void Dispatch::chat_started(std::int64_t chat, const std::string& owner, const std::string& service) {
    ChatInfo& c = chat_info_[chat];
    c.owner = owner;
    c.service = service;
    c.started_wall = now_.wall;
    c.started_mono = now_.mono;
    mark_board();
}

void Dispatch::chat_ended(std::int64_t chat, const std::string& ended_by) {
    auto it = chat_info_.find(chat);
    if (it == chat_info_.end()) return;
    ChatInfo& c = it->second;
    close_handover(chat, c, "cancelled", "the chat ended");
    end_readalong(chat, c, "the chat ended");
    close_request(chat, c, "the chat ended");
    effects_.chat_figure(c.service, c.started_wall, now_.wall - c.started_wall, ended_by, c.handovers, c.support);
    chat_info_.erase(it);
    mark_board();
}

void Dispatch::chat_line(std::int64_t chat, const std::string& from, const std::string& text, std::int64_t line) {
    auto it = chat_info_.find(chat);
    if (it == chat_info_.end()) return;
    ChatInfo& c = it->second;
    c.transcript.push_back({from, text, line});
    while (c.transcript.size() > config_.max_transcript_lines) c.transcript.pop_front();
    if (!c.request || c.request->reader.empty()) return;
    auto reader = operators_.find(c.request->reader);
    if (reader != operators_.end())
        send_to_operator(c.request->reader, reader->second, ReadCommand{c.request->reader, chat, from, text});
}

std::vector<ChatEntry> Dispatch::history(const ChatInfo& info, const std::set<std::int64_t>& skip_lines) const {
    std::vector<ChatEntry> out;
    for (const auto& e : info.transcript)
        if (!(e.from == "caller" && e.line && skip_lines.count(e.line))) out.push_back({e.from, e.text});
    return out;
}

void Dispatch::leave_shift(const std::string& uuid) {
    for (auto& [chat, info] : chat_info_) {
        if (info.request && info.request->reader == uuid) end_readalong(chat, info, "the reader left the shift");
        if (info.request) info.request->shown.erase(uuid);
        if (info.handover) info.handover->offered.erase(uuid);
    }
    mark_board();
}

// ---- time: hand-overs expire, reminders, the board -------------------------------

void Dispatch::shift_tick(const Now& now) {
    for (auto& [chat, info] : chat_info_)
        if (info.handover && now.mono >= info.handover->expires_mono)
            close_handover(chat, info, "expired", "nobody took it in time");
    for (auto& [uuid, op] : operators_) {
        auto a = away_.find(op.fingerprint);
        if (a == away_.end() || !op.shift || !op.in_pool || a->second.remind_at <= 0 || now.mono < a->second.remind_at)
            continue;
        a->second.remind_at = now.mono + config_.away_reminder;
        send_to_operator(uuid, op, ReminderCommand{uuid, seconds(now.wall - a->second.since_wall)});
    }
    // Reminders for keys with no client here wait for it: keep their time from piling up.
    for (auto& [fp, a] : away_)
        if (a.remind_at > 0 && a.remind_at <= now.mono) a.remind_at = now.mono + config_.away_reminder;
    const bool due = board_dirty_ ? now.mono >= board_sent_ + kBoardMinGap : now.mono >= board_sent_ + kBoardRefresh;
    if (!due) return;
    bool sent = false;
    for (const auto& [uuid, op] : operators_)
        if (op.shift && op.in_pool && supervisor(op)) send_to_operator(uuid, op, board(uuid)), sent = true;
    board_dirty_ = false;
    if (sent) board_sent_ = now.mono;
}

std::optional<double> Dispatch::shift_deadline() const {
    std::optional<double> next;
    auto consider = [&next](double t) {
        if (!next || t < *next) next = t;
    };
    for (const auto& [chat, info] : chat_info_)
        if (info.handover) consider(info.handover->expires_mono);
    for (const auto& [fp, a] : away_)
        if (a.remind_at > 0) consider(a.remind_at);
    bool any_supervisor = false;
    for (const auto& [uuid, op] : operators_)
        if (op.shift && op.in_pool && supervisor(op)) any_supervisor = true;
    if (any_supervisor) consider(board_sent_ + (board_dirty_ ? kBoardMinGap : kBoardRefresh));
    return next;
}

BoardCommand Dispatch::board(const std::string& uuid) const {
    BoardCommand b;
    b.uuid = uuid;
    for (const auto& [other, op] : operators_) {
        BoardOperator row;
        row.name = name_of(op);
        row.role = supervisor(op) ? "supervisor" : "operator";
        row.chats = static_cast<std::int64_t>(op.chats.size());
        auto a = away_.find(op.fingerprint);
        row.state = a != away_.end()                    ? "away"
                    : !op.in_pool                       ? "absent"
                    : op.chats.size() >= chat_limit(op) ? "busy"
                                                        : "available";
        if (a != away_.end()) {
            row.for_seconds = seconds(now_.wall - a->second.since_wall);
        } else {
            double oldest = now_.mono;
            for (const auto& [chat, caller] : op.chats) {
                auto info = chat_info_.find(chat);
                if (info != chat_info_.end()) oldest = std::min(oldest, info->second.started_mono);
            }
            row.for_seconds = seconds(now_.mono - oldest);
        }
        b.operators.push_back(std::move(row));
    }
    std::sort(b.operators.begin(), b.operators.end(),
              [](const BoardOperator& x, const BoardOperator& y) { return x.name < y.name; });
    for (const auto& [id, ring] : rings_)
        b.rings.push_back({id, ring.caller.first, seconds(now_.mono - ring.rang_mono)});
    for (const auto& [chat, info] : chat_info_) {
        if (!info.request) continue;
        BoardRequest r{chat, name_of(info.owner), seconds(now_.mono - info.request->since_mono), std::nullopt};
        if (!info.request->reader.empty()) r.by = name_of(info.request->reader);
        b.requests.push_back(std::move(r));
    }
    b.rung = counts_.rung;
    b.answered = counts_.answered;
    b.missed = counts_.missed;
    b.handovers = counts_.handovers;
    b.support = counts_.support;
    return b;
}

}  // namespace nlchat
