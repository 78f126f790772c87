// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/text_width.h"

#include <utf8proc.h>

namespace nlchat::ui {

std::vector<Grapheme> graphemes(std::string_view utf8) {
    std::vector<Grapheme> out;
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
    utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(utf8.size());
    utf8proc_int32_t previous = -1;
    utf8proc_int32_t state = 0;
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
        std::string bytes;
        if (n < 0) {
            cp = 0xfffd;  // invalid UTF-8: one replacement character per bad byte
            n = 1;
            bytes = "\xef\xbf\xbd";
        } else {
            bytes.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
        }
        bool control = cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
        if (control) {
            out.push_back({"?", 1, static_cast<size_t>(n)});
            previous = -1;
            state = 0;
        } else if (previous >= 0 && !out.empty() && !utf8proc_grapheme_break_stateful(previous, cp, &state)) {
            // Part of the previous cluster (a combining mark, a joiner, a variation
            // selector). VS16 turns a narrow symbol into a wide emoji.
            out.back().text += bytes;
            out.back().source_bytes += static_cast<size_t>(n);
            if (cp == 0xfe0f) out.back().width = 2;
        } else {
            int w = utf8proc_charwidth(cp);
            out.push_back({bytes, w < 0 ? 1 : w, static_cast<size_t>(n)});
        }
        if (!control) previous = cp;
        p += n;
        left -= n;
    }
    return out;
}

int display_width(std::string_view utf8) {
    int w = 0;
    for (const auto& g : graphemes(utf8)) w += g.width;
    return w;
}

std::string fit(std::string_view text, int width) {
    std::string out;
    int used = 0;
    for (const auto& g : graphemes(text)) {
        if (used + g.width > width) break;
        out += g.text;
        used += g.width;
    }
    return out;
}

std::vector<std::string> wrap(std::string_view text, int width) {
    std::vector<std::string> lines;
    if (width < 1) width = 1;
    size_t start = 0;
    while (true) {
        size_t nl = text.find('\n', start);
        std::string_view para = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        std::vector<Grapheme> gs = graphemes(para);
        std::string line;
        int used = 0;
        auto flush = [&] {
            while (!line.empty() && line.back() == ' ') line.pop_back();
            lines.push_back(line);
            line.clear();
            used = 0;
        };
        size_t i = 0;
        while (i < gs.size()) {
            // The next word (up to and including the spaces after it).
            size_t j = i;
            int word = 0;
            while (j < gs.size() && gs[j].text != " ") word += gs[j++].width;
            int spaces = 0;
            while (j < gs.size() && gs[j].text == " ") ++spaces, ++j;
            if (used > 0 && used + word > width) flush();
            for (size_t k = i; k < j; ++k) {
                if (gs[k].text == " " && used >= width) continue;  // spaces at a break vanish
                if (used + gs[k].width > width) flush();           // a word longer than the line: cut it
                line += gs[k].text;
                used += gs[k].width;
            }
            i = j;
        }
        flush();
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return lines;
}

}  // namespace nlchat::ui
