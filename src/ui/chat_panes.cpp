// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/chat_panes.h"

#include <algorithm>

#include "ui/ascii.h"
#include "ui/panes.h"
#include "ui/text_width.h"

namespace nlchat::ui {
namespace {

std::string caller_state_text(const std::string& state, const Glyphs& g) {
    if (state == "typing") return std::string("caller is typing") + g.ellipsis;
    if (state == "idle") return "caller is idle";
    if (state == "paused") return "caller paused";
    if (state == "inactive") return "caller is away";
    if (state == "gone") return "caller left the chat";
    if (state == "no_state") return "(this service shows no typing)";
    return state;
}

// A pane's title: "▶ 2 Chat · Web · ring 12 · since 21:40 · 3 new". Too long for the pane,
// it loses whole parts, the least needed first, so that no word is cut: the service, since
// when, the ring, the count of new lines; then the earlier chat's kind is said shorter.
// The mark and the number always stay, at its start.
std::string pane_title(const PaneRef& pane, bool ascii, int width) {
    const Glyphs& g = glyphs(ascii);
    const Chat& chat = *pane.chat;
    struct Part {
        std::string text;
        int drop;  // the order parts go in when the title is too long; 0 never
    };
    std::vector<Part> parts;
    if (!chat.service.empty()) parts.push_back({chat.service, 1});
    if (!chat.handed_from.empty()) parts.push_back({"from " + chat.handed_from, 1});
    if (chat.ring_id) parts.push_back({"ring " + std::to_string(*chat.ring_id), 3});
    parts.push_back({"since " + clock_time(chat.started_wall), 2});
    if (chat.unread > 0 && !pane.focused) parts.push_back({std::to_string(chat.unread) + " new", 4});
    const std::string lead =
        (pane.focused ? std::string(g.pointer) : std::string(" ")) + " " + std::to_string(pane.number) + " ";
    const std::string dot = std::string(" ") + g.dot + " ";
    auto join = [&](const std::string& kind) {
        std::string out = lead + kind;
        for (const auto& p : parts) out += dot + p.text;
        return out;
    };
    std::string kind = pane.readalong           ? "Reading along: " + pane.operator_name + "'s chat (whispers only)"
                       : pane.read_only         ? "Earlier chat (read-only)"
                       : chat.handed_to.empty() ? "Chat"
                                                : "Chat (handed over to " + chat.handed_to + ")";
    for (int drop = 1; drop <= 4 && display_width(join(kind)) > width; ++drop)
        parts.erase(std::remove_if(parts.begin(), parts.end(), [drop](const Part& p) { return p.drop == drop; }),
                    parts.end());
    if (pane.readalong && display_width(join(kind)) > width) kind = "Reading along";
    if (pane.read_only && display_width(join(kind)) > width) kind = pane.readalong ? "read-along" : "read-only";
    return fit(join(kind), width);
}

// How far down the pane in focus is scrolled, as long as there is room for: "↓ 12 more
// lines (PgDn)", "↓ 12 more", "↓12".
std::string more_lines(int scroll, bool ascii, int room) {
    const std::string n = std::to_string(scroll), down = glyphs(ascii).down;
    for (const std::string& text : {down + " " + n + " more lines (PgDn)", down + " " + n + " more", down + n})
        if (display_width(text) <= room) return text;
    return "";
}

// One pane: the title, the caller's state (and, scrolled, how far), then the lines.
void draw_pane(Surface& s, const PaneRef& pane, const UiState& ui, int top, int bottom, int left, int width) {
    const Chat* chat = pane.chat;
    const std::string dot = std::string(" ") + glyphs(ui.ascii).dot + " ";
    s.put(top, left, pane_title(pane, ui.ascii, width), pane.focused ? Style::Selected : Style::Bold);
    if (pane.focused) {
        // The mark is the title's first cell.
        ui.focus_mark = {top, left, pane.serial, pane.read_only, pane.number};
        ui.pane_rows = std::max(0, bottom - (top + 2));
    }
    if (bottom - top < 3) {
        if (pane.focused) ui.max_scroll = 0;
        return;
    }
    std::string state;
    if (!chat->handed_to.empty()) state = "handed over to " + chat->handed_to;
    else if (!chat->caller_state.empty()) state = caller_state_text(chat->caller_state, glyphs(ui.ascii));
    else if (chat->ended && !pane.readalong) state = "chat ended";
    if (!pane.shift_state.empty()) state += (state.empty() ? "" : dot) + pane.shift_state;
    s.put(top + 1, left, fit(state, width), Style::Dim);

    // Lay out every line, then show the window that ends `scroll` lines above the bottom.
    struct Row {
        std::string text;
        Style style;
    };
    std::vector<Row> rows;
    const int indent = 13;  // "12:34 Caller " is 13 columns
    for (const auto& line : chat->lines) {
        const char* who = "--";
        Style style = Style::Note;
        std::string text = line.text;
        switch (line.who) {
        case ChatLine::Who::Caller: who = "Caller", style = Style::Caller; break;
        case ChatLine::Who::Me:
            who = "You", style = Style::Me;
            if (line.whisper) text = "[whisper to " + pane.operator_name + "] " + text;
            break;
        // A supporter's words: to this operator alone, never the caller's.
        case ChatLine::Who::Whisper:
            who = "Helper", style = Style::Bold, text = "[support: " + line.name + "] " + text;
            break;
        case ChatLine::Who::Operator: who = "Op", style = Style::Me; break;
        case ChatLine::Who::Previous: who = "Prev", style = Style::Me; break;
        case ChatLine::Who::Note: break;
        }
        // History (before this operator had the chat, or read along) has no time of its own.
        std::string prefix = (line.before ? std::string("prior") : clock_time(line.wall)) + " " + who;
        prefix.resize(indent, ' ');
        // Each own line says after its words what became of it. "sent" is all a 2015
        // server lets nlchat know: written to the server, which acknowledges nothing;
        // with the v2 session "delivered" means the server acknowledged it.
        if (line.who == ChatLine::Who::Me && line.fate == ChatLine::Fate::Sent) text += dot + "sent";
        else if (line.fate == ChatLine::Fate::Delivered) text += dot + "delivered";
        else if (line.fate == ChatLine::Fate::Waiting) text += "  [waiting for the link]";
        else if (line.fate == ChatLine::Fate::NotDelivered) text += "  [NOT DELIVERED: " + line.why + "]";
        auto wrapped = wrap(text, std::max(1, width - indent));
        for (size_t i = 0; i < wrapped.size(); ++i)
            rows.push_back({(i == 0 ? prefix : std::string(indent, ' ')) + wrapped[i], style});
    }
    const int area = bottom - (top + 2);
    const int max_scroll = std::max(0, static_cast<int>(rows.size()) - area);
    // Only the pane in focus scrolls by key; the others stay where they were left.
    int left_at = 0;
    if (auto it = ui.pane_scroll.find(pane.serial); it != ui.pane_scroll.end()) left_at = it->second;
    if (pane.focused) ui.max_scroll = max_scroll;
    const int scroll = std::clamp(pane.focused ? ui.scroll : left_at, 0, max_scroll);
    const int first = std::max(0, static_cast<int>(rows.size()) - area - scroll);
    for (int y = top + 2, i = first; y < bottom && i < static_cast<int>(rows.size()); ++y, ++i)
        s.put(y, left, rows[i].text, rows[i].style);
    // How far it is scrolled goes on the state row, right of the caller's state, so that
    // it covers none of the lines (the one that stays in view from the page before is
    // the bottom one).
    if (scroll > 0) {
        std::string more = more_lines(scroll, ui.ascii, width - display_width(state) - 1);
        s.put(top + 1, left + width - display_width(more), more, Style::Bold);
    }
}

struct Tab {
    std::string text;  // with its space either side
    Style style;
};

// The tab for each pane: "[2]" for the one in focus; " 3 (4 new) " for the others, or
// " 3+4 " when `short_labels`.
Tab tab_for(const PaneRef& p, bool short_labels) {
    std::string label = std::to_string(p.number) + (p.readalong ? " read" : p.read_only ? " earlier" : "");
    if (p.chat->unread > 0 && !p.focused)
        label += short_labels ? "+" + std::to_string(p.chat->unread) : " (" + std::to_string(p.chat->unread) + " new)";
    if (p.focused) return {"[" + label + "]", Style::Selected};
    return {" " + label + " ", p.chat->unread > 0 ? Style::Alert : Style::Normal};
}

// The row of tabs. All of them if they fit, with short labels if that makes them fit;
// else as many as fit around the one in focus, which is always among them, with « and »
// (< and > in ASCII) saying that more are off to that side (in the alert style when one
// of those has new lines).
// Returns the column where the tab in focus starts.
int draw_tabs(Surface& s, const std::vector<PaneRef>& panes, std::size_t focus, bool ascii, int y, int left,
              int width) {
    int tab_col = left;
    auto tabs_of = [&panes](bool short_labels) {
        std::vector<Tab> tabs;
        tabs.reserve(panes.size());
        for (const auto& p : panes) tabs.push_back(tab_for(p, short_labels));
        return tabs;
    };
    auto span = [](const std::vector<Tab>& tabs, std::size_t first, std::size_t last) {
        int w = 0;
        for (std::size_t i = first; i <= last; ++i) w += display_width(tabs[i].text) + (i < last ? 1 : 0);
        return w;
    };
    std::vector<Tab> tabs = tabs_of(false);
    std::size_t first = 0, last = tabs.size() - 1;
    if (span(tabs, first, last) > width) tabs = tabs_of(true);
    const bool scrolled = span(tabs, first, last) > width;
    if (scrolled) {
        // Room for "« " and " »" either side; the window starts as far left as it can
        // while still reaching the tab in focus, then takes what fits after it.
        const int room = width - 4;
        first = focus;
        while (first > 0 && span(tabs, first - 1, focus) <= room) --first;
        last = focus;
        while (last + 1 < tabs.size() && span(tabs, first, last + 1) <= room) ++last;
    }
    const char* before = ascii ? "<" : "\xc2\xab";
    const char* after = ascii ? ">" : "\xc2\xbb";
    auto unread_in = [&panes](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i)
            if (panes[i].chat->unread > 0 && !panes[i].focused) return true;
        return false;
    };
    int x = left;
    if (scrolled) {
        x = s.put(y, x, first > 0 ? before : " ", unread_in(0, first) ? Style::Alert : Style::Normal);
        x = s.put(y, x, " ", Style::Normal);
    }
    for (std::size_t i = first; i <= last; ++i) {
        // The one in focus is drawn whole even where nothing else fits beside it.
        std::string text = tabs[i].text;
        if (i == focus) {
            text = fit(text, left + width - x);
            tab_col = x;
        }
        x = s.put(y, x, text, tabs[i].style);
        if (i < last) x = s.put(y, x, " ", Style::Normal);
    }
    if (scrolled && last + 1 < tabs.size())
        s.put(y, left + width - 1, after, unread_in(last + 1, tabs.size()) ? Style::Alert : Style::Normal);
    return tab_col;
}

}  // namespace

