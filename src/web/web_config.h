// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-web's settings: limits, timers and the texts a caller reads, with their defaults.
// The program fills it from its command line; the session table and the HTTP side read it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nlchat {

struct WebConfig {
    // Timers, in seconds.
    double grace = 120;         // a page gone this long ends its chat (reload, lost signal)
    double hello_timeout = 10;  // a WebSocket must say hello within this

    // Limits; each refusal tells the caller why in one of the texts below.
    std::size_t max_message_chars = 1000;                        // one caller message (code points)
    std::size_t messages_per_minute = 20;                        // per session
    std::size_t states_per_minute = 120;                         // typing notifications per session (excess dropped)
    std::size_t sessions_per_source = 8;                         // open sessions from one address, in memory only
    std::size_t max_sessions = 2000;                             // in all
    std::size_t max_frame_bytes = 16384;                         // one WebSocket message from a page
    std::size_t max_transcript_bytes = std::size_t{128} * 1024;  // kept per session for reloads (oldest dropped)
    std::size_t max_connection_backlog = 1 << 20;                // bytes waiting for a slow page before it is cut off
    std::size_t max_bus_queue = 5000;                            // lines held while nlchatd is away

    // Shown before the first message.
    std::string notice =
        "This is the Nightline chat. It is anonymous: we don't know who you are and we don't "
        "ask. A trained student volunteer will listen to whatever is on your mind. Write your "
        "first message below to start.";

    // Texts for refusals and endings.
    std::string text_too_long =
        "That message is too long to send (the limit is {limit} characters). Please shorten it.";
    std::string text_too_fast = "You are sending messages very quickly. Please wait a moment, then send that again.";
    std::string text_busy = "Sorry, the chat is very busy at the moment. Please try again in a few minutes.";
    std::string text_too_many_here =
        "Sorry, there are too many chats open from your network. Please close one and try again.";
    std::string text_not_sent = "Sorry, that message could not be sent just now. Please try again in a moment.";
    std::string text_ended_by_you = "You ended the chat.";
    std::string text_ended_by_listener = "The listener has ended the chat.";
    std::string text_ended_closed = "This chat has ended.";
    std::string text_ended_by_server = "The chat has ended.";  // after a reply of nlchatd's own
    std::string text_gone =
        "This chat has ended: it closed while this page was away, or the chat service restarted. "
        "You can start a new chat.";
    std::string text_moved = "This chat continued in another window.";
    std::string text_service_away =
        "The chat service is restarting. Your messages are kept here and will be delivered when it is back.";
    std::string text_service_back = "The chat service is back.";
};

}  // namespace nlchat
