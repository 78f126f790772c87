// SPDX-License-Identifier: GPL-3.0-or-later
// The server dispatch's settings: timers, reply texts and bounds, with the defaults that
// nlchatd(8) documents. nlchatd fills it from its options and config file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace nlchat {

// Ring IDs stay below 2^53, so that every JSON reader (JavaScript's numbers too) reads
// them exactly.
constexpr std::int64_t kMaxRingId = std::int64_t(1) << 53;

struct DispatchConfig {
    // Timers, in seconds.
    double probe_after = 7;         // silence before a probe
    double probe_timeout = 3;       // time to answer it before leaving the pool
    double grace = 60;              // how long a dropped operator's chat is kept
    double ring_timeout = 60;       // how long a ring waits for an operator
    double handshake_timeout = 30;  // a connection must join within this
    // One key in two terminals: the newest connection takes the UUID over, at most this
    // many times in this many seconds; past that a new connection is refused.
    std::size_t max_takeovers = 3;
    double takeover_window = 60;
    // Chats one operator may hold at once (--max-chats-per-operator). A client that sends
    // no chat ids (the 2015 protocol) is held to one whatever this says.
    std::size_t max_chats_per_operator = 1;

    // Replies the server sends callers.
    std::string text_ringing = "A listener will be with you shortly...";
    std::string text_all_busy =
        "All our listeners are busy with other callers at the moment. Please stay: one will answer as soon as "
        "they can.";
    std::string text_no_operators = "Sorry, no listeners are available at the moment. Please try again later.";
    std::string text_ring_timed_out = "Sorry, no listeners are currently available to take your call.";
    std::string text_client_dropped = "Sorry, the listener has unexpectedly gone offline.";
    std::string text_unavailable =
        "Sorry, the chat service cannot take new chats at the moment. Please try again in a few minutes.";
    std::string text_not_delivered = "Sorry, that message could not be delivered. Please wait a moment.";
    // Told a caller whose chat was handed to another operator (--handover-reply).
    std::string text_handover = "Another listener is with you now.";

    // The shift (nlchat-protocol(7), THE SHIFT).
    double away_reminder = 900;              // seconds between reminders to an away operator; 0: none
    std::size_t max_note_bytes = 200;        // a hand-over's note
    std::size_t max_transcript_lines = 200;  // a chat's last lines kept in memory for a reader
    std::size_t max_name_bytes = 64;         // an operator's name (the authorized keys comment)

    // Operators are authenticated by key unless this is set (demo and test use only).
    bool allow_any_key = false;

    // Bounds on what one peer can make the server hold.
    std::size_t max_text_bytes = 8192;    // one text in a msg, either way
    std::size_t max_texts_per_msg = 16;   // strings in one msg list
    std::size_t max_held = 500;           // texts held for one ring or one dropped operator
    std::size_t max_rings = 1000;         // open rings in all
    std::size_t max_address_bytes = 256;  // a caller's address on the bus
    std::size_t max_service_name_bytes = 64;
    std::size_t max_status_bytes = 64;
    std::size_t max_state_bytes = 32;
    std::size_t max_key_pem_bytes = 8192;
    std::size_t max_pending_service_lines = 2000;  // held for a service that is away
};

}  // namespace nlchat
