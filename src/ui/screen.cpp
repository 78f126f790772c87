// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/screen.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "ui/ascii.h"
#include "ui/board.h"
#include "ui/chat_panes.h"
#include "ui/keymap.h"
#include "ui/text_width.h"

namespace nlchat::ui {
namespace {

void draw_status(Surface& s, const ClientSession& session, const UiState& ui, const Now& now) {
    s.fill(0, 0, Style::Bar);
    std::string link = link_state_name(session.link());
    double age = now.mono - (session.link() == LinkState::Down ? session.link_changed() : session.last_heard());
    if (session.link() == LinkState::Down) link += " " + format_seconds(age) + ", redialling";
    else if (session.link() == LinkState::Joined || session.link() == LinkState::Silent)
        link += (ui.protocol.empty() ? "" : " " + ui.protocol) +
                (age < kAgeShownAfter ? std::string()
                                      : std::string(" ") + glyphs(ui.ascii).dot + " " + format_seconds(age) + " ago");
    // Separators are lines in the terminal's own characters, so they show in any locale.
    auto separator = [&s](int x) {
        return s.put(0, s.vertical_line(0, s.put(0, x, " ", Style::Bar), Style::Bar), " ", Style::Bar);
    };
    int x = separator(s.put(0, 0, " nlchat", Style::Bar));
    Style link_style = session.link() == LinkState::Joined ? Style::Bar : Style::Alert;
    x = s.put(0, x, link, link_style);
    // Rings come before services: on a narrow screen they are what must not be cut.
    x = separator(x);
    x = s.put(0, x, "rings: " + std::to_string(session.rings().size()),
              session.rings().empty() ? Style::Bar : Style::Alert);
    // The shift: away, for how long (as the server said it, and counted on since).
    if (session.shift().known && session.shift().away)
        x = s.put(0, separator(x), "AWAY for " + format_seconds(now.mono - session.shift().away_since) + " (F9: back)",
                  Style::Alert);
    for (const auto& svc : session.services()) x = s.put(0, separator(x), svc.name + ": " + svc.status, Style::Bar);
    std::string right = "me " + ui.fingerprint.substr(0, std::min<size_t>(ui.fingerprint.size(), 15)) + " ";
    int rx = s.width() - display_width(right);
    if (rx > x + 1) s.put(0, rx, right, Style::Bar);
}

void draw_left(Surface& s, const ClientSession& session, const UiState& ui, const Now& now, int top, int bottom,
               int width) {
    int y = top;
    s.put(y++, 0, fit("RINGS (" + std::to_string(session.rings().size()) + ")", width), Style::Bold);
    const auto& rings = session.rings();
    const auto& offers = session.shift().offers;
    if (rings.empty() && offers.empty()) s.put(y++, 1, fit("none waiting", width - 1), Style::Dim);
    const std::size_t chosen = selected_ring_index(session, ui);
    const std::optional<std::size_t> offer = selected_offer_index(session, ui);
    for (size_t i = 0; i < rings.size() && y < bottom; ++i) {
        const RingEntry& r = rings[i];
        bool selected = !offer && i == chosen;
        std::string line = (selected ? std::string(glyphs(ui.ascii).pointer) + " " : std::string("  ")) + "ring " +
                           std::to_string(r.id) + "  " + format_seconds(r.expires_at - now.mono) +
                           (r.service.empty() ? std::string() : " " + r.service) +
                           (r.accepting ? std::string(" ") + glyphs(ui.ascii).ellipsis : std::string());
        s.put(y++, 0, fit(line, width), selected ? Style::Selected : Style::Alert);
    }
    // Requests for support and hand-overs offered, taken with F2 like a ring.
    for (size_t i = 0; i < offers.size() && y < bottom; ++i) {
        const ShiftOffer& o = offers[i];
        const bool selected = offer == i;
        const std::string lead = selected ? std::string(glyphs(ui.ascii).pointer) + " " : std::string("  ");
        const std::string age = "chat " + age_text(now.mono - o.born) +
                                (o.expires_at ? ", " + format_seconds(*o.expires_at - now.mono) + " left" : "") +
                                (o.accepting ? std::string(" ") + glyphs(ui.ascii).ellipsis : std::string());
        std::vector<std::string> rows;
        if (o.kind == ShiftOffer::Kind::Support) {
            rows = {lead + "SUPPORT " + o.from, "    " + age};
        } else {
            rows = {lead + "HAND-OVER from " + o.from, "    " + (o.note.empty() ? "(no note)" : "\"" + o.note + "\""),
                    "    " + age};
        }
        for (const auto& row : rows)
            if (y < bottom) s.put(y++, 0, fit(row, width), selected ? Style::Selected : Style::Alert);
    }
    if (y + 2 >= bottom) return;
    ++y;
    s.put(y++, 0, fit("EARLIER CHATS (" + std::to_string(session.past_chats().size()) + ")", width), Style::Bold);
    const auto& past = session.past_chats();
    for (size_t i = 0; i < past.size() && y < bottom; ++i) {
        std::string line = (ui.past == i ? std::string(glyphs(ui.ascii).pointer) + " " : std::string("  ")) +
                           clock_time(past[i].started_wall) + " (" + std::to_string(past[i].lines.size()) +
                           (past[i].lines.size() == 1 ? " line)" : " lines)");
        s.put(y++, 0, fit(line, width), ui.past == i ? Style::Selected : Style::Normal);
    }
}

void draw_no_chat(Surface& s, const ClientSession& session, const UiState& ui, int top, int bottom, int left,
                  int width) {
    if (session.link() == LinkState::Replaced) {
        s.put(top, left, fit("Not connected in this terminal.", width), Style::Alert);
        int y = top + 2;
        for (const auto& line : wrap(session.refusal(), width))
            if (y < bottom) s.put(y++, left, line, Style::Alert);
        for (const char* text : {"This terminal stays quiet, so that the two do not fight over the link.",
                                 "F7 takes the link back here (the other terminal is then told). F10 quits."})
            for (const auto& line : wrap(text, width))
                if (++y < bottom) s.put(y, left, line, Style::Dim);
        return;
    }
    if (session.link() == LinkState::Refused || session.link() == LinkState::ServerKeyChanged) {
        s.put(top, left,
              fit(session.link() == LinkState::ServerKeyChanged ? "Not connected: THE SERVER'S KEY CHANGED."
                  : session.declined_trust()                    ? "Not connected: you did not trust the server."
                                                                : "Not connected: the server refused us.",
                  width),
              Style::Alert);
        int y = top + 2;
        for (const auto& line : wrap(session.refusal(), width))
            if (y < bottom) s.put(y++, left, line, Style::Alert);
        if (y + 1 < bottom) s.put(y + 1, left, fit("F10 quits.", width), Style::Dim);
        return;
    }
    s.put(top, left, fit("No chat open.", width), Style::Bold);
    const char* hint = session.rings().empty() ? "Waiting for a caller: rings appear on the left."
                                               : "A caller is waiting: F2 takes the selected ring.";
    int y = top + 2;
    for (const auto& line : wrap(hint, width)) s.put(y++, left, line, Style::Normal);
    s.put(++y, left, fit("F1 lists every key.", width), Style::Dim);
    // Things said once at start (the locale in use, skipped canned files) stay here,
    // where the operator sees them, until a chat opens.
    for (const auto& note : ui.notes) {
        ++y;
        for (const auto& line : wrap(note, width))
            if (++y < bottom) s.put(y, left, line, Style::Note);
    }
}

void draw_help(Surface& s, bool shift) {
    // One line per action, with every key bound to it (the shift's while it is on).
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& b : key_bindings()) {
        if (b.shift && !shift) continue;
        auto same = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.second == b.help; });
        if (same != lines.end()) same->first += std::string(", ") + b.key_name;
        else lines.emplace_back(b.key_name, b.help);
    }
    // Too many for the window (the shift's keys make 30 rows too few): the input line's
    // editing keys, the last in the table and the ones every terminal user knows, share
    // two lines, each key still named.
    const int rows = std::max(1, s.height() - 2 - 3);
    if (static_cast<int>(lines.size()) > rows) {
        std::vector<std::pair<std::string, std::string>> folded;
        std::string keys;
        for (const auto& b : key_bindings()) {
            if (b.shift && !shift) continue;
            if (b.action < Action::Left) {
                auto same =
                    std::find_if(folded.begin(), folded.end(), [&](const auto& l) { return l.second == b.help; });
                if (same != folded.end()) same->first += std::string(", ") + b.key_name;
                else folded.emplace_back(b.key_name, b.help);
            } else {
                keys += (keys.empty() ? "" : " ") + std::string(b.key_name);
            }
        }
        // The keys in two halves, at a space.
        std::size_t cut = keys.rfind(' ', keys.size() / 2 + 8);
        if (cut == std::string::npos) cut = keys.size();
        folded.emplace_back("editing", keys.substr(0, cut));
        if (cut < keys.size()) folded.emplace_back("", keys.substr(cut + 1) + " (nlchat(1), KEYS)");
        lines = std::move(folded);
    }
    std::size_t name_width = 0;  // the widest key list, and a space or two after it
    for (const auto& l : lines) name_width = std::max(name_width, l.first.size() + 2);
    int w = std::min(s.width() - 2, 80);
    int h = std::min(s.height() - 2, static_cast<int>(lines.size()) + 3);
    int x0 = (s.width() - w) / 2, y0 = (s.height() - h) / 2;
    for (int y = y0; y < y0 + h; ++y) {
        s.put(y, x0, std::string(static_cast<size_t>(w), ' '), Style::Bar);
    }
    s.put(y0, x0 + 2, fit("Keys (F1 or Esc closes this)", w - 4), Style::Bar);
    int y = y0 + 2;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (y == y0 + h - 1 && i + 1 < lines.size()) {
            s.put(y, x0 + 2, fit("(a taller window shows " + std::to_string(lines.size() - i) + " more)", w - 4),
                  Style::Bar);
            break;
        }
        std::string name = lines[i].first;
        name.resize(name_width, ' ');
        s.put(y++, x0 + 2, fit(name + lines[i].second, w - 4), Style::Bar);
    }
}

