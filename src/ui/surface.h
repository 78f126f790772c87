// SPDX-License-Identifier: GPL-3.0-or-later
// Where views draw: a grid of cells with a handful of styles. The ncurses front end
// (terminal.cpp) and the text surface the tests compare with golden screens both
// implement it, so every view is tested without a terminal.
#pragma once

#include <string_view>

namespace nlchat::ui {

enum class Style { Normal, Bar, Bold, Dim, Alert, Me, Caller, Note, Selected };

class Surface {
public:
    virtual ~Surface() = default;
    virtual int width() const = 0;
    virtual int height() const = 0;
    virtual void clear() = 0;
    // Writes text from column x of row y, clipped at the right edge; returns the column
    // after the last cell written. Text must already be safe (see text_width.h).
    virtual int put(int y, int x, std::string_view text, Style style = Style::Normal) = 0;
    // Fills the rest of row y from column x with spaces in `style`.
    virtual void fill(int y, int x, Style style) = 0;
    // One cell of vertical line at (y, x); returns x + 1. Without UTF-8 the terminal draws
    // it with its own line-drawing characters.
    virtual int vertical_line(int y, int x, Style style) { return put(y, x, "\xe2\x94\x82", style); }
    // Where the terminal cursor should rest (the input line), or hidden when y < 0.
    virtual void cursor(int y, int x) = 0;
};

}  // namespace nlchat::ui
