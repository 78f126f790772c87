// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/text_surface.h"

#include <algorithm>

#include "ui/ascii.h"
#include "ui/text_width.h"

namespace nlchat::ui {

TextSurface::TextSurface(int width, int height, bool ascii)
    : width_(width), height_(height), ascii_(ascii), cells_(static_cast<size_t>(std::max(0, width * height)), " ") {}

void TextSurface::clear() { std::fill(cells_.begin(), cells_.end(), " "); }

int TextSurface::put(int y, int x, std::string_view text, Style) {
    if (y < 0 || y >= height_) return x;
    for (const auto& g : graphemes(text)) {
        if (g.width == 0) {
            if (x > 0) at(y, x - 1) += g.text;
            continue;
        }
        if (x < 0 || x + g.width > width_) break;
        if (ascii_ && !is_ascii(g)) {
            for (int i = 0; i < g.width; ++i) at(y, x + i) = std::string(1, kAsciiReplacement);
            x += g.width;
            continue;
        }
        at(y, x) = g.text;
        if (g.width == 2) at(y, x + 1) = "";
        x += g.width;
    }
    return x;
}

int TextSurface::vertical_line(int y, int x, Style) {
    if (y >= 0 && y < height_ && x >= 0 && x < width_) at(y, x) = "\xe2\x94\x82";
    return x + 1;
}

void TextSurface::fill(int y, int x, Style) {
    if (y < 0 || y >= height_) return;
    for (int i = std::max(0, x); i < width_; ++i) at(y, i) = " ";
}

std::string TextSurface::cell(int y, int x) const {
    if (y < 0 || y >= height_ || x < 0 || x >= width_) return "";
    return at(y, x);
}

std::string TextSurface::text() const {
    std::string out;
    for (int y = 0; y < height_; ++y) {
        std::string line;
        for (int x = 0; x < width_; ++x) line += at(y, x);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace nlchat::ui
