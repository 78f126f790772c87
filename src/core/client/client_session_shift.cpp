// SPDX-License-Identifier: GPL-3.0-or-later
// ClientSession and the shift (nlchat-protocol(7), THE SHIFT): taking the server's offer,
// away, support, reading along and whispering, hand-overs and the board. The model is in
// shift_model.h; this is where the server's commands and the operator's keys change it.
//
// The rules kept here: nothing the operator types in a read-along ever becomes a msg (it
// is a whisper, to that chat's operator); a whisper is shown as what it is, never as a
// caller's line; nothing is shown as sent that was not written to the link (a whisper
// with the link down is refused, and stays in its input line); a chat handed over is the
// colleague's: it takes no more input here and nobody is told when its pane closes.
#include <algorithm>

#include "core/client/client_session.h"

namespace nlchat {
namespace {

bool is_shift_command(const Command& cmd) {
    static const std::size_t first = Command{ShiftCommand{}}.index();
    return cmd.index() >= first;
}

ChatLine::Who history_who(const std::string& from, ChatLine::Who other) {
    return from == "caller" ? ChatLine::Who::Caller : other;
}

}  // namespace

int ClientSession::free_pane() const {
    int pane = 1;
    auto used = [&](int n) {
        return std::any_of(chats_.begin(), chats_.end(), [n](const Chat& c) { return c.pane == n; }) ||
               std::any_of(readalongs_.begin(), readalongs_.end(),
                           [n](const ReadAlong& r) { return r.chat.pane == n; });
    };
    while (used(pane)) ++pane;
    return pane;
}

ReadAlong* ClientSession::readalong_of(std::int64_t chat_id) {
    for (auto& r : readalongs_)
        if (r.chat.id == chat_id) return &r;
    return nullptr;
}

const ReadAlong* ClientSession::readalong(std::uint64_t serial) const {
    for (const auto& r : readalongs_)
        if (r.chat.serial == serial) return &r;
    return nullptr;
}

Chat* ClientSession::own_chat(std::int64_t chat_id) {
    for (auto& c : chats_)
        if (c.id == chat_id) return &c;
    return nullptr;
}

void ClientSession::shift_status(const StatusCommand& st) {
    // Only a server that reads our chat ids offers it (in the status it sends us alone),
    // and it is taken once per connection.
    if (!st.shift || !*st.shift || !st.chats || settings_.max_chats == 0) return;
    shift_.offered = true;
    if (!shift_.hello_sent) shift_.hello_sent = effects_.send(ShiftCommand{settings_.uuid});
}

std::string ClientSession::shift_refusal() const {
    const bool up = link_ == LinkState::Joined || link_ == LinkState::Silent;
    if (!up) return shift_.known ? "the link is down: that cannot be done now" : "not on the shift: the link is down";
    if (!shift_.offered) return "this server does not offer the shift";
    if (!shift_.active) return "waiting for the server's answer to the shift: try again in a moment";
    return "";
}

bool ClientSession::shift_command(const Command& cmd, const Now& now) {
    if (!is_shift_command(cmd)) return false;
    // Only after we took the offer (in this run: a frame sent again on a resume may come
    // before this connection's answer). Anything else is dropped: a client that never
    // took the offer sees nothing change.
    if (!shift_.known && !std::holds_alternative<ShiftCommand>(cmd)) return true;
    if (std::holds_alternative<ShiftCommand>(cmd) && !shift_.hello_sent && !shift_.known) return true;

    if (auto* sh = std::get_if<ShiftCommand>(&cmd)) {
        const bool was_known = shift_.known, was_away = shift_.away, was_active = shift_.active;
        // The answer to this connection's hello: the server sends again every request
        // and offer still open for us next, so those we kept from before (whose
        // "closed" may have been lost with the link) go.
        if (!was_active && !shift_.offers.empty()) shift_.offers.clear();
        shift_.active = shift_.known = true;
        if (sh->name) shift_.name = *sh->name;
        if (sh->role) shift_.role = *sh->role;
        shift_.away = sh->away.value_or(false);
        if (shift_.away && (!was_away || sh->away_for))
            shift_.away_since = now.mono - static_cast<double>(sh->away_for.value_or(0));
        if (!was_known)
            notice("on the shift as " + shift_.name + " (" + (shift_.role.empty() ? "operator" : shift_.role) + ")" +
                   (shift_.away ? ", away" : ""));
        else if (was_away != shift_.away)
            notice(shift_.away ? "you are away: no rings come (F9: back)" : "you are back: rings come again");
        effects_.changed();
    } else if (auto* rm = std::get_if<ReminderCommand>(&cmd)) {
        notice("you have been away for " + age_text(static_cast<double>(rm->away_for)) + " (F9: back)");
        effects_.alert();
    } else if (auto* ss = std::get_if<SupportStateCommand>(&cmd)) {
        Chat* chat = own_chat(ss->chat);
        if (!chat) return true;
        std::string said;
        if (ss->state == "ended") {
            shift_.support.erase(ss->chat);
            said = "support ended" + (ss->by ? " by " + *ss->by : ": " + reason_text(ss->reason));
        } else {
            SupportAsk ask{ss->state, ss->by.value_or(""), ss->seen_by.value_or(0)};
            auto it = shift_.support.find(ss->chat);
            if (it == shift_.support.end() || support_text(it->second) != support_text(ask))
                said = support_text(ask) + (ask.state == "reading" ? " (what they write comes as [support: ...])" : "");
            shift_.support[ss->chat] = ask;
        }
        if (!said.empty()) add_line(*chat, ChatLine::Who::Note, said, now);
        effects_.changed();
    } else if (auto* sr = std::get_if<SupportRequestCommand>(&cmd)) {
        auto it = shift_.find_offer(ShiftOffer::Kind::Support, sr->chat);
        if (sr->state != "open") {
            if (it != shift_.offers.end()) shift_.offers.erase(it);
        } else if (it != shift_.offers.end()) {
            it->from = sr->from;
            it->born = now.mono - static_cast<double>(sr->age);
        } else {
            ShiftOffer offer;
            offer.kind = ShiftOffer::Kind::Support;
            offer.chat = sr->chat;
            offer.from = sr->from;
            offer.born = now.mono - static_cast<double>(sr->age);
            shift_.offers.push_back(offer);
            notice(sr->from + " asks for support (Tab selects, F2 reads along)");
            effects_.alert();
        }
        effects_.changed();
    } else if (auto* ra = std::get_if<ReadalongCommand>(&cmd)) {
        if (ra->state == "open") {
            open_readalong(*ra, now);
        } else if (ReadAlong* r = readalong_of(ra->chat)) {
            if (!r->chat.ended) {
                r->chat.ended = true;
                r->reason = reason_text(ra->reason);
                add_line(r->chat, ChatLine::Who::Note, "the read-along ended: " + r->reason + " (Ctrl-X closes)", now);
            }
        } else {
            auto it = shift_.find_offer(ShiftOffer::Kind::Support, ra->chat);
            if (it != shift_.offers.end() && it->accepting) shift_.offers.erase(it);
            notice("no read-along: " + reason_text(ra->reason));
        }
        effects_.changed();
    } else if (auto* rd = std::get_if<ReadCommand>(&cmd)) {
        if (ReadAlong* r = readalong_of(rd->chat); r && !r->chat.ended) {
            add_line(r->chat, history_who(rd->from, ChatLine::Who::Operator), rd->text, now);
        } else if (Chat* chat = own_chat(rd->chat); chat && !chat->ended && rd->from == "previous") {
            // The previous operator's line, written before it learnt of the hand-over.
            add_line(*chat, ChatLine::Who::Previous, rd->text, now);
            if (chat != this->chat()) ++chat->unread;
        }
    } else if (auto* wh = std::get_if<WhisperCommand>(&cmd)) {
        // To the chat's operator: words from the one reading along, for it alone.
        Chat* chat = own_chat(wh->chat);
        if (!chat) return true;
        add_line(*chat, ChatLine::Who::Whisper, wh->text, now);
        chat->lines.back().name = wh->from.value_or("support");
        if (chat != this->chat()) ++chat->unread;
    } else if (auto* hs = std::get_if<HandoverStateCommand>(&cmd)) {
        Chat* chat = own_chat(hs->chat);
        if (!chat || chat->ended) return true;
        auto it = shift_.handovers.find(hs->chat);
        if (hs->state == "done") {
            handed_over(*chat, hs->to.value_or(it != shift_.handovers.end() && it->second.to ? *it->second.to : "?"),
                        now);
        } else if (hs->state == "offered" || hs->state == "sending") {
            HandoverAsk ask{"offered", it != shift_.handovers.end() ? it->second.to : hs->to, hs->seen_by.value_or(0)};
            if (it == shift_.handovers.end() || handover_text(it->second) != handover_text(ask))
                add_line(*chat, ChatLine::Who::Note, handover_text(ask), now);
            shift_.handovers[hs->chat] = ask;
        } else {
            if (it != shift_.handovers.end()) shift_.handovers.erase(it);
            const std::string what = hs->state == "expired"     ? "hand-over expired: nobody took it"
                                     : hs->state == "cancelled" ? "hand-over cancelled"
                                                                : "hand-over failed: " + reason_text(hs->reason);
            add_line(*chat, ChatLine::Who::Note, what + "; the chat stays with you", now);
        }
        effects_.changed();
    } else if (auto* ho = std::get_if<HandoverOfferCommand>(&cmd)) {
        auto it = shift_.find_offer(ShiftOffer::Kind::Handover, ho->chat);
        if (ho->state != "open") {
            if (it != shift_.offers.end()) shift_.offers.erase(it);
        } else {
            const bool fresh = it == shift_.offers.end();
            if (fresh) it = shift_.offers.insert(shift_.offers.end(), ShiftOffer{});
            it->kind = ShiftOffer::Kind::Handover;
            it->chat = ho->chat;
            it->from = ho->from;
            it->note = ho->note.value_or("");
            it->service = ho->service.value_or("");
            it->born = now.mono - static_cast<double>(ho->age);
            if (ho->expires_in) it->expires_at = now.mono + *ho->expires_in;
            if (fresh) {
                notice(ho->from + " hands a chat over (Tab selects, F2 takes it)");
                effects_.alert();
            }
        }
        effects_.changed();
    } else if (auto* hc = std::get_if<HandoverChatCommand>(&cmd)) {
        open_handed_chat(*hc, now);
    } else if (auto* bd = std::get_if<BoardCommand>(&cmd)) {
        shift_.board = *bd;
        shift_.board_at = now.mono;
        effects_.changed();
    }
    // The rest are the client's own commands: a server does not send them.
    return true;
}

void ClientSession::open_readalong(const ReadalongCommand& ra, const Now& now) {
    auto offer = shift_.find_offer(ShiftOffer::Kind::Support, ra.chat);
    if (offer != shift_.offers.end()) shift_.offers.erase(offer);
    readalongs_.erase(std::remove_if(readalongs_.begin(), readalongs_.end(),
                                     [&](const ReadAlong& r) { return r.chat.id == ra.chat; }),
                      readalongs_.end());
    ReadAlong r;
    r.operator_name = ra.operator_name.value_or("the operator");
    r.chat.id = ra.chat;
    r.chat.serial = next_serial_++;
    r.chat.pane = free_pane();
    r.chat.service = ra.service.value_or("");
    r.chat.started_wall = now.wall;
    for (const auto& entry : ra.history) {
        add_line(r.chat, history_who(entry.from, ChatLine::Who::Operator), entry.text, now);
        r.chat.lines.back().before = true;
    }
    add_line(r.chat, ChatLine::Who::Note,
             "above: the chat so far. You read along: what you type is whispered to " + r.operator_name +
                 " only, never to the caller (Ctrl-X leaves)",
             now);
    readalongs_.push_back(std::move(r));
    notice("reading along in " + readalongs_.back().operator_name + "'s chat (pane " +
           std::to_string(readalongs_.back().chat.pane) + ")");
}

void ClientSession::handed_over(Chat& chat, const std::string& to, const Now& now) {
    const std::int64_t id = chat.id.value_or(0);
    handed_over_.insert(id);
    shift_.handovers.erase(id);
    shift_.support.erase(id);
    chat.handed_to = to;
    chat.ended = true;
    if (paused_chat_ == chat.serial) paused_at_.reset();
    fail_outbox("the chat was handed over to " + to, chat.serial);
    add_line(chat, ChatLine::Who::Note, "handed over to " + to + ": the chat is theirs now (F8 closes this pane)", now);
    notice("chat handed over to " + to);
}

void ClientSession::open_handed_chat(const HandoverChatCommand& hc, const Now& now) {
    auto offer = shift_.find_offer(ShiftOffer::Kind::Handover, hc.chat);
    if (offer != shift_.offers.end()) shift_.offers.erase(offer);
    // Reading along in it ends with the hand-over: the chat is ours now, in a pane of its own.
    readalongs_.erase(std::remove_if(readalongs_.begin(), readalongs_.end(),
                                     [&](const ReadAlong& r) { return r.chat.id == hc.chat; }),
                      readalongs_.end());
    handed_over_.erase(hc.chat);
    ended_here_.erase(hc.chat);
    // No welcome: the caller is in the middle of a conversation.
    Chat& chat = start_chat(std::nullopt, hc.chat, now, hc.service.value_or(""), false);
    chat.handed_from = hc.from;
    for (const auto& entry : hc.history) {
        add_line(chat, history_who(entry.from, ChatLine::Who::Previous), entry.text, now);
        chat.lines.back().before = true;
    }
    std::string said = "above: the chat before you had it. Handed over to you by " + hc.from;
    if (hc.note && !hc.note->empty()) said += ": \"" + *hc.note + "\"";
    add_line(chat, ChatLine::Who::Note, said, now);
    notice(hc.from + " handed a chat over to you (pane " + std::to_string(chat.pane) + ")");
}

void ClientSession::shift_tick(const Now& now, bool& changed) {
    for (auto it = shift_.offers.begin(); it != shift_.offers.end();) {
        if (it->expires_at && now.mono >= *it->expires_at) {
            notice("the hand-over from " + it->from + " expired");
            it = shift_.offers.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
}

// ---- the operator's keys ------------------------------------------------------------------

std::string ClientSession::set_away(bool away, const Now&) {
    if (std::string no = shift_refusal(); !no.empty()) return no;
    if (!effects_.send(AwayCommand{settings_.uuid, away})) return "the link is down: that cannot be done now";
    return "";
}

std::string ClientSession::ask_support(std::uint64_t serial, const Now&) {
    if (std::string no = shift_refusal(); !no.empty()) return no;
    Chat* chat = chat_by_serial(serial);
    if (!chat) return "no chat of yours in focus: support is asked in a chat";
    if (chat->ended || !chat->id) return "this chat has ended";
    if (!effects_.send(SupportCommand{settings_.uuid, *chat->id})) return "the link is down: that cannot be done now";
    shift_.support.emplace(*chat->id, SupportAsk{"sending", "", 0});
    effects_.changed();
    return "";
}

std::string ClientSession::end_support(std::uint64_t serial, const Now&) {
    if (std::string no = shift_refusal(); !no.empty()) return no;
    Chat* chat = chat_by_serial(serial);
    if (!chat || !chat->id || !shift_.support.count(*chat->id)) return "no support asked in this chat";
    if (!effects_.send(SupportEndCommand{settings_.uuid, *chat->id}))
        return "the link is down: that cannot be done now";
    return "";
}

std::string ClientSession::hand_over(std::uint64_t serial, const std::optional<std::string>& to,
                                     const std::string& note, const Now&) {
    if (std::string no = shift_refusal(); !no.empty()) return no;
    Chat* chat = chat_by_serial(serial);
    if (!chat) return "no chat of yours in focus: a chat is handed over from its pane";
    if (chat->ended || !chat->id) return "this chat has ended";
    if (shift_.handovers.count(*chat->id)) return "this chat's hand-over is open already (Ctrl-O cancels it)";
    if (note.size() > 200) return "the note is longer than 200 bytes: nothing was sent";
    std::optional<std::string> whom = to && !to->empty() ? to : std::nullopt;
    std::optional<std::string> said = note.empty() ? std::nullopt : std::optional<std::string>(note);
    if (!effects_.send(HandoverCommand{settings_.uuid, *chat->id, whom, said}))
        return "the link is down: that cannot be done now";
    shift_.handovers[*chat->id] = HandoverAsk{"sending", whom, 0};
    effects_.changed();
    return "";
}

std::string ClientSession::cancel_handover(std::uint64_t serial, const Now&) {
    if (std::string no = shift_refusal(); !no.empty()) return no;
    Chat* chat = chat_by_serial(serial);
    if (!chat || !chat->id || !shift_.handovers.count(*chat->id)) return "no hand-over of this chat is open";
    if (!effects_.send(HandoverCancelCommand{settings_.uuid, *chat->id}))
        return "the link is down: that cannot be done now";
    return "";
}

std::string ClientSession::take_offer(std::size_t index, const Now&) {
    if (index >= shift_.offers.size()) return "nothing to take";
    if (std::string no = shift_refusal(); !no.empty()) return no;
    ShiftOffer& offer = shift_.offers[index];
    if (offer.accepting) return "already answered: waiting for the server";
    const bool handover = offer.kind == ShiftOffer::Kind::Handover;
    if (handover && live_chats() >= chat_limit_)
        return "you have " + std::to_string(chat_limit_) + " chats open, the most you can: end one first";
    const bool sent = handover ? effects_.send(HandoverAcceptCommand{settings_.uuid, offer.chat})
                               : effects_.send(SupportAcceptCommand{settings_.uuid, offer.chat});
    if (!sent) return "the link is down: that cannot be done now";
    offer.accepting = true;
    effects_.changed();
    return "";
}

bool ClientSession::hide_offer(std::size_t index) {
    if (index >= shift_.offers.size()) return false;
    shift_.offers.erase(shift_.offers.begin() + static_cast<std::ptrdiff_t>(index));
    effects_.changed();
    return true;
}

std::string ClientSession::whisper(std::uint64_t serial, const std::string& text, const Now& now) {
    ReadAlong* r = nullptr;
    for (auto& ra : readalongs_)
        if (ra.chat.serial == serial) r = &ra;
    if (!r) return "that read-along is closed: nothing was sent";
    if (r->chat.ended) return "the read-along has ended: nothing was sent (Ctrl-X closes its pane)";
    if (text.empty()) return "";
    if (std::string no = shift_refusal(); !no.empty()) return no + ": the whisper was not sent";
    // A whisper, for the chat's operator only: never a msg.
    if (!effects_.send(WhisperCommand{settings_.uuid, *r->chat.id, text, std::nullopt}))
        return "the link is down: the whisper was not sent";
    add_line(r->chat, ChatLine::Who::Me, text, now);
    ChatLine& line = r->chat.lines.back();
    line.whisper = true;
    line.fate = ChatLine::Fate::Sent;
    line.receipt = effects_.last_receipt();
    return "";
}

std::string ClientSession::leave_readalong(std::uint64_t serial, const Now& now) {
    ReadAlong* r = nullptr;
    for (auto& ra : readalongs_)
        if (ra.chat.serial == serial) r = &ra;
    if (!r) return "that read-along is closed";
    if (r->chat.ended) {
        close_readalong(serial);
        return "";
    }
    if (std::string no = shift_refusal(); !no.empty()) return no;
    if (!effects_.send(SupportEndCommand{settings_.uuid, *r->chat.id}))
        return "the link is down: that cannot be done now";
    r->chat.ended = true;
    r->reason = "you left";
    add_line(r->chat, ChatLine::Who::Note, "you left the read-along (Ctrl-X closes this pane)", now);
    return "";
}

bool ClientSession::close_readalong(std::uint64_t serial) {
    auto it = std::find_if(readalongs_.begin(), readalongs_.end(),
                           [serial](const ReadAlong& r) { return r.chat.serial == serial; });
    if (it == readalongs_.end()) return false;
    readalongs_.erase(it);
    effects_.changed();
    return true;
}

}  // namespace nlchat
