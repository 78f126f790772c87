// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/terminal.h"

#include <curses.h>
#include <langinfo.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <climits>
#include <clocale>
#include <cstdlib>
#include <cwchar>

#include "ui/ascii.h"
#include "ui/keymap.h"
#include "ui/notification.h"
#include "ui/text_width.h"

namespace nlchat::ui {
namespace {

constexpr int kPasteStart = KEY_MAX + 1;
constexpr int kPasteEnd = KEY_MAX + 2;
constexpr int kAlt1 = KEY_MAX + 3;  // to kAlt1 + 8: Alt-1 to Alt-9

// Colour pairs by style; mono terminals and NO_COLOR get attributes only.
attr_t attributes(Style style, bool colour) {
    switch (style) {
    case Style::Normal: return A_NORMAL;
    case Style::Bar: return A_REVERSE;
    case Style::Bold: return A_BOLD;
    case Style::Dim: return A_DIM;
    case Style::Alert: return A_BOLD | (colour ? COLOR_PAIR(1) : A_STANDOUT);
    case Style::Me: return colour ? COLOR_PAIR(2) : A_NORMAL;
    case Style::Caller: return colour ? COLOR_PAIR(3) | A_BOLD : A_BOLD;
    case Style::Note: return colour ? COLOR_PAIR(4) : A_DIM;
    case Style::Selected: return A_REVERSE | A_BOLD;
    }
    return A_NORMAL;
}

bool utf8_codeset() {
    std::string set = nl_langinfo(CODESET);
    return set == "UTF-8" || set == "utf8" || set == "UTF8";
}

void write_tty(const std::string& bytes) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    (void)n;
}

}  // namespace

// Sets the locale from the environment, falling back to C.UTF-8 for characters when the
// environment's is missing or not UTF-8 (a minimal server has generated no locale but C.UTF-8,
// while SSH clients forward LANG=en_GB.UTF-8 and the like). Returns false when no UTF-8
// locale could be had; `note` gets a sentence for the operator when anything was amiss.
bool choose_locale(std::string& note) {
    const char* lang = std::getenv("LC_ALL");
    if (!lang || !*lang) lang = std::getenv("LC_CTYPE");
    if (!lang || !*lang) lang = std::getenv("LANG");
    std::string asked = lang && *lang ? lang : "";
    bool installed = std::setlocale(LC_ALL, "") != nullptr;
    if (utf8_codeset()) return true;
    std::string why = asked.empty() ? "No locale is set (LANG is empty)"
                      : !installed  ? "The locale " + asked + " is not installed on this machine"
                                    : "The locale " + asked + " is not UTF-8";
    for (const char* fallback : {"C.UTF-8", "C.utf8"}) {
        if (std::setlocale(LC_CTYPE, fallback) && utf8_codeset()) {
            note = why +
                   ", so nlchat uses C.UTF-8 for its characters. To set one: LANG=C.UTF-8, or ask the "
                   "server's admin to generate yours (dpkg-reconfigure locales). See LOCALES in nlchat(1).";
            return true;
        }
    }
    note = why +
           " and no UTF-8 locale exists here, so nlchat shows ASCII only: characters it cannot show "
           "appear as a highlighted ?. Ask the server's admin for a UTF-8 locale (see LOCALES in nlchat(1)).";
    return false;
}

Terminal::Terminal(bool force_ascii) {
    ascii_ = !choose_locale(locale_note_) || force_ascii;
    if (force_ascii) {
        // Asked for: curses then treats the terminal as the single-byte one it is.
        std::setlocale(LC_CTYPE, "C");
        locale_note_.clear();
    }
    initscr();
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    // How long a lone Esc waits for the rest of a key's sequence: short, so that Esc is
    // quick, unless the operator set ESCDELAY, as for any curses program (a slow link may
    // need more). Esc then a digit is Alt and the digit even when slower: the controller
    // joins the two (ui/controller.h).
    if (!std::getenv("ESCDELAY")) set_escdelay(25);
    if (has_colors() && !std::getenv("NO_COLOR")) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_RED, -1);
        init_pair(2, COLOR_GREEN, -1);
        init_pair(3, COLOR_CYAN, -1);
        init_pair(4, COLOR_YELLOW, -1);
        colour_ = true;
    }
    // Keys as the common terminals send them, where the terminfo entry does not know them
    // (TERM=linux inside tmux, vt100's four PF keys, xterm-mono, tmux's Home and End):
    // without this their bytes would land in the input line as text such as "OQ" or "[1~".
    static const struct {
        const char* sequence;
        int code;
    } kKnownKeys[] = {
        {"\x1bOP", KEY_F(1)},   {"\x1bOQ", KEY_F(2)},   {"\x1bOR", KEY_F(3)},    {"\x1bOS", KEY_F(4)},
        {"\x1b[11~", KEY_F(1)}, {"\x1b[12~", KEY_F(2)}, {"\x1b[13~", KEY_F(3)},  {"\x1b[14~", KEY_F(4)},
        {"\x1b[[A", KEY_F(1)},  {"\x1b[[B", KEY_F(2)},  {"\x1b[[C", KEY_F(3)},   {"\x1b[[D", KEY_F(4)},
        {"\x1b[[E", KEY_F(5)},  {"\x1b[15~", KEY_F(5)}, {"\x1b[17~", KEY_F(6)},  {"\x1b[18~", KEY_F(7)},
        {"\x1b[19~", KEY_F(8)}, {"\x1b[20~", KEY_F(9)}, {"\x1b[21~", KEY_F(10)}, {"\x1b[1~", KEY_HOME},
        {"\x1b[7~", KEY_HOME},  {"\x1b[H", KEY_HOME},   {"\x1bOH", KEY_HOME},    {"\x1b[4~", KEY_END},
        {"\x1b[8~", KEY_END},   {"\x1b[F", KEY_END},    {"\x1bOF", KEY_END},
    };
    for (const auto& k : kKnownKeys)
        if (key_defined(k.sequence) == 0) define_key(k.sequence, k.code);
    for (int digit = 1; digit <= 9; ++digit) define_key(("\x1b" + std::to_string(digit)).c_str(), kAlt1 + digit - 1);
    define_key("\x1b[200~", kPasteStart);
    define_key("\x1b[201~", kPasteEnd);
    write_tty("\x1b[?2004h");  // bracketed paste on
}

