// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/controller.h"

#include <algorithm>

namespace nlchat::ui {
namespace {

const char* const kReadOnly = "this earlier chat is read-only (Ctrl-N goes to a live one, F5 closes it)";

}  // namespace

const char* mode_name(Mode mode) {
    switch (mode) {
    case Mode::Normal: return "normal";
    case Mode::Pasting: return "pasting";
    case Mode::Help: return "help";
    case Mode::Canned: return "canned";
    case Mode::Question: return "question";
    case Mode::Entry: return "entry";
    case Mode::Board: return "board";
    }
    return "?";
}

Mode Controller::mode() const {
    if (pasting_) return Mode::Pasting;
    if (ui_.help) return Mode::Help;
    if (ui_.canned_open) return Mode::Canned;
    if (ui_.prompt == UiState::Prompt::HandoverTo || ui_.prompt == UiState::Prompt::HandoverNote) return Mode::Entry;
    if (ui_.prompt != UiState::Prompt::None) return Mode::Question;
    if (ui_.board) return Mode::Board;
    return Mode::Normal;
}

std::uint64_t Controller::typing_target() const {
    auto panes = panes_in_order(session_, ui_);
    auto focus = focused_index(panes);
    return focus && !panes[*focus].read_only ? panes[*focus].serial : 0;
}

std::uint64_t Controller::whisper_target() const {
    auto panes = panes_in_order(session_, ui_);
    auto focus = focused_index(panes);
    return focus && panes[*focus].readalong ? panes[*focus].serial : 0;
}

const InputLine& Controller::input() const {
    static const InputLine none;
    if (mode() == Mode::Entry) return entry_;
    std::uint64_t target = typing_target();
    if (!target) target = whisper_target();
    auto it = drafts_.find(target);
    return it == drafts_.end() ? none : it->second;
}

InputLine* Controller::draft(bool say) {
    if (std::uint64_t chat = typing_target()) return &drafts_[chat];
    if (std::uint64_t read = whisper_target()) return &drafts_[read];
    if (say)
        ui_.message =
            ui_.past && !session_.past_chats().empty() ? kReadOnly : "no chat open: there is nobody to write to yet";
    return nullptr;
}

void Controller::forget_closed_chats() {
    // A chat that was closed takes its half-typed line with it: it is never offered to
    // another chat.
    for (auto it = drafts_.begin(); it != drafts_.end();)
        it = session_.open_chat(it->first) || session_.readalong(it->first) ? std::next(it) : drafts_.erase(it);
    for (auto it = ui_.pane_scroll.begin(); it != ui_.pane_scroll.end();)
        it = it->first == 0 || session_.open_chat(it->first) || session_.readalong(it->first)
                 ? std::next(it)
                 : ui_.pane_scroll.erase(it);
    if (ui_.readalong_focus && !session_.readalong(ui_.readalong_focus)) ui_.readalong_focus = 0;
    if (ui_.past && *ui_.past >= session_.past_chats().size()) ui_.past.reset();
}

void Controller::focus_pane(const PaneRef& to) {
    auto panes = panes_in_order(session_, ui_);
    auto from = focused_index(panes);
    if (from && panes[*from].serial == to.serial && panes[*from].read_only == to.read_only) return;
    // Each pane keeps its place: the one left is remembered, the one taken resumes.
    if (from) ui_.pane_scroll[panes[*from].serial] = std::min(ui_.scroll, ui_.max_scroll);
    if (to.readalong) {
        ui_.readalong_focus = to.serial;
        ui_.past_focus = false;
    } else if (to.read_only) {
        ui_.past_focus = true;
    } else {
        const auto& chats = session_.chats();
        for (std::size_t i = 0; i < chats.size(); ++i)
            if (chats[i].serial == to.serial) session_.focus_chat(i);
        ui_.past_focus = false;
        ui_.readalong_focus = 0;
    }
    auto it = ui_.pane_scroll.find(to.serial);
    ui_.scroll = it == ui_.pane_scroll.end() ? 0 : it->second;
    if (it != ui_.pane_scroll.end()) ui_.pane_scroll.erase(it);
}

void Controller::focus_number(int number) {
    for (const auto& pane : panes_in_order(session_, ui_))
        if (pane.number == number) return focus_pane(pane);
    ui_.message = "no chat pane " + std::to_string(number);
}

Intents Controller::key(const Key& k, const Now& now) {
    forget_closed_chats();
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
    case Mode::Pasting: paste_key(k, now); return {};
    case Mode::Help: ui_.help = false; return {};  // any key closes it
    case Mode::Canned: canned_key(k); return {};
    case Mode::Question: return question_key(k, now);
    case Mode::Entry: entry_key(k, now); return {};
    case Mode::Board: return board_key(k, now);
    case Mode::Normal: break;
    }
    ui_.message.clear();
    if (k.code == key::Escape) {
        escape_at_ = now.mono;
        return {};
    }
    if (k.code == 0) {
        if (after_escape && k.text.size() == 1 && k.text[0] >= '1' && k.text[0] <= '9') {
            focus_number(k.text[0] - '0');
            return {};
        }
        type(k.text, now);
        return {};
    }
    pane_key_ = k.code;
    if (auto a = action_for(k.code)) return action(*a, now);
    return {};
}

