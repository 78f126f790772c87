// SPDX-License-Identifier: GPL-3.0-or-later
// What nlchat knows of the shift (nlchat-protocol(7), THE SHIFT): who the operator is on
// it and whether away, the requests for support and the hand-overs offered to it (shown
// in the ring queue), the chats it reads along in, where its own requests and hand-overs
// stand, and the supervisor's board. ClientSession keeps one (client_session_shift.cpp
// feeds it from the server's commands and the operator's keys); the screen reads it.
//
// Everything here is what the server said, never a guess: away is what the last `shift`
// said, a request is asked only once `support_state` says so. Ages are the server's, plus
// the time since it said them, so they tick between boards without a word from it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/codec/shift_commands.h"

namespace nlchat {

struct Chat;  // client_session.h

// A request for support or a hand-over offered to this operator: an entry of the ring queue.
struct ShiftOffer {
    enum class Kind { Support, Handover };
    Kind kind = Kind::Support;
    std::int64_t chat = 0;
    std::string from;                  // who asks, or hands over
    std::string note;                  // the hand-over's note
    std::string service;               // the hand-over's caller's service
    double born = 0;                   // monotonic time at which the chat's age was 0
    std::optional<double> expires_at;  // a hand-over's, monotonic
    bool accepting = false;            // we answered it (support_accept, handover_accept)
};

// Where this operator's own request for support in one of its chats stands, or its
// hand-over (by chat id). `state` is the server's word; "sending" until it has spoken.
struct SupportAsk {
    std::string state;  // "sending", "asked", "reading"
    std::string by;
    std::int64_t seen_by = 0;
};
struct HandoverAsk {
    std::string state;  // "sending", "offered"
    std::optional<std::string> to;
    std::int64_t seen_by = 0;
};

class ShiftModel {
public:
    // ---- the offer and the operator ----------------------------------------------
    // The server offered the shift on this link (its status said so)...
    bool offered = false;
    // ...and we took it (sent `shift`) on this link.
    bool hello_sent = false;
    // Its answer came on this link: the shift's keys work.
    bool active = false;
    // Its answer came at least once in this run (the status bar keeps showing away).
    bool known = false;
    std::string name, role;
    bool away = false;
    double away_since = 0;  // monotonic, while away

    bool supervisor() const { return role == "supervisor"; }

    // ---- the ring queue's other entries ----------------------------------------------
    std::vector<ShiftOffer> offers;  // oldest first
    std::vector<ShiftOffer>::iterator find_offer(ShiftOffer::Kind kind, std::int64_t chat);

    // ---- this operator's own chats (by chat id) --------------------------------------
    std::map<std::int64_t, SupportAsk> support;
    std::map<std::int64_t, HandoverAsk> handovers;

    // ---- the board -----------------------------------------------------------------
    std::optional<BoardCommand> board;
    double board_at = 0;  // monotonic, when it came
    // An age of the board, as it stands at `mono`.
    double board_age(std::int64_t age, double mono) const { return static_cast<double>(age) + (mono - board_at); }
};

// The chat's state of the shift as the pane's state row says it ("support: asked (shown
// to 2)", "hand-over: offered to Bob"); empty with nothing going on.
std::string support_text(const SupportAsk& ask);
std::string handover_text(const HandoverAsk& ask);
// "12 min", "45 s", "2 h 5 min": an age as the queue and the board say it.
std::string age_text(double seconds);
// A failed hand-over's reason, or an ended request's, as the server gave it, in words.
std::string reason_text(const std::optional<std::string>& reason);

}  // namespace nlchat
