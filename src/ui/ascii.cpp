// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/ascii.h"

namespace nlchat::ui {

const Glyphs& glyphs(bool ascii) {
    static const Glyphs utf8{"\xe2\x80\xa6", "\xe2\x96\xb6", "\xe2\x86\x93", "\xc2\xb7"};
    static const Glyphs plain{"...", ">", "v", "-"};
    return ascii ? plain : utf8;
}

bool is_ascii(const Grapheme& g) {
    for (unsigned char c : g.text)
        if (c < 0x20 || c > 0x7e) return false;
    return !g.text.empty();
}

}  // namespace nlchat::ui
