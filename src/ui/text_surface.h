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

private:
    int width_, height_;
    bool ascii_;
    std::vector<std::vector<std::string>> cells_;  // "" marks the right half of a wide cell
};

}  // namespace nlchat::ui
