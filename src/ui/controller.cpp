// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/controller.h"

#include <algorithm>

namespace nlchat::ui {

const char* mode_name(Mode mode) {
    switch (mode) {
    case Mode::Normal: return "normal";
    case Mode::Pasting: return "pasting";
    case Mode::Help: return "help";
    case Mode::Canned: return "canned";
    case Mode::Question: return "question";
    }
    return "?";
}

Mode Controller::mode() const {
    if (pasting_) return Mode::Pasting;
    if (ui_.help) return Mode::Help;
    if (ui_.canned_open) return Mode::Canned;
    if (ui_.prompt != UiState::Prompt::None) return Mode::Question;
    return Mode::Normal;
}

std::size_t Controller::pane_count() const { return session_.chats().size() + (ui_.past ? 1 : 0); }

std::size_t Controller::focused_pane() const {
    return ui_.past && (ui_.past_focus || session_.chats().empty()) ? session_.chats().size() : session_.focus();
}

void Controller::focus_pane(std::size_t index) {
    if (index >= pane_count() || index == focused_pane()) return;
    // Each pane keeps its place: the one left is remembered, the one taken resumes.
    auto key_of = [this](std::size_t pane) -> std::uint64_t {
        return pane < session_.chats().size() ? session_.chats()[pane].serial : 0;
    };
    ui_.pane_scroll[key_of(focused_pane())] = std::min(ui_.scroll, ui_.max_scroll);
    if (index < session_.chats().size()) {
        session_.focus_chat(index);
        ui_.past_focus = false;
    } else {
        ui_.past_focus = true;
    }
    auto it = ui_.pane_scroll.find(key_of(index));
    ui_.scroll = it == ui_.pane_scroll.end() ? 0 : it->second;
    if (it != ui_.pane_scroll.end()) ui_.pane_scroll.erase(it);
}

Intents Controller::key(const Key& k, const Now& now, int page) {
    // Esc then a digit soon after is Alt and the digit, however the two bytes arrived.
    const bool after_escape = escape_at_ && now.mono - *escape_at_ <= kEscapeDigitSeconds;
    escape_at_.reset();
    // A paste starts in any mode: its text must never be taken for keys (a newline in it
    // would send, a "y" answer a question).
    if (k.code == key::PasteStart) {
        pasting_ = true;
        paste_.clear();
        return {};
    }
    if (k.code == key::Resize) {
        Intents out;
        out.resize = true;
        return out;
    }
    switch (mode()) {
    case Mode::Pasting: paste_key(k); return {};
    case Mode::Help: ui_.help = false; return {};  // any key closes it
    case Mode::Canned: canned_key(k); return {};
    case Mode::Question: return question_key(k, now);
    case Mode::Normal: break;
    }
    ui_.message.clear();
    if (k.code == key::Escape) {
        escape_at_ = now.mono;
        return {};
    }
    if (k.code == 0 && after_escape && k.text.size() == 1 && k.text[0] >= '1' && k.text[0] <= '9') {
        pane_key_ = key::Alt1 + (k.text[0] - '1');
        return action(Action::FocusPane, now, page);
    }
    if (k.code == 0) {
        input_.insert(k.text);
        session_.typing(now);
        return {};
    }
    pane_key_ = k.code;
    if (auto a = action_for(k.code)) return action(*a, now, page);
    return {};
}

void Controller::paste_key(const Key& k) {
    if (k.code == key::PasteEnd) {
        pasting_ = false;
        // One line goes into the input line to be edited; several are asked about, so
        // that a paste into the wrong window does not send a page of text.
        if (paste_.find('\n') == std::string::npos) {
            input_.insert(paste_);
        } else {
            ui_.paste = paste_;
            ui_.prompt = UiState::Prompt::Paste;
        }
        paste_.clear();
    } else if (k.code == key::Enter) {
        paste_ += '\n';
    } else if (k.code == key::Tab) {
        paste_ += '\t';
    } else if (k.code == 0) {
        paste_ += k.text;
    }
}

void Controller::canned_key(const Key& k) {
    if (k.code == key::Up && ui_.canned_selected > 0) {
        --ui_.canned_selected;
    } else if (k.code == key::Down && ui_.canned_selected + 1 < ui_.canned.size()) {
        ++ui_.canned_selected;
    } else if (k.code == key::Enter && ui_.canned_selected < ui_.canned.size()) {
        // Into the input line for editing, never sent as it is.
        input_.set(ui_.canned[ui_.canned_selected].second);
        ui_.canned_open = false;
    } else if (k.code == key::Escape || k.code == key::F6) {
        ui_.canned_open = false;
    }
}

Intents Controller::question_key(const Key& k, const Now& now) {
    if (k.code == 0 && (k.text == "y" || k.text == "Y")) return answer(true, now);
    if ((k.code == 0 && (k.text == "n" || k.text == "N")) || k.code == key::Escape) return answer(false, now);
    return {};
}

Intents Controller::answer(bool yes, const Now& now) {
    auto prompt = ui_.prompt;
    ui_.prompt = UiState::Prompt::None;
    Intents out;
    switch (prompt) {
    case UiState::Prompt::EndChat:
        if (yes) session_.end_chat(now);
        break;
    case UiState::Prompt::Quit: out.quit = yes; break;
    case UiState::Prompt::TrustServer: out.trust = yes; break;
    case UiState::Prompt::Paste:
        if (yes && !session_.send_message(ui_.paste, now)) ui_.message = "no chat open: the paste was not sent";
        ui_.paste.clear();
        break;
    case UiState::Prompt::None: break;
    }
    return out;
}

Intents Controller::action(Action action, const Now& now, int page) {
    Intents out;
    page = std::max(1, page);
    switch (action) {
    case Action::Help: ui_.help = true; break;
    case Action::AcceptRing: {
        std::optional<std::int64_t> id;
        if (!session_.rings().empty()) id = session_.rings()[selected_ring_index(session_, ui_)].id;
        // Once taken, the selection goes back to the oldest ring, the one waiting longest.
        if (session_.accept_ring(id, now)) ui_.selected_ring.reset();
        else if (session_.rings().empty()) ui_.message = "no ring to take";
        break;
    }
    case Action::IgnoreRing: {
        std::optional<std::int64_t> id;
        if (!session_.rings().empty()) id = session_.rings()[selected_ring_index(session_, ui_)].id;
        if (!session_.ignore_ring(id)) ui_.message = "no ring to ignore";
        ui_.selected_ring.reset();
        break;
    }
    case Action::NextRing:
        if (session_.rings().empty()) ui_.selected_ring.reset();
        else
            ui_.selected_ring = session_.rings()[(selected_ring_index(session_, ui_) + 1) % session_.rings().size()].id;
        break;
    // The scroll stays within what the last draw could show (max_scroll), so that PgDn
    // after Ctrl-T moves at once and PgUp past the start costs nothing to undo.
    case Action::ScrollUp: ui_.scroll = std::min(ui_.max_scroll, ui_.scroll + page); break;
    case Action::ScrollDown: ui_.scroll = std::max(0, std::min(ui_.scroll, ui_.max_scroll) - page); break;
    case Action::ScrollTop: ui_.scroll = ui_.max_scroll; break;
    case Action::ScrollBottom: ui_.scroll = 0; break;
    // An earlier chat opens in a pane of its own, beside the live ones, and takes the
    // focus; F5 again shows the one before it, and past the first closes the pane.
    case Action::PastChats:
        if (session_.past_chats().empty()) {
            ui_.message = "no earlier chats in this run";
        } else if (!ui_.past) {
            ui_.past = session_.past_chats().size() - 1;
            ui_.past_focus = true;
        } else if (!ui_.past_focus && !session_.chats().empty()) {
            ui_.past_focus = true;
        } else if (*ui_.past == 0) {
            ui_.past.reset();  // the pane closes; the live chat has the focus again
            ui_.past_focus = false;
        } else {
            --*ui_.past;
        }
        ui_.scroll = 0;
        break;
    case Action::NextPane:
    case Action::PrevPane:
        if (pane_count() < 2) {
            ui_.message = "only one chat pane";
            break;
        }
        focus_pane((focused_pane() + (action == Action::NextPane ? 1 : pane_count() - 1)) % pane_count());
        break;
    case Action::FocusPane: {
        // The key tells which pane: Alt-1 is the first.
        std::size_t index = static_cast<std::size_t>(std::max(0, pane_key_ - key::Alt1));
        if (index < pane_count()) focus_pane(index);
        else ui_.message = "no chat pane " + std::to_string(index + 1);
        break;
    }
    case Action::Layout:
        ui_.side_by_side = !ui_.side_by_side;
        ui_.message = ui_.side_by_side ? "chat panes side by side" : "chat panes stacked";
        break;
    case Action::EndChat:
        if (session_.chat()) ui_.prompt = UiState::Prompt::EndChat;
        else ui_.message = "no chat to end";
        break;
    case Action::Quit: ui_.prompt = UiState::Prompt::Quit; break;
    case Action::TakeBack:
        if (!session_.take_back(now)) {
            ui_.message = "the link is not held by another terminal";
            break;
        }
        // The new connection takes this key's link over from the other terminal, which
        // is told so (and does not dial back by itself).
        ui_.message = "taking the link back from the other terminal";
        out.dial = true;
        break;
    case Action::Canned: ui_.canned_open = true; break;
    case Action::Send: {
        if (ui_.past && focused_pane() == session_.chats().size()) {
            ui_.message = session_.chats().empty() ? "this earlier chat is read-only (F5 closes it)"
                                                   : "this earlier chat is read-only (Ctrl-N goes to a live one)";
            break;
        }
        if (input_.empty()) break;
        if (!session_.chat() || session_.chat()->ended) {
            ui_.message = session_.chat() ? "the chat has ended: F8 closes it" : "no chat open: nothing was sent";
            break;
        }
        session_.send_message(input_.take(), now);
        ui_.scroll = 0;
        break;
    }
    case Action::Left: input_.left(); break;
    case Action::Right: input_.right(); break;
    // With nothing typed, Home and End move the chat instead of the cursor.
    case Action::Home:
        if (input_.empty()) ui_.scroll = ui_.max_scroll;
        else input_.home();
        break;
    case Action::End:
        if (input_.empty()) ui_.scroll = 0;
        else input_.end();
        break;
    case Action::Backspace: input_.backspace(); break;
    case Action::Delete: input_.erase(); break;
    case Action::KillToEnd: input_.kill_to_end(); break;
    case Action::KillToStart: input_.kill_to_start(); break;
    case Action::KillWord: input_.kill_word(); break;
    case Action::HistoryUp: input_.history_up(); break;
    case Action::HistoryDown: input_.history_down(); break;
    }
    return out;
}

}  // namespace nlchat::ui
