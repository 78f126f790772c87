// SPDX-License-Identifier: GPL-3.0-or-later
// The Controller's keys for the ring queue and the shift (nlchat-protocol(7), THE SHIFT):
// F2, F3 and Tab over rings, requests for support and hand-overs; F9 away; Ctrl-R support;
// Ctrl-O hand-over (a name, then a note, read in Mode::Entry); Ctrl-X the read-along;
// Ctrl-G the board. Each acts on the chat in the pane marked in focus, remembered by
// serial when it asks first, so that an answer never reaches a chat that took the focus.
#include <algorithm>

#include "ui/controller.h"

namespace nlchat::ui {

void Controller::queue_action(Action action, const Now& now) {
    const auto& rings = session_.rings();
    const auto& offers = session_.shift().offers;
    const std::optional<std::size_t> offer = selected_offer_index(session_, ui_);
    switch (action) {
    case Action::AcceptRing:
        if (offer) {
            std::string no = session_.take_offer(*offer, now);
            ui_.message = no.empty() ? (offers[*offer].kind == ShiftOffer::Kind::Support
                                            ? "asked to read along: waiting for the server"
                                            : "asked to take the chat over: waiting for the server")
                                     : no;
            break;
        }
        {
            std::optional<std::int64_t> id;
            if (!rings.empty()) id = rings[selected_ring_index(session_, ui_)].id;
            // Once taken, the selection goes back to the oldest ring, the one waiting longest.
            if (session_.accept_ring(id, now)) ui_.selected_ring.reset();
            else if (rings.empty()) ui_.message = "no ring to take";
        }
        break;
    case Action::IgnoreRing:
        if (offer) {
            session_.hide_offer(*offer);
            ui_.selected_offer.reset();
            break;
        }
        {
            std::optional<std::int64_t> id;
            if (!rings.empty()) id = rings[selected_ring_index(session_, ui_)].id;
            if (!session_.ignore_ring(id)) ui_.message = "no ring to ignore";
            ui_.selected_ring.reset();
        }
        break;
    default: {
        // Tab: the rings, then the requests and hand-overs, and round again.
        auto choose_offer = [&](std::size_t i) { ui_.selected_offer = std::make_pair(offers[i].kind, offers[i].chat); };
        if (offer) {
            if (*offer + 1 < offers.size()) {
                choose_offer(*offer + 1);
            } else {
                ui_.selected_offer.reset();
                if (rings.empty()) choose_offer(0);
                else ui_.selected_ring = rings.front().id;
            }
        } else if (rings.empty()) {
            ui_.selected_ring.reset();
        } else {
            const std::size_t next = selected_ring_index(session_, ui_) + 1;
            if (next < rings.size()) {
                ui_.selected_ring = rings[next].id;
            } else if (!offers.empty()) {
                choose_offer(0);
            } else {
                ui_.selected_ring = rings.front().id;
            }
        }
        break;
    }
    }
}

void Controller::shift_action(Action action, const Now& now) {
    const ShiftModel& shift = session_.shift();
    const std::uint64_t chat = typing_target();
    const Chat* open = chat ? session_.open_chat(chat) : nullptr;
    // The chat's id, when it is one of ours with one (-1: none, which no map holds).
    const std::int64_t id = open && open->id ? *open->id : -1;
    switch (action) {
    case Action::Away: {
        // What the server answers is what the status bar shows.
        const bool away = !shift.away;
        std::string no = session_.set_away(away, now);
        ui_.message = !no.empty() ? no
                      : away      ? "asked to be away: the status bar says so once the server has it"
                                  : "asked to be back: rings come once the server says so";
        break;
    }
    case Action::Support:
        if (whisper_target()) {
            ui_.message = "this is a read-along: support is asked in a chat of yours";
        } else if (shift.support.count(id) && session_.shift_on()) {
            shift_chat_ = chat;
            ui_.prompt = UiState::Prompt::EndSupport;
        } else {
            std::string no = session_.ask_support(chat, now);
            ui_.message = no.empty() ? "support asked: the pane says where it stands" : no;
        }
        break;
    case Action::Handover:
        if (whisper_target()) {
            ui_.message = "this is a read-along: only your own chats are handed over";
        } else if (shift.handovers.count(id) && session_.shift_on()) {
            shift_chat_ = chat;
            ui_.prompt = UiState::Prompt::CancelHandover;
        } else if (!session_.shift_on()) {
            ui_.message = session_.shift_refusal();
        } else if (!open || open->ended) {
            ui_.message = "no chat of yours in focus: a chat is handed over from its pane";
        } else {
            shift_chat_ = chat;
            entry_.take();
            handover_to_.clear();
            ui_.prompt = UiState::Prompt::HandoverTo;
        }
        break;
    case Action::EndReadAlong:
        if (const std::uint64_t read = whisper_target()) {
            const ReadAlong* r = session_.readalong(read);
            const bool ended = r && r->chat.ended;
            std::string no = session_.leave_readalong(read, now);
            ui_.message = !no.empty() ? no : ended ? "read-along pane closed" : "you left the read-along";
        } else if (shift.support.count(id)) {
            std::string no = session_.end_support(chat, now);
            ui_.message = no.empty() ? "support ended: the pane says when the server has it" : no;
        } else {
            ui_.message = "nobody reads along in this chat";
        }
        break;
    case Action::Board:
        if (!session_.shift_on()) {
            ui_.message = session_.shift_refusal();
        } else if (!shift.supervisor()) {
            ui_.message = "the board is for supervisors";
        } else {
            ui_.board = !ui_.board;
        }
        break;
    default: break;
    }
}

void Controller::entry_key(const Key& k, const Now& now) {
    if (k.code == key::Escape) {
        ui_.prompt = UiState::Prompt::None;
        entry_.take();
        ui_.message = "nothing was handed over";
        return;
    }
    if (k.code == 0) return entry_.insert(k.text);
    if (k.code != key::Enter) {
        if (auto a = action_for(k.code)) {
            switch (*a) {
            case Action::Left: entry_.left(); break;
            case Action::Right: entry_.right(); break;
            case Action::Home: entry_.home(); break;
            case Action::End: entry_.end(); break;
            case Action::Backspace: entry_.backspace(); break;
            case Action::Delete: entry_.erase(); break;
            case Action::KillToStart: entry_.kill_to_start(); break;
            case Action::KillToEnd: entry_.kill_to_end(); break;
            case Action::KillWord: entry_.kill_word(); break;
            default: break;
            }
        }
        return;
    }
    if (ui_.prompt == UiState::Prompt::HandoverTo) {
        handover_to_ = entry_.take();
        ui_.prompt = UiState::Prompt::HandoverNote;
        return;
    }
    // The note: the hand-over goes, for the chat Ctrl-O was pressed in.
    std::string note = entry_.text();
    std::optional<std::string> to;
    if (!handover_to_.empty()) to = handover_to_;
    std::string no = session_.hand_over(shift_chat_, to, note, now);
    if (!no.empty() && note.size() > 200) {
        ui_.message = no;  // still asking: the note can be made shorter
        return;
    }
    entry_.take();
    ui_.prompt = UiState::Prompt::None;
    ui_.message = no.empty() ? "hand-over asked" + (to ? " to " + *to : std::string(" to anyone")) +
                                   ": the pane says where it stands"
                             : no;
}

Intents Controller::board_key(const Key& k, const Now& now) {
    if (k.code == key::Escape || k.code == key::ctrl('g')) {
        ui_.board = false;
        return {};
    }
    // The queue's keys and the shift's work over the board; typing waits until it closes.
    if (auto a = action_for(k.code); a && k.code != 0) {
        switch (*a) {
        case Action::AcceptRing:
        case Action::IgnoreRing:
        case Action::NextRing:
        case Action::Away:
        case Action::Help:
        case Action::Quit: return action(*a, now);
        default: break;
        }
    }
    ui_.message = "the board is open: Ctrl-G or Esc closes it";
    return {};
}

}  // namespace nlchat::ui
