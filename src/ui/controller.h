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
#pragma once

#include <optional>
#include <string>

#include "core/client/client_session.h"
#include "ui/input_line.h"
#include "ui/keymap.h"
#include "ui/screen.h"

namespace nlchat::ui {

enum class Mode { Normal, Pasting, Help, Canned, Question };
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

    // One key, at `now`. `page` is how many chat rows a PgUp/PgDn moves.
    Intents key(const Key& k, const Now& now, int page);
    // A question comes from outside the keys (the session asks to trust a server key).
    void ask(UiState::Prompt prompt) { ui_.prompt = prompt; }

    Mode mode() const;
    UiState& ui() { return ui_; }
    const UiState& ui() const { return ui_; }
    const InputLine& input() const { return input_; }

private:
    void paste_key(const Key& k);
    void canned_key(const Key& k);
    Intents question_key(const Key& k, const Now& now);
    Intents action(Action action, const Now& now, int page);
    Intents answer(bool yes, const Now& now);
    // The panes in order: the open chats, then the earlier chat on view. Focus moves
    // between them; the scroll starts at the bottom of the pane that takes it.
    std::size_t pane_count() const;
    std::size_t focused_pane() const;
    void focus_pane(std::size_t index);

    ClientSession& session_;
    UiState ui_;
    InputLine input_;
    int pane_key_ = 0;                 // the key being handled (which Alt digit)
    std::optional<double> escape_at_;  // Esc pressed, maybe the start of Alt-digit
    bool pasting_ = false;
    std::string paste_;
};

}  // namespace nlchat::ui
