// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/panes.h"

#include <algorithm>

#include "ui/screen.h"

namespace nlchat::ui {

std::vector<PaneRef> panes_in_order(const ClientSession& session, const UiState& ui) {
    std::vector<PaneRef> panes;
    const auto& chats = session.chats();
    const auto& reads = session.readalongs();
    const bool past = ui.past && *ui.past < session.past_chats().size();
    const bool read_focus = std::any_of(reads.begin(), reads.end(),
                                        [&ui](const ReadAlong& r) { return r.chat.serial == ui.readalong_focus; });
    // The earlier chat when it was focused last; else the read-along that was; else the
    // session's chat in focus; else the first read-along; else the earlier chat.
    const bool past_focused = past && (ui.past_focus || (chats.empty() && reads.empty()));
    const bool chat_focused = !past_focused && !read_focus && !chats.empty();
    int highest = 0;
    for (std::size_t i = 0; i < chats.size(); ++i) {
        panes.push_back(
            {&chats[i], chats[i].serial, chats[i].pane, false, false, chat_focused && i == session.focus(), "", ""});
        highest = std::max(highest, chats[i].pane);
        if (!chats[i].id || !chats[i].handed_to.empty()) continue;
        const ShiftModel& shift = session.shift();
        std::string& state = panes.back().shift_state;
        if (auto it = shift.support.find(*chats[i].id); it != shift.support.end()) state = support_text(it->second);
        if (auto it = shift.handovers.find(*chats[i].id); it != shift.handovers.end())
            state += (state.empty() ? "" : ", ") + handover_text(it->second);
    }
    for (std::size_t i = 0; i < reads.size(); ++i) {
        const Chat& chat = reads[i].chat;
        const bool focused =
            !past_focused && !chat_focused && (read_focus ? chat.serial == ui.readalong_focus : i == 0);
        panes.push_back({&chat, chat.serial, chat.pane, true, true, focused,
                         chat.ended ? "read-along ended: " + reads[i].reason
                                    : "you read along: what you type goes to " + reads[i].operator_name + " only",
                         reads[i].operator_name});
        highest = std::max(highest, chat.pane);
    }
    std::stable_sort(panes.begin(), panes.end(),
                     [](const PaneRef& a, const PaneRef& b) { return a.number < b.number; });
    if (past) panes.push_back({&session.past_chats()[*ui.past], 0, highest + 1, true, false, past_focused, "", ""});
    return panes;
}

std::optional<std::size_t> focused_index(const std::vector<PaneRef>& panes) {
    for (std::size_t i = 0; i < panes.size(); ++i)
        if (panes[i].focused) return i;
    return std::nullopt;
}

}  // namespace nlchat::ui
