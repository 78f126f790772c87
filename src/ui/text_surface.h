// SPDX-License-Identifier: GPL-3.0-or-later
// A Surface kept in memory as text: what the tests draw views into and compare with
// golden screens (tests/ui/golden/). Styles are not kept, only characters.
#pragma once

#include <string>
#include <vector>

#include "ui/surface.h"

namespace nlchat::ui {

class TextSurface : public Surface {
public:
    // With `ascii`, text is shown as on a terminal that cannot show UTF-8 (ui/ascii.h).
    TextSurface(int width, int height, bool ascii = false);
    int width() const override { return width_; }
    int height() const override { return height_; }
    void clear() override;
    int put(int y, int x, std::string_view text, Style style = Style::Normal) override;
    void fill(int y, int x, Style style) override;
    void cursor(int, int) override {}  // golden screens hold characters only
    // The line a terminal draws, as the box-drawing character, in either mode.
    int vertical_line(int y, int x, Style style) override;

    // The screen as lines (trailing spaces removed), joined with '\n'.
    std::string text() const;
    // What one cell shows ("" for the right half of a wide character, or off the screen).
    std::string cell(int y, int x) const;

private:
    size_t index(int y, int x) const {
        return static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x);
    }
    std::string& at(int y, int x) { return cells_[index(y, x)]; }
    const std::string& at(int y, int x) const { return cells_[index(y, x)]; }

    int width_, height_;
    bool ascii_;
    // Row by row; "" marks the right half of a wide cell. Cleared in place: the fuzzer
    // draws a whole screen after every step.
    std::vector<std::string> cells_;
};

}  // namespace nlchat::ui
