// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/text_surface.h"

#include "ui/ascii.h"
#include "ui/text_width.h"

namespace nlchat::ui {

TextSurface::TextSurface(int width, int height, bool ascii) : width_(width), height_(height), ascii_(ascii) { clear(); }

void TextSurface::clear() {
    cells_.assign(static_cast<size_t>(height_), std::vector<std::string>(static_cast<size_t>(width_), " "));
}

int TextSurface::put(int y, int x, std::string_view text, Style) {
    if (y < 0 || y >= height_) return x;
    for (const auto& g : graphemes(text)) {
        if (g.width == 0) {
            if (x > 0) cells_[y][x - 1] += g.text;
            continue;
        }
        if (x < 0 || x + g.width > width_) break;
        if (ascii_ && !is_ascii(g)) {
            for (int i = 0; i < g.width; ++i) cells_[y][x + i] = std::string(1, kAsciiReplacement);
            x += g.width;
            continue;
        }
        cells_[y][x] = g.text;
        if (g.width == 2) cells_[y][x + 1] = "";
        x += g.width;
    }
    return x;
}

int TextSurface::vertical_line(int y, int x, Style) {
    if (y >= 0 && y < height_ && x >= 0 && x < width_) cells_[y][x] = "\xe2\x94\x82";
    return x + 1;
}

void TextSurface::fill(int y, int x, Style) {
    if (y < 0 || y >= height_) return;
    for (int i = std::max(0, x); i < width_; ++i) cells_[y][i] = " ";
}

std::string TextSurface::text() const {
    std::string out;
    for (const auto& row : cells_) {
        std::string line;
        for (const auto& cell : row) line += cell;
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace nlchat::ui
