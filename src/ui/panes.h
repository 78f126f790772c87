// SPDX-License-Identifier: GPL-3.0-or-later
// The chat panes as the operator sees them: which there are, in what order, with what
// numbers, and which one has the focus. The screen draws from this list and the
// controller moves the focus along it, so the pane that is marked on screen and the one
// that keys and typed lines go to are worked out in one place.
//
// The open chats come first, in the order of their pane numbers (ClientSession gives
// each chat the lowest free number when it opens and it keeps it while it is open), then
// the read-alongs (THE SHIFT: chats of colleagues this operator reads along in, numbered
// from the same free numbers, where what is typed is whispered), then the earlier chat
// opened with F5, read-only, numbered after the highest of the others.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/client/client_session.h"

namespace nlchat::ui {

struct UiState;

struct PaneRef {
    const Chat* chat = nullptr;
    std::uint64_t serial = 0;  // the open chat's serial; 0 for the earlier chat
    int number = 0;            // what its title shows and Alt-n reaches
    bool read_only = false;    // the earlier chat or a read-along: no msg is ever sent from it
    bool readalong = false;    // a read-along: what is typed there is a whisper to its operator
    bool focused = false;
    // The shift: where the chat's request for support or hand-over stands, or the
    // read-along's; and the read-along's chat's operator. Shown on the pane's state row.
    std::string shift_state;
    std::string operator_name;
};

// Every pane, in the order shown; exactly one is focused when there is any.
std::vector<PaneRef> panes_in_order(const ClientSession& session, const UiState& ui);

// The focused pane's index in `panes`, if there is a pane.
std::optional<std::size_t> focused_index(const std::vector<PaneRef>& panes);

}  // namespace nlchat::ui
