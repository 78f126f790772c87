// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat on a terminal that cannot show UTF-8 (no UTF-8 locale on the server, or
// --ascii): the screen's own marks come from an ASCII set of glyphs, lines are drawn with
// the terminal's line characters, and a caller's text that ASCII cannot show becomes a
// marked replacement of the same width, so that the operator knows something was written
// there (never raw bytes, which curses would print as escape-like garbage such as "~T").
#pragma once

#include <string_view>

#include "ui/text_width.h"

namespace nlchat::ui {

// The marks the screen draws, in UTF-8 or in ASCII.
struct Glyphs {
    const char* ellipsis;  // "caller is typing…"
    const char* pointer;   // the selected ring or chat
    const char* down;      // "↓ 12 more lines"
    const char* dot;       // separator in the status bar and chat header
};
const Glyphs& glyphs(bool ascii);

// The character a non-ASCII grapheme's cells show in ASCII mode (in reverse video on the
// terminal).
constexpr char kAsciiReplacement = '?';

// True for a grapheme that is printable ASCII.
bool is_ascii(const Grapheme& g);

}  // namespace nlchat::ui