void draw_canned(Surface& s, const UiState& ui) {
    int w = std::min(s.width() - 2, 80);
    int rows = std::min(s.height() - 4, static_cast<int>(ui.canned.size()) + 3);
    int h = std::max(rows, 4);
    int x0 = (s.width() - w) / 2, y0 = (s.height() - h) / 2;
    for (int y = y0; y < y0 + h; ++y) s.put(y, x0, std::string(static_cast<size_t>(w), ' '), Style::Bar);
    s.put(y0, x0 + 2, fit("Canned responses: Up/Down, Enter puts one in the input line, Esc closes", w - 4),
          Style::Bar);
    if (ui.canned.empty()) {
        s.put(y0 + 2, x0 + 2, fit("(none: put .txt files in the canned directory, see nlchat(1))", w - 4), Style::Bar);
        return;
    }
    // Keep the selection in view.
    int visible = h - 3;
    int first = std::max(0, static_cast<int>(ui.canned_selected) - visible + 1);
    for (int i = first, y = y0 + 2; i < static_cast<int>(ui.canned.size()) && y < y0 + h - 1; ++i, ++y) {
        bool sel = static_cast<size_t>(i) == ui.canned_selected;
        std::string preview = ui.canned[i].second;
        std::replace(preview.begin(), preview.end(), '\n', ' ');
        std::string title = ui.canned[i].first;
        std::string line = (sel ? std::string(glyphs(ui.ascii).pointer) + " " : std::string("  ")) + fit(title, 20);
        line += std::string(static_cast<size_t>(std::max(0, 23 - display_width(line))), ' ') + preview;
        s.put(y, x0 + 2, fit(line, w - 4), sel ? Style::Selected : Style::Bar);
    }
}

}  // namespace

