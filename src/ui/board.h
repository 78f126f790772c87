// SPDX-License-Identifier: GPL-3.0-or-later
// The shift's board (nlchat-protocol(7), THE SHIFT), for a supervisor: drawn over the chat
// panes while it is open (Ctrl-G), from the last `board` the server sent, its ages moved
// on by the time since it came (so they tick between boards):
//
//   SHIFT BOARD  (Ctrl-G or Esc closes; as of 0:12 ago)
//   OPERATORS (2)
//     Alice         supervisor  available   1 chat    0:12:00
//     Bob           operator    away        0 chats   0:05:00
//   RINGS WAITING (1)
//     ring 12  Web  0:45
//   SUPPORT (1)
//     chat 12  from Bob  0:30  read by Alice
//   rung 5 · answered 4 · missed 1 · hand-overs 0 · support 1
#pragma once

#include "core/client/client_session.h"
#include "ui/surface.h"

namespace nlchat::ui {

void draw_board(Surface& s, const ShiftModel& shift, bool ascii, const Now& now, int top, int bottom, int left,
                int width);

}  // namespace nlchat::ui
