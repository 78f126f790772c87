// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/panes.h"

#include <algorithm>

#include "ui/screen.h"

namespace nlchat::ui {

std::vector<PaneRef> panes_in_order(const ClientSession& session, const UiState& ui) {
    std::vector<PaneRef> panes;
    const auto& chats = session.chats();
    const bool past = ui.past && *ui.past < session.past_chats().size();
    const bool past_focused = past && (ui.past_focus || chats.empty());
    int highest = 0;
    for (std::size_t i = 0; i < chats.size(); ++i) {
        panes.push_back({&chats[i], chats[i].serial, chats[i].pane, false, !past_focused && i == session.focus()});
        highest = std::max(highest, chats[i].pane);
    }
    std::stable_sort(panes.begin(), panes.end(),
                     [](const PaneRef& a, const PaneRef& b) { return a.number < b.number; });
    if (past) panes.push_back({&session.past_chats()[*ui.past], 0, highest + 1, true, past_focused});
    return panes;
}

std::optional<std::size_t> focused_index(const std::vector<PaneRef>& panes) {
    for (std::size_t i = 0; i < panes.size(); ++i)
        if (panes[i].focused) return i;
    return std::nullopt;
}

}  // namespace nlchat::ui
