// SPDX-License-Identifier: GPL-3.0-or-later
// The chat panes, drawn in the area right of the ring queue (ui/screen.cpp lays out the
// rest). The panes and their focus come from ui/panes.h; this draws them stacked, side
// by side (F4), or, where a share would be too small to read, as a row of tabs with the
// pane in focus below it.
//
// Whatever the size and the number of chats, the pane in focus is drawn in full and its
// title carries the focus mark (the pointer and its number): a tab row too long for its
// width first shortens its labels, then scrolls, so that the tab in focus is always on
// it. A title too long for its pane drops whole parts (the service first, then since
// when, then the ring) rather than cutting a word. Where the mark went is reported in
// UiState::focus_mark.
#pragma once

#include "core/client/client_session.h"
#include "ui/screen.h"
#include "ui/surface.h"

namespace nlchat::ui {

// Draws every pane in rows top..bottom-1, columns left..left+width-1. With no pane at
// all (no chat open, no earlier chat on view) it draws nothing and returns false.
bool draw_chat_panes(Surface& s, const ClientSession& session, const UiState& ui, int top, int bottom, int left,
                     int width);

}  // namespace nlchat::ui
