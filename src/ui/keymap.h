// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat's keys, as one table: the key handler dispatches from it and the help overlay
// lists it, so the two cannot disagree. Key codes are our own (the curses front end
// translates), so this file and its tests need no terminal.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nlchat::ui {

// Printable characters are their code points; the rest are above the Unicode range.
namespace key {
constexpr int kBase = 0x110000;
enum : int {
    F1 = kBase + 1,
    F2,
    F3,
    F4,
    F5,
    F6,
    F7,
    F8,
    F9,
    F10,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Backspace,
    Delete,
    Enter,
    Tab,
    Escape,
    PasteStart,
    PasteEnd,
    Resize,
    // Alt (Meta) with a digit, as ESC then the digit.
    Alt1,
    Alt9 = Alt1 + 8,
};
constexpr int ctrl(char c) { return c & 0x1f; }
}  // namespace key

// One key as the front end reads it.
struct Key {
    int code = 0;      // a key:: code, or 0 for text
    std::string text;  // UTF-8 for printable input
};

enum class Action {
    Help,
    AcceptRing,
    IgnoreRing,
    NextRing,
    ScrollUp,
    ScrollDown,
    ScrollTop,
    ScrollBottom,
    PastChats,
    Canned,
    EndChat,
    Quit,
    Send,
    TakeBack,
    // The chat panes.
    NextPane,
    PrevPane,
    FocusPane,  // Alt-1 to Alt-9: the pane of that number
    Layout,     // stacked or side by side
    // The shift (nlchat-protocol(7), THE SHIFT), when the server offers it.
    Away,          // away or back
    Support,       // ask for support in the chat in focus (again: end it)
    Handover,      // hand the chat in focus over (while one is open: cancel it)
    EndReadAlong,  // end the read-along: a supporter's in my chat, or mine in a read-along pane
    Board,         // the supervisor's board
    // Editing the input line.
    Left,
    Right,
    Home,
    End,
    Backspace,
    Delete,
    KillToEnd,
    KillToStart,
    KillWord,
    HistoryUp,
    HistoryDown,
};

struct Binding {
    int key;
    const char* key_name;  // as shown in the help
    Action action;
    const char* help;
    // A key of the shift: the help lists it only when the server offers the shift, so
    // that nlchat on any other server looks as it always did.
    bool shift = false;
};

const std::vector<Binding>& key_bindings();

// The action bound to `code`, if any.
std::optional<Action> action_for(int code);

}  // namespace nlchat::ui