std::size_t selected_ring_index(const ClientSession& session, const UiState& ui) {
    const auto& rings = session.rings();
    for (std::size_t i = 0; ui.selected_ring && i < rings.size(); ++i)
        if (rings[i].id == *ui.selected_ring) return i;
    return 0;
}

std::optional<std::size_t> selected_offer_index(const ClientSession& session, const UiState& ui) {
    const auto& offers = session.shift().offers;
    for (std::size_t i = 0; ui.selected_offer && i < offers.size(); ++i)
        if (offers[i].kind == ui.selected_offer->first && offers[i].chat == ui.selected_offer->second) return i;
    if (session.rings().empty() && !offers.empty()) return 0;
    return std::nullopt;
}

std::string clock_time(double wall) {
    std::time_t t = static_cast<std::time_t>(wall);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[8];
    std::strftime(buf, sizeof buf, "%H:%M", &tm);
    return buf;
}

std::string format_seconds(double seconds) {
    long t = std::max(0L, static_cast<long>(std::ceil(seconds)));
    char buf[32];
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
    return buf;
}

bool draw_screen(Surface& s, const ClientSession& session, const UiState& ui, const InputLine& input, const Now& now) {
    s.clear();
    const int h = s.height(), w = s.width();
    if (h < 4 || w < 20) {
        s.put(0, 0, fit("nlchat: window too small", w));
        s.cursor(-1, 0);
        return false;
    }
    draw_status(s, session, ui, now);
    const int left_width = std::clamp(w / 4, 18, 26);
    const int top = 1, bottom = h - 2;
    draw_left(s, session, ui, now, top, bottom, left_width);
    for (int y = top; y < bottom; ++y) s.vertical_line(y, left_width, Style::Dim);
    ui.focus_mark = {};
    ui.pane_rows = 0;
    if (!draw_chat_panes(s, session, ui, top, bottom, left_width + 2, w - left_width - 2)) {
        ui.max_scroll = 0;
        draw_no_chat(s, session, ui, top, bottom, left_width + 2, w - left_width - 2);
    }

    // The notice row: a question, the UI's feedback, or the session's latest notice.
    std::string notice;
    Style style = Style::Alert;
    switch (ui.prompt) {
    case UiState::Prompt::EndChat: notice = "End this chat? y = yes, n = no"; break;
    case UiState::Prompt::Quit: notice = "Quit nlchat? y = yes, n = no"; break;
    case UiState::Prompt::EndSupport: notice = "End the support in this chat? y = yes, n = no"; break;
    case UiState::Prompt::CancelHandover: notice = "Cancel the hand-over of this chat? y = yes, n = no"; break;
    case UiState::Prompt::HandoverTo:
        notice = "Hand this chat over to whom? A colleague's name, or empty for whoever takes it (Enter; Esc: no)";
        break;
    case UiState::Prompt::HandoverNote:
        notice = "A note for the colleague, one line (Enter hands over; Esc: no)";
        break;
    case UiState::Prompt::Paste:
        notice = "Send this " + std::to_string(std::count(ui.paste.begin(), ui.paste.end(), '\n') + 1) +
                 "-line paste as one message? y = yes, n = no";
        break;
    case UiState::Prompt::TrustServer:
        notice = "New server key " +
                 (session.offered_server_key() ? session.offered_server_key()->fingerprint() : std::string("?")) +
                 ". Trust it? y/n";
        break;
    case UiState::Prompt::None:
        style = Style::Note;
        if (session.link() == LinkState::Replaced) {
            notice = session.refusal() + " (F7 takes the link back)";
            style = Style::Alert;
        } else if (session.link() == LinkState::Refused || session.link() == LinkState::ServerKeyChanged) {
            notice = session.refusal();
            style = Style::Alert;
        } else if (!ui.message.empty()) {
            notice = ui.message;
        } else if (!session.notices().empty()) {
            notice = session.notices().back();
        }
    }
    s.put(h - 2, 0, fit(notice, w), style);

    const std::string prompt = "> ";
    int col = 0;
    std::string shown = input.view(w - static_cast<int>(prompt.size()) - 1, col);
    s.put(h - 1, 0, prompt, Style::Bold);
    s.put(h - 1, static_cast<int>(prompt.size()), shown);
    s.cursor(h - 1, static_cast<int>(prompt.size()) + col);

    if (ui.board) draw_board(s, session.shift(), ui.ascii, now, top, bottom, left_width + 2, w - left_width - 2);
    if (ui.canned_open) draw_canned(s, ui);
    if (ui.help) draw_help(s, session.shift_on());
    // Ages and countdowns tick: the rings', the shift's entries', away, the board's.
    const ShiftModel& shift = session.shift();
    return !session.rings().empty() || !shift.offers.empty() || (shift.known && shift.away) || ui.board;
}

}  // namespace nlchat::ui
