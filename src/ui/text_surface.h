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
    void cursor(int y, int x) override { cursor_y_ = y, cursor_x_ = x; }

    // The screen as lines (trailing spaces removed), joined with '\n'.
    std::string text() const;
    int cursor_y() const { return cursor_y_; }
    int cursor_x() const { return cursor_x_; }

private:
    int width_, height_;
    std::vector<std::vector<std::string>> cells_;  // "" marks the right half of a wide cell
    int cursor_y_ = -1, cursor_x_ = 0;
};

}  // namespace nlchat::ui