Terminal::~Terminal() { end(); }

void Terminal::end() {
    if (ended_) return;
    ended_ = true;
    write_tty("\x1b[?2004l");
    endwin();
}

int Terminal::width() const { return COLS; }
int Terminal::height() const { return LINES; }
void Terminal::clear() { erase(); }

int Terminal::put(int y, int x, std::string_view text, Style style) {
    if (y < 0 || y >= LINES) return x;
    attr_t a = attributes(style, colour_);
    attron(a);
    for (const auto& g : graphemes(text)) {
        if (g.width == 0) continue;
        if (x < 0 || x + g.width > COLS) break;
        if (ascii_ && !is_ascii(g)) {
            // What ASCII cannot show is marked, cell for cell, never printed as bytes.
            attron(A_REVERSE);
            for (int i = 0; i < g.width; ++i) mvaddch(y, x + i, kAsciiReplacement);
            attroff(A_REVERSE);
            attron(a);
        } else {
            mvaddstr(y, x, g.text.c_str());
        }
        x += g.width;
    }
    attroff(a);
    return x;
}

int Terminal::vertical_line(int y, int x, Style style) {
    // With UTF-8, the box-drawing character itself: some terminals' line-drawing mode
    // (vt100's, under tmux) shows as a letter when curses mixes it with UTF-8. Without,
    // the terminal's own line characters are all there is.
    if (!ascii_) return put(y, x, "\xe2\x94\x82", style);
    if (y < 0 || y >= LINES || x < 0 || x >= COLS) return x + 1;
    mvaddch(y, x, ACS_VLINE | attributes(style, colour_));
    return x + 1;
}

void Terminal::fill(int y, int x, Style style) {
    if (y < 0 || y >= LINES || x >= COLS) return;
    attr_t a = attributes(style, colour_);
    attron(a);
    mvhline(y, x, ' ', COLS - x);
    attroff(a);
}

void Terminal::cursor(int y, int x) { cursor_y_ = y, cursor_x_ = x; }

void Terminal::present() {
    if (cursor_y_ >= 0) {
        curs_set(1);
        move(cursor_y_, cursor_x_);
    } else {
        curs_set(0);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

void Terminal::resize() {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) resizeterm(ws.ws_row, ws.ws_col);
}

std::vector<Terminal::Key> Terminal::read_keys() {
    std::vector<Key> keys;
    wint_t ch;
    int rc;
    while ((rc = get_wch(&ch)) != ERR) {
        if (rc == KEY_CODE_YES) {
            int code = 0;
            switch (ch) {
            case KEY_UP: code = key::Up; break;
            case KEY_DOWN: code = key::Down; break;
            case KEY_LEFT: code = key::Left; break;
            case KEY_RIGHT: code = key::Right; break;
            case KEY_HOME: code = key::Home; break;
            case KEY_END: code = key::End; break;
            case KEY_PPAGE: code = key::PageUp; break;
            case KEY_NPAGE: code = key::PageDown; break;
            case KEY_BACKSPACE: code = key::Backspace; break;
            case KEY_DC: code = key::Delete; break;
            case KEY_ENTER: code = key::Enter; break;
            case KEY_RESIZE: code = key::Resize; break;
            case kPasteStart: code = key::PasteStart; break;
            case kPasteEnd: code = key::PasteEnd; break;
            default:
                if (ch >= KEY_F(1) && ch <= KEY_F(10)) code = key::F1 + static_cast<int>(ch - KEY_F(1));
                else if (ch >= kAlt1 && ch < kAlt1 + 9) code = key::Alt1 + static_cast<int>(ch) - kAlt1;
            }
            if (code) keys.push_back({code, ""});
            continue;
        }
        if (ch == '\r' || ch == '\n') keys.push_back({key::Enter, ""});
        else if (ch == '\t') keys.push_back({key::Tab, ""});
        else if (ch == 127 || ch == 8) keys.push_back({key::Backspace, ""});
        else if (ch == 27) keys.push_back({key::Escape, ""});
        else if (ch < 32) keys.push_back({static_cast<int>(ch), ""});
        else {
            char buf[MB_LEN_MAX];
            std::mbstate_t st{};
            size_t n = std::wcrtomb(buf, static_cast<wchar_t>(ch), &st);
            if (n != static_cast<size_t>(-1)) keys.push_back({0, std::string(buf, n)});
        }
    }
    return keys;
}

void Terminal::bell() { beep(); }

void Terminal::notify(const std::string& title, const std::string& body) {
    write_tty(notification_sequence(title, body, std::getenv("TMUX") != nullptr));
}

}  // namespace nlchat::ui
