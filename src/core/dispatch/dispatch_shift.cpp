// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, the shift (nlchat-protocol(7), THE SHIFT): away and back, requests for
// support, a reader who reads along and whispers, chats handed over, the supervisors'
// board, and the figures of rings and chats. Hand-overs are in dispatch_handover.cpp.
//
// Everything here is for clients that took the offer (Operator::shift); a 2015 client
// never gets any of it. A whisper goes only ever to an operator (send_to_operator or
// deliver_or_hold): nothing in this file writes to the service bus but the hand-over
// reply, which is the server's own line to the caller.
#include <algorithm>

#include "core/dispatch/dispatch.h"
#include "core/dispatch/shift_util.h"

namespace nlchat {
using shift::seconds;
namespace {

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
