// SPDX-License-Identifier: GPL-3.0-or-later
// Display width of UTF-8 text, by grapheme cluster, through libutf8proc: an emoji or a
// CJK character takes two columns, a combining accent none. Layout code measures with
// these functions only, so wide characters never break a line or a border.
//
// Text from the network is never trusted with the terminal: control characters (C0,
// DEL, C1, which could carry escape sequences) come out as '?', and invalid UTF-8 as
// U+FFFD.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nlchat::ui {

struct Grapheme {
    std::string text;         // safe to print
    int width = 1;            // 0, 1 or 2 columns
    size_t source_bytes = 0;  // how many bytes of the input it stands for
};

std::vector<Grapheme> graphemes(std::string_view utf8);

int display_width(std::string_view utf8);

// Breaks `text` into lines of at most `width` columns: at '\n', between words where
// possible, inside a word where it is longer than a line.
std::vector<std::string> wrap(std::string_view text, int width);

// The longest prefix of `text` that fits in `width` columns.
std::string fit(std::string_view text, int width);

}  // namespace nlchat::ui