bool draw_chat_panes(Surface& s, const ClientSession& session, const UiState& ui, int top, int bottom, int left,
                     int width) {
    const std::vector<PaneRef> panes = panes_in_order(session, ui);
    const auto focus = focused_index(panes);
    if (panes.empty() || !focus) return false;
    const int n = static_cast<int>(panes.size());
    const int rows = bottom - top, share_rows = (rows - (n - 1)) / n;
    const int share_cols = (width - (n - 1)) / n;
    const bool fits = n == 1 || (ui.side_by_side ? share_cols >= 24 && rows >= 6 : share_rows >= 5);
    if (!fits) {
        const int tab_col = draw_tabs(s, panes, *focus, ui.ascii, top, left, width);
        draw_pane(s, panes[*focus], ui, top + 1, bottom, left, width);
        ui.focus_mark.tab_col = tab_col;
        return true;
    }
    for (int i = 0; i < n; ++i) {
        const PaneRef& pane = panes[static_cast<std::size_t>(i)];
        if (ui.side_by_side) {
            int x = left + i * (share_cols + 1);
            int w = i == n - 1 ? left + width - x : share_cols;
            if (i > 0) {
                for (int y = top; y < bottom; ++y) s.vertical_line(y, x - 1, Style::Dim);
                ++x, --w;  // a column of space after the line, as after the left panel's
            }
            draw_pane(s, pane, ui, top, bottom, x, w);
        } else {
            int y = top + i * (share_rows + 1);
            int end = i == n - 1 ? bottom : y + share_rows;
            draw_pane(s, pane, ui, y, end, left, width);
        }
    }
    return true;
}

}  // namespace nlchat::ui
