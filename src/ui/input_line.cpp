// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/input_line.h"

#include <algorithm>

#include "ui/text_width.h"

namespace nlchat::ui {

std::vector<size_t> InputLine::boundaries() const {
    std::vector<size_t> out;
    size_t at = 0;
    for (const auto& g : graphemes(text_)) {
        out.push_back(at);
        at += g.source_bytes;
    }
    out.push_back(text_.size());
    return out;
}

void InputLine::insert(const std::string& utf8) {
    text_.insert(cursor_, utf8);
    cursor_ += utf8.size();
}

void InputLine::backspace() {
    auto b = boundaries();
    auto it = std::lower_bound(b.begin(), b.end(), cursor_);
    if (it == b.begin()) return;
    size_t start = *(it - 1);
    text_.erase(start, cursor_ - start);
    cursor_ = start;
}

void InputLine::erase() {
    auto b = boundaries();
    auto it = std::upper_bound(b.begin(), b.end(), cursor_);
    if (it == b.end()) return;
    text_.erase(cursor_, *it - cursor_);
}

void InputLine::left() {
    auto b = boundaries();
    auto it = std::lower_bound(b.begin(), b.end(), cursor_);
    if (it != b.begin()) cursor_ = *(it - 1);
}

void InputLine::right() {
    auto b = boundaries();
    auto it = std::upper_bound(b.begin(), b.end(), cursor_);
    if (it != b.end()) cursor_ = *it;
}

void InputLine::home() { cursor_ = 0; }
void InputLine::end() { cursor_ = text_.size(); }
void InputLine::kill_to_end() { text_.erase(cursor_); }

void InputLine::kill_to_start() {
    text_.erase(0, cursor_);
    cursor_ = 0;
}

void InputLine::kill_word() {
    size_t start = cursor_;
    while (start > 0 && text_[start - 1] == ' ') --start;
    while (start > 0 && text_[start - 1] != ' ') --start;
    text_.erase(start, cursor_ - start);
    cursor_ = start;
}

void InputLine::history_up() {
    if (history_.empty() || history_pos_ == 0) return;
    if (history_pos_ == history_.size()) draft_ = text_;
    set(history_[--history_pos_]);
}

void InputLine::history_down() {
    if (history_pos_ >= history_.size()) return;
    ++history_pos_;
    set(history_pos_ == history_.size() ? draft_ : history_[history_pos_]);
}

std::string InputLine::take() {
    std::string out = std::move(text_);
    text_.clear();
    cursor_ = 0;
    if (!out.empty() && (history_.empty() || history_.back() != out)) history_.push_back(out);
    if (history_.size() > 200) history_.erase(history_.begin());
    history_pos_ = history_.size();
    draft_.clear();
    return out;
}

void InputLine::set(const std::string& text) {
    text_ = text;
    cursor_ = text_.size();
}

std::string InputLine::view(int width, int& cursor_column) const {
    // Scroll horizontally so the cursor stays visible, keeping whole graphemes.
    std::vector<Grapheme> gs = graphemes(text_);
    auto b = boundaries();
    size_t cursor_index = static_cast<size_t>(std::lower_bound(b.begin(), b.end(), cursor_) - b.begin());
    size_t first = 0;
    auto width_between = [&](size_t from, size_t to) {
        int w = 0;
        for (size_t i = from; i < to && i < gs.size(); ++i) w += gs[i].width;
        return w;
    };
    while (first < cursor_index && width_between(first, cursor_index) >= width) ++first;
    std::string out;
    int used = 0;
    for (size_t i = first; i < gs.size() && used + gs[i].width <= width; ++i) {
        out += gs[i].text;
        used += gs[i].width;
    }
    cursor_column = width_between(first, cursor_index);
    return out;
}

}  // namespace nlchat::ui
