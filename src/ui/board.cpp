// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/board.h"

#include <algorithm>

#include "ui/ascii.h"
#include "ui/screen.h"
#include "ui/text_width.h"

namespace nlchat::ui {
namespace {

// `text` cut or padded to `cols` columns, and a space.
std::string column(const std::string& text, int cols) {
    std::string out = fit(text, cols);
    out += std::string(static_cast<std::size_t>(std::max(0, cols - display_width(out))), ' ');
    return out + " ";
}

}  // namespace

void draw_board(Surface& s, const ShiftModel& shift, bool ascii, const Now& now, int top, int bottom, int left,
                int width) {
    for (int y = top; y < bottom; ++y) s.put(y, left, std::string(static_cast<std::size_t>(width), ' '));
    int y = top;
    auto line = [&](const std::string& text, Style style) {
        if (y < bottom) s.put(y++, left, fit(text, width), style);
    };
    if (!shift.board) {
        line("SHIFT BOARD  (Ctrl-G or Esc closes)", Style::Bold);
        line("waiting for the server's board", Style::Dim);
        return;
    }
    const BoardCommand& b = *shift.board;
    line("SHIFT BOARD  (Ctrl-G or Esc closes; as of " + format_seconds(now.mono - shift.board_at) + " ago)",
         Style::Bold);
    line("OPERATORS (" + std::to_string(b.operators.size()) + ")", Style::Bold);
    for (const auto& op : b.operators)
        line("  " + column(op.name, 13) + column(op.role, 11) + column(op.state, 10) +
                 column(std::to_string(op.chats) + (op.chats == 1 ? " chat" : " chats"), 8) +
                 format_seconds(shift.board_age(op.for_seconds, now.mono)),
             op.state == "away" || op.state == "absent" ? Style::Dim : Style::Normal);
    line("RINGS WAITING (" + std::to_string(b.rings.size()) + ")", Style::Bold);
    for (const auto& r : b.rings)
        line("  ring " + std::to_string(r.id) + "  " + (r.service.empty() ? "" : r.service + "  ") +
                 format_seconds(shift.board_age(r.age, now.mono)),
             Style::Alert);
    line("SUPPORT (" + std::to_string(b.requests.size()) + ")", Style::Bold);
    for (const auto& q : b.requests)
        line("  chat " + std::to_string(q.chat) + "  from " + q.from + "  " +
                 format_seconds(shift.board_age(q.age, now.mono)) + (q.by ? "  read by " + *q.by : "  open"),
             q.by ? Style::Normal : Style::Alert);
    const std::string dot = std::string(" ") + glyphs(ascii).dot + " ";
    line("rung " + std::to_string(b.rung) + dot + "answered " + std::to_string(b.answered) + dot + "missed " +
             std::to_string(b.missed) + dot + "hand-overs " + std::to_string(b.handovers) + dot + "support " +
             std::to_string(b.support),
         Style::Normal);
}

}  // namespace nlchat::ui
