// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/keymap.h"

namespace nlchat::ui {

const std::vector<Binding>& key_bindings() {
    static const std::vector<Binding> table = {
        {key::F2, "F2", Action::AcceptRing, "take the selected ring (the oldest, or the one Tab chose)"},
        {key::F3, "F3", Action::IgnoreRing, "ignore the selected ring (only on this screen)"},
        {key::Tab, "Tab", Action::NextRing, "select the next ring"},
        {key::Enter, "Enter", Action::Send, "send the input line to the chat in focus"},
        {key::PageUp, "PgUp", Action::ScrollUp, "scroll the chat in focus back a page"},
        {key::PageDown, "PgDn", Action::ScrollDown, "scroll the chat in focus forward a page"},
        {key::ctrl('t'), "Ctrl-T", Action::ScrollTop, "go to the start of the chat"},
        {key::ctrl('b'), "Ctrl-B", Action::ScrollBottom, "go to the end of the chat"},
        {key::F5, "F5", Action::PastChats, "an earlier chat beside, read-only (again: the one before)"},
        {key::ctrl('n'), "Ctrl-N", Action::NextPane, "focus the next or the previous chat pane"},
        {key::ctrl('p'), "Ctrl-P", Action::PrevPane, "focus the next or the previous chat pane"},
        {key::Alt1, "Alt-1..9", Action::FocusPane, "focus chat pane 1 to 9 (or Esc, then the digit)"},
        {key::F4, "F4", Action::Layout, "chat panes side by side, or stacked"},
        {key::F6, "F6", Action::Canned, "pick a canned response into the input line"},
        {key::F7, "F7", Action::TakeBack, "take the link back from another terminal"},
        {key::F8, "F8", Action::EndChat, "end the chat (asks first)"},
        {key::F9, "F9", Action::Away, "away (not rung) or back: the shift", true},
        {key::ctrl('r'), "Ctrl-R", Action::Support, "ask for support in this chat (again: end it, asks first)", true},
        {key::ctrl('o'), "Ctrl-O", Action::Handover, "hand this chat over (asks to whom; again: cancel it)", true},
        {key::ctrl('x'), "Ctrl-X", Action::EndReadAlong, "end the read-along (in a read-along pane: leave it)", true},
        {key::ctrl('g'), "Ctrl-G", Action::Board, "the shift's board (supervisors)", true},
        {key::F10, "F10", Action::Quit, "quit (asks first)"},
        {key::F1, "F1", Action::Help, "this help"},
        {key::Left, "Left", Action::Left, "move left or right"},
        {key::Right, "Right", Action::Right, "move left or right"},
        {key::Home, "Home", Action::Home, "start of line (with the line empty: start of the chat)"},
        {key::ctrl('a'), "Ctrl-A", Action::Home, "start of line (with the line empty: start of the chat)"},
        {key::End, "End", Action::End, "end of line (with the line empty: end of the chat)"},
        {key::ctrl('e'), "Ctrl-E", Action::End, "end of line (with the line empty: end of the chat)"},
        {key::Backspace, "Backspace", Action::Backspace, "delete left or right"},
        {key::Delete, "Delete", Action::Delete, "delete left or right"},
        {key::ctrl('k'), "Ctrl-K", Action::KillToEnd, "delete to end of line"},
        {key::ctrl('u'), "Ctrl-U", Action::KillToStart, "delete to start of line"},
        {key::ctrl('w'), "Ctrl-W", Action::KillWord, "delete the word before"},
        {key::Up, "Up", Action::HistoryUp, "earlier or later input"},
        {key::Down, "Down", Action::HistoryDown, "earlier or later input"},
    };
    return table;
}

std::optional<Action> action_for(int code) {
    if (code >= key::Alt1 && code <= key::Alt9) return Action::FocusPane;
    for (const auto& b : key_bindings())
        if (b.key == code) return b.action;
    return std::nullopt;
}

}  // namespace nlchat::ui