void Controller::type(const std::string& text, const Now& now) {
    if (InputLine* line = draft(true)) {
        line->insert(text);
        // The caller of the chat typed in, and no other, is told (nobody of a whisper).
        if (std::uint64_t chat = typing_target()) session_.typing(chat, now);
    }
}

void Controller::paste_key(const Key& k, const Now&) {
    if (k.code == key::PasteEnd) {
        pasting_ = false;
        // A line asked for (a name, a note) takes the paste's first line.
        if (mode() == Mode::Entry) {
            entry_.insert(paste_.substr(0, paste_.find('\n')));
            paste_.clear();
            return;
        }
        // One line goes into the input line to be edited; several are asked about, so
        // that a paste into the wrong window does not send a page of text.
        InputLine* line = draft(false);
        if (!line) {
            ui_.message =
                ui_.past && !session_.past_chats().empty() ? kReadOnly : "no chat open: the paste was not sent";
        } else {
            if (paste_.find('\n') == std::string::npos) {
                line->insert(paste_);
            } else {
                ui_.paste = paste_;
                ui_.paste_chat = typing_target() ? typing_target() : whisper_target();
                ui_.prompt = UiState::Prompt::Paste;
            }
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
        if (InputLine* line = draft(true)) line->set(ui_.canned[ui_.canned_selected].second);
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
        // Only the chat the question was about: if another has the focus by now (a chat
        // that had ended made way for a new one), nothing is ended.
        if (yes && session_.chat() && session_.chat()->serial == end_chat_ && typing_target() == end_chat_)
            session_.end_chat(now);
        else if (yes) ui_.message = "the chat in focus changed: nothing was ended";
        break;
    case UiState::Prompt::Quit: out.quit = yes; break;
    case UiState::Prompt::TrustServer: out.trust = yes; break;
    case UiState::Prompt::Paste:
        // Pasted in a read-along, it is whispered there; else it goes to its chat.
        if (yes && session_.readalong(ui_.paste_chat)) {
            std::string no = session_.whisper(ui_.paste_chat, ui_.paste, now);
            if (!no.empty()) ui_.message = no;
        } else if (yes && !session_.send_message(ui_.paste_chat, ui_.paste, now)) {
            ui_.message = "that chat is no longer open: the paste was not sent";
        }
        ui_.paste.clear();
        ui_.paste_chat = 0;
        break;
    case UiState::Prompt::EndSupport:
        if (yes) ui_.message = session_.end_support(shift_chat_, now);
        break;
    case UiState::Prompt::CancelHandover:
        if (yes) ui_.message = session_.cancel_handover(shift_chat_, now);
        break;
    case UiState::Prompt::HandoverTo:
    case UiState::Prompt::HandoverNote:
    case UiState::Prompt::None: break;
    }
    return out;
}

void Controller::send(const Now& now) {
    // In a read-along, the line is a whisper to its operator; it leaves the input line
    // only once it was written to the link.
    if (const std::uint64_t read = whisper_target()) {
        InputLine& line = drafts_[read];
        if (line.empty()) return;
        std::string no = session_.whisper(read, line.text(), now);
        if (no.empty()) {
            line.take();
            ui_.scroll = 0;
        } else {
            ui_.message = no;
        }
        return;
    }
    const std::uint64_t chat = typing_target();
    InputLine* line = draft(false);
    if (!line) {
        ui_.message = ui_.past && !session_.past_chats().empty() ? kReadOnly : "no chat open: nothing was sent";
        return;
    }
    if (line->empty()) return;
    const Chat* open = session_.open_chat(chat);
    if (!open || open->ended) {
        ui_.message = "the chat has ended: F8 closes it";
        return;
    }
    // The line goes to the chat it was typed for, which is the one marked in focus.
    session_.send_message(chat, line->take(), now);
    ui_.scroll = 0;
}

Intents Controller::action(Action action, const Now& now) {
    Intents out;
    // A page is the pane's own height less one line, which stays in view for context.
    const int page = std::max(1, ui_.pane_rows - 1);
    InputLine* line = draft(false);
    switch (action) {
    case Action::Help: ui_.help = true; break;
    case Action::AcceptRing:
    case Action::IgnoreRing:
    case Action::NextRing: queue_action(action, now); break;
    case Action::Away:
    case Action::Support:
    case Action::Handover:
    case Action::EndReadAlong:
    case Action::Board: shift_action(action, now); break;
    // The scroll stays within what the last draw could show (max_scroll), so that PgDn
    // after Ctrl-T moves at once and PgUp past the start costs nothing to undo.
    case Action::ScrollUp: ui_.scroll = std::min(ui_.max_scroll, ui_.scroll + page); break;
    case Action::ScrollDown: ui_.scroll = std::max(0, std::min(ui_.scroll, ui_.max_scroll) - page); break;
    case Action::ScrollTop: ui_.scroll = ui_.max_scroll; break;
    case Action::ScrollBottom: ui_.scroll = 0; break;
    // An earlier chat opens in a pane of its own, beside the live ones, and takes the
    // focus; F5 again shows the one before it, and past the first closes the pane.
    case Action::PastChats: {
        auto panes = panes_in_order(session_, ui_);
        auto focus = focused_index(panes);
        const bool on_earlier = focus && panes[*focus].read_only;
        if (session_.past_chats().empty()) {
            ui_.message = "no earlier chats in this run";
        } else if (!ui_.past || !on_earlier) {
            if (focus) ui_.pane_scroll[panes[*focus].serial] = std::min(ui_.scroll, ui_.max_scroll);
            if (!ui_.past) {
                ui_.past = session_.past_chats().size() - 1;
                ui_.pane_scroll.erase(0);
            }
            ui_.past_focus = true;
            auto it = ui_.pane_scroll.find(0);
            ui_.scroll = it == ui_.pane_scroll.end() ? 0 : it->second;
        } else if (*ui_.past == 0) {
            // The pane closes; the live chat in focus before has the focus again.
            ui_.past.reset();
            ui_.past_focus = false;
            ui_.pane_scroll.erase(0);
            auto it = session_.chat() ? ui_.pane_scroll.find(session_.chat()->serial) : ui_.pane_scroll.end();
            ui_.scroll = it == ui_.pane_scroll.end() ? 0 : it->second;
        } else {
            --*ui_.past;
            ui_.scroll = 0;
        }
        break;
    }
    case Action::NextPane:
    case Action::PrevPane: {
        auto panes = panes_in_order(session_, ui_);
        auto focus = focused_index(panes);
        if (panes.size() < 2 || !focus) {
            ui_.message = "only one chat pane";
            break;
        }
        std::size_t to = (*focus + (action == Action::NextPane ? 1 : panes.size() - 1)) % panes.size();
        focus_pane(panes[to]);
        break;
    }
    // The key tells which pane: Alt-1 is pane 1, whatever its place on screen.
    case Action::FocusPane: focus_number(std::max(0, pane_key_ - key::Alt1) + 1); break;
    case Action::Layout:
        ui_.side_by_side = !ui_.side_by_side;
        ui_.message = ui_.side_by_side ? "chat panes side by side" : "chat panes stacked";
        break;
    case Action::EndChat:
        // The chat in focus, which is the marked one: an earlier chat has ended already.
        if (typing_target()) {
            end_chat_ = typing_target();
            ui_.prompt = UiState::Prompt::EndChat;
        } else if (whisper_target()) {
            ui_.message = "this is a read-along, not your chat: Ctrl-X leaves it";
        } else {
            ui_.message = ui_.past && !session_.past_chats().empty()
                              ? "this earlier chat has ended already (F5 closes it)"
                              : "no chat to end";
        }
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
    case Action::Send: send(now); break;
    // With nothing typed, Home and End move the chat instead of the cursor.
    case Action::Home:
        if (!line || line->empty()) ui_.scroll = ui_.max_scroll;
        else line->home();
        break;
    case Action::End:
        if (!line || line->empty()) ui_.scroll = 0;
        else line->end();
        break;
    // The editing keys edit the focused chat's line; with none they do nothing.
    case Action::Left:
        if (line) line->left();
        break;
    case Action::Right:
        if (line) line->right();
        break;
    case Action::Backspace:
        if (line) line->backspace();
        break;
    case Action::Delete:
        if (line) line->erase();
        break;
    case Action::KillToEnd:
        if (line) line->kill_to_end();
        break;
    case Action::KillToStart:
        if (line) line->kill_to_start();
        break;
    case Action::KillWord:
        if (line) line->kill_word();
        break;
    case Action::HistoryUp:
        if (line) line->history_up();
        break;
    case Action::HistoryDown:
        if (line) line->history_down();
        break;
    }
    return out;
}

}  // namespace nlchat::ui
