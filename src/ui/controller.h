// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat's screen logic as a sans-IO state machine: keys and the time go in; calls on the
// session, the screen's state (UiState, the input line) and intents for the wiring
// (quit, dial again, resize, remember the server's key) come out. No terminal, socket or
// clock is involved, so every mode and key is unit-tested (tests/ui/controller_test.cpp);
// client/app.cpp only feeds it keys and acts on its intents.
//
// The modes are explicit (Mode): a bracketed paste being read, the help overlay, the
// canned-response picker, a question waiting for y or n, or normal typing. Each key is
// taken by the mode in that order of precedence, and only by it.
//
// What is typed goes to the pane marked in focus on screen (ui/panes.h works out both),
// and each chat pane has an input line of its own: a half-typed line stays with its chat
// when the focus moves, and Enter sends it to that chat only. The earlier chat's pane is
// read-only: nothing is typed there, and no caller is told of typing. A question or a
// paste that waits for y or n remembers the chat it is about, so an answer never reaches
// a chat that took the focus meanwhile.
//
// The shift (THE SHIFT) adds a mode that reads a line (Entry: to whom a chat is handed
// over, and the note), the board (Board: its keys are the queue's and Ctrl-G or Esc), and
// the read-along panes: what is typed in one is a whisper to that chat's operator, sent
// by ClientSession::whisper, never a msg; its input line is its own like a chat's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/client/client_session.h"
#include "ui/input_line.h"
#include "ui/keymap.h"
#include "ui/panes.h"
#include "ui/screen.h"

namespace nlchat::ui {

enum class Mode { Normal, Pasting, Help, Canned, Question, Entry, Board };
const char* mode_name(Mode mode);

// What the wiring must do after a key.
struct Intents {
    bool quit = false;          // the operator said yes to quitting
    bool dial = false;          // dial again now (taking the link back from another terminal)
    bool resize = false;        // the terminal changed size
    std::optional<bool> trust;  // the answer to "trust this server key?" (remember it, then tell the session)
};

// Esc, then a digit this soon after it (seconds), is Alt and the digit: terminals and
// tmux send Alt-3 as the two bytes, which may come in two reads.
constexpr double kEscapeDigitSeconds = 1.0;

class Controller {
public:
    explicit Controller(ClientSession& session) : session_(session) {}

    // One key, at `now`. PgUp and PgDn move by the focused pane's height at the last draw.
    Intents key(const Key& k, const Now& now);
    // A question comes from outside the keys (the session asks to trust a server key).
    void ask(UiState::Prompt prompt) { ui_.prompt = prompt; }

    Mode mode() const;
    UiState& ui() { return ui_; }
    const UiState& ui() const { return ui_; }
    // The input line of the pane in focus (an empty one for a read-only pane, or none).
    const InputLine& input() const;
    // The open chat (serial) that what is typed now goes to: the live chat in the pane
    // in focus; 0 when that pane is read-only or there is none.
    std::uint64_t typing_target() const;
    // The read-along (serial) whose operator what is typed now is whispered to: the one in
    // the pane in focus; 0 when that pane is not a read-along.
    std::uint64_t whisper_target() const;
    // Every chat's input line, by chat serial (the fuzzer checks they keep to their chats).
    const std::map<std::uint64_t, InputLine>& drafts() const { return drafts_; }

private:
    void paste_key(const Key& k, const Now& now);
    void canned_key(const Key& k);
    Intents question_key(const Key& k, const Now& now);
    void entry_key(const Key& k, const Now& now);
    Intents board_key(const Key& k, const Now& now);
    // The shift's keys.
    void shift_action(Action action, const Now& now);
    // The queue's keys (F2, F3, Tab): rings, then requests for support and hand-overs.
    void queue_action(Action action, const Now& now);
    Intents action(Action action, const Now& now);
    Intents answer(bool yes, const Now& now);
    // The input line that keys edit now: the focused chat's, or null (nothing to type to,
    // with `ui_.message` saying why when `say`).
    InputLine* draft(bool say);
    void type(const std::string& text, const Now& now);
    void send(const Now& now);
    // Focus moves between the panes in their order on screen (ui/panes.h); each keeps its
    // place in the scroll.
    void focus_pane(const PaneRef& to);
    void focus_number(int number);
    void forget_closed_chats();

    ClientSession& session_;
    UiState ui_;
    std::map<std::uint64_t, InputLine> drafts_;  // by chat serial
    int pane_key_ = 0;                           // the key being handled (which Alt digit)
    std::optional<double> escape_at_;            // Esc pressed, maybe the start of Alt-digit
    std::uint64_t end_chat_ = 0;                 // the chat "End this chat?" asks about
    std::uint64_t shift_chat_ = 0;               // the chat a shift question or entry is about
    InputLine entry_;                            // the line an Entry prompt reads
    std::string handover_to_;                    // the answer to "hand over to whom?"
    bool pasting_ = false;
    std::string paste_;
};

}  // namespace nlchat::ui
