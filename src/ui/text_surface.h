// A Surface kept in memory as text: what the tests draw views into and compare with
// golden screens (tests/ui/golden/). Styles are not kept, only characters.
#pragma once

#include <string>
#include <vector>

#include "ui/surface.h"

namespace nlchat::ui {

class TextSurface : public Surface {
public:
    TextSurface(int width, int height);
    int width() const override { return width_; }
    int height() const override { return height_; }
    void clear() override;
    int put(int y, int x, std::string_view text, Style style = Style::Normal) override;
    void fill(int y, int x, Style style) override;
    void cursor(int, int) override {}  // golden screens hold characters only

    // The screen as lines (trailing spaces removed), joined with '\n'.
    std::string text() const;

private:
    int width_, height_;
    std::vector<std::vector<std::string>> cells_;  // "" marks the right half of a wide cell
};

}  // namespace nlchat::ui
