// SPDX-License-Identifier: GPL-3.0-or-later
// The terminal, through ncurses: the only code in nlchat that includes <curses.h>.
// It is a Surface for the views, turns curses key codes into ours (ui/keymap.h), and
// does the things only a terminal can: the bell, desktop notifications (OSC 9 and 777,
// wrapped so they pass through tmux), bracketed paste, resizing.
#pragma once

#include <string>
#include <vector>

#include "ui/keymap.h"
#include "ui/surface.h"

namespace nlchat::ui {

class Terminal : public Surface {
public:
    // initscr and friends; colours unless NO_COLOR is set or unsupported. The character
    // handling follows the locale; when its character set is not UTF-8, C.UTF-8 is used
    // where the system has it, and ASCII (ui/ascii.h) where it has none or `force_ascii`.
    explicit Terminal(bool force_ascii = false);
    ~Terminal() override;
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    int width() const override;
    int height() const override;
    void clear() override;
    int put(int y, int x, std::string_view text, Style style) override;
    void fill(int y, int x, Style style) override;
    void cursor(int y, int x) override;
    int vertical_line(int y, int x, Style style) override;

    // True when only ASCII is shown (no UTF-8 locale, or asked for).
    bool ascii() const { return ascii_; }
    // What the operator should be told once about the locale, or "" when all is well.
    const std::string& locale_note() const { return locale_note_; }

    // Sends what was drawn to the screen (one doupdate).
    void present();
    // Re-reads the window size after SIGWINCH.
    void resize();
    // Every key waiting, translated; printable text comes as UTF-8 in `text` keys.
    using Key = ui::Key;
    std::vector<Key> read_keys();

    void bell();
    void notify(const std::string& title, const std::string& body);

    // Leaves curses mode (also done by the destructor).
    void end();

private:
    bool ended_ = false;
    bool colour_ = false;
    bool ascii_ = false;
    std::string locale_note_;
    int cursor_y_ = -1, cursor_x_ = 0;
};

}  // namespace nlchat::ui
