// SPDX-License-Identifier: GPL-3.0-or-later
// The whole nlchat screen, drawn from the session's model and the UI's own state:
//
//   row 0        status bar: link state and age of the server's last word, services,
//                own short fingerprint, number of waiting rings
//   left panel   the ring queue (oldest first, with countdowns) and this run's earlier chats
//   right side   the chat panes (ui/chat_panes.h): one per open chat, and an earlier chat
//                (read-only) beside them when one is opened with F5; each with a title
//                (focus mark, number, ring, since, unread count), the caller's state, then
//                the lines, wrapped by display width; the pane in focus scrolls with
//                PgUp/PgDn. Stacked by default, side by side with F4; where they would be
//                too small (60x16) they fold into tabs, the pane in focus shown below them
//   row h-2      a notice, or the question being asked (end the chat? quit?)
//   row h-1      the input line
//
// Any size from 60x16 up gives every part room; smaller sizes clip but never overlap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/client/client_session.h"
#include "ui/input_line.h"
#include "ui/surface.h"

namespace nlchat::ui {

struct UiState {
    // HandoverTo and HandoverNote read a line (Mode::Entry); the others y or n.
    enum class Prompt { None, EndChat, Quit, TrustServer, Paste, EndSupport, CancelHandover, HandoverTo, HandoverNote };
    Prompt prompt = Prompt::None;
    bool help = false;
    // The ring Tab chose, by id; none (or one no longer waiting) means the oldest.
    std::optional<std::int64_t> selected_ring;
    // ...or the request for support or hand-over it chose (kind, chat id), which wins.
    std::optional<std::pair<ShiftOffer::Kind, std::int64_t>> selected_offer;
    bool board = false;                 // the shift's board is shown (supervisors, Ctrl-G)
    std::uint64_t readalong_focus = 0;  // a read-along's pane has the focus (its serial)
    int scroll = 0;                     // chat lines above the bottom, in the pane in focus
    // Written by draw_screen, which otherwise only reads the state: what the key handler
    // needs to know of the last draw. How far the pane in focus could scroll (`scroll` is
    // kept within it, so that PgDn after Ctrl-T, or PgUp pressed past the start, moves at
    // once) and how many lines of chat it showed (PgUp and PgDn move by that, less one).
    mutable int max_scroll = 0;
    mutable int pane_rows = 0;
    // Where the focus mark was drawn, and on which pane: what the fuzzer holds against
    // the pane the controller sends typed lines to. No pane: row -1.
    struct FocusMark {
        int row = -1, col = -1;
        std::uint64_t serial = 0;  // the chat's; 0 for the earlier chat
        bool read_only = false;
        int number = 0;
        int tab_col = -1;  // folded into tabs: where its tab ("[3]") starts, on the row above
    };
    mutable FocusMark focus_mark;
    std::optional<std::size_t> past;  // an earlier chat on view, in a pane of its own
    bool past_focus = false;          // ...and it has the focus (else the session's chat has)
    bool side_by_side = false;        // panes side by side rather than stacked
    // Where each pane not in focus was left scrolled (by chat serial; 0: the earlier chat),
    // so that moving the focus away and back keeps the place; `scroll` is the focused one's.
    std::map<std::uint64_t, int> pane_scroll;
    std::string fingerprint;         // own key's, shown shortened
    std::string message;             // feedback for the last key, cleared on the next
    std::string paste;               // a multi-line paste waiting for its confirm...
    std::uint64_t paste_chat = 0;    // ...and the chat (serial) it was pasted in
    bool ascii = false;              // the terminal shows ASCII only (ui/ascii.h)
    std::string protocol;            // "v1" or "v2" once the link has joined
    std::vector<std::string> notes;  // said once at start; shown while no chat is open

    // Canned responses (title, text), and the picker over them.
    std::vector<std::pair<std::string, std::string>> canned;
    bool canned_open = false;
    std::size_t canned_selected = 0;
};

// The status bar shows the age of the server's last word once it is this old (seconds):
// a healthy link, probed every 7 s, shows none, and an idle nlchat need not redraw.
constexpr double kAgeShownAfter = 10;

// Draws everything; returns true when a countdown is on screen (redraw each second).
bool draw_screen(Surface& s, const ClientSession& session, const UiState& ui, const InputLine& input, const Now& now);

// "0:45" style countdown; "1:02:03" past an hour.
std::string format_seconds(double seconds);
// The ring F2 takes and F3 ignores: the one Tab chose while it waits, else the oldest (0).
std::size_t selected_ring_index(const ClientSession& session, const UiState& ui);
// The request or hand-over (index in the shift's offers) F2 takes instead, when Tab chose
// one, or when there is no ring.
std::optional<std::size_t> selected_offer_index(const ClientSession& session, const UiState& ui);
// "21:40": the local time of day of a wall-clock time.
std::string clock_time(double wall);

}  // namespace nlchat::ui
