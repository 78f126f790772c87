// SPDX-License-Identifier: GPL-3.0-or-later
// The input line's text and editing: UTF-8 by grapheme (one arrow press moves over one
// visible character, even an emoji with a skin tone), the readline keys operators know
// (Ctrl-A/E/K/U/W), and a history of what was sent, walked with Up and Down.
#pragma once

#include <string>
#include <vector>

namespace nlchat::ui {

class InputLine {
public:
    const std::string& text() const { return text_; }
    size_t cursor() const { return cursor_; }  // a byte offset at a grapheme boundary
    bool empty() const { return text_.empty(); }

    void insert(const std::string& utf8);
    void backspace();
    void erase();  // Delete
    void left();
    void right();
    void home();
    void end();
    void kill_to_end();    // Ctrl-K
    void kill_to_start();  // Ctrl-U
    void kill_word();      // Ctrl-W
    void history_up();
    void history_down();
    // Returns the text and clears the line, remembering it in the history.
    std::string take();
    void set(const std::string& text);

    // The visible part for a field of `width` columns, and the cursor's column in it.
    std::string view(int width, int& cursor_column) const;

private:
    std::vector<size_t> boundaries() const;  // grapheme starts, plus the end

    std::string text_;
    size_t cursor_ = 0;
    std::vector<std::string> history_;
    size_t history_pos_ = 0;  // == history_.size() when not browsing
    std::string draft_;       // what was typed before browsing
};

}  // namespace nlchat::ui
