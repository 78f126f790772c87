#include "ui/terminal.h"

#include <curses.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <climits>
#include <clocale>
#include <cstdlib>
#include <cwchar>

#include "ui/keymap.h"
#include "ui/notification.h"
#include "ui/text_width.h"

namespace nlchat::ui {
namespace {

constexpr int kPasteStart = KEY_MAX + 1;
constexpr int kPasteEnd = KEY_MAX + 2;

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

void write_tty(const std::string& bytes) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    (void)n;
}

}  // namespace

Terminal::Terminal() {
    std::setlocale(LC_ALL, "");
    initscr();
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    if (has_colors() && !std::getenv("NO_COLOR")) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_RED, -1);
        init_pair(2, COLOR_GREEN, -1);
        init_pair(3, COLOR_CYAN, -1);
        init_pair(4, COLOR_YELLOW, -1);
        colour_ = true;
    }
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
        mvaddstr(y, x, g.text.c_str());
        x += g.width;
    }
    attroff(a);
    return x;
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
