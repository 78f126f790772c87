// SPDX-License-Identifier: GPL-3.0-or-later
// The web page's protocol (nlchat-web(8), PAGE PROTOCOL): one JSON object per WebSocket
// message, its kind in `t`. Each frame is a struct listing its fields once; the reader and
// writer are core/codec/field_codec.h's, as for the operator commands and the bus, so what
// nlchat-web reads and writes cannot drift from one table. The page (assets/chat.js) is
// the other side.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/codec/field_codec.h"

namespace nlchat {

inline constexpr const char* kPageTypeKey = "t";

// ---- page -> nlchat-web ----

// The first frame: a new chat, or (with its token) a chat the page had, with the sequence
// number of the last event it saw; `resume` says the page had a chat and wants only it.
struct PageHello {
    static constexpr const char* kType = "hello";
    std::optional<std::string> token;
    std::int64_t seen = 0;
    bool resume = false;
    template <class F> void fields(F& f) {
        f("token", token), f("seen", seen, Presence::Optional), f("resume", resume, Presence::Optional);
    }
};

// A caller's message, numbered by the page so that a resend after a reconnect is seen once.
struct PageMsg {
    static constexpr const char* kType = "msg";
    std::int64_t id = 0;
    std::string text;
    template <class F> void fields(F& f) { f("id", id), f("text", text); }
};

// "composing" or "paused" (other states are read and ignored).
struct PageState {
    static constexpr const char* kType = "state";
    std::string state;
    template <class F> void fields(F& f) { f("state", state); }
};

// The caller ends the chat.
struct PageEnd {
    static constexpr const char* kType = "end";
    template <class F> void fields(F&) {}
};

using PageFrame = std::variant<PageHello, PageMsg, PageState, PageEnd>;
using ParsedPageFrame = Typed<PageFrame>;

[[nodiscard]] inline ParsedPageFrame parse_page_frame(const Json::Value& frame) {
    return parse_typed<PageFrame>(frame, kPageTypeKey, /*null_is_absent=*/true);
}

// ---- nlchat-web -> page ----

struct PageWelcome {
    static constexpr const char* kType = "welcome";
    std::string token;
    bool resumed = false;
    std::string notice;
    std::int64_t max_chars = 0;
    std::int64_t last_id = 0;  // the last message id accepted: the page drops those from its outbox
    bool ended = false;
    bool service_up = true;  // false: nlchatd is away (messages wait, shown as not yet delivered)
    template <class F> void fields(F& f) {
        f("token", token), f("resumed", resumed), f("notice", notice), f("max_chars", max_chars), f("last_id", last_id),
            f("ended", ended), f("service_up", service_up);
    }
};

// A caller message (by the page's id) that nlchatd has acknowledged: it is no longer only
// with nlchat-web but with the chat service, which will not lose it.
struct PageDelivered {
    static constexpr const char* kType = "delivered";
    std::int64_t id = 0;
    template <class F> void fields(F& f) { f("id", id); }
};

// nlchatd went away (up false) or came back (up true), with the sentence to show.
struct PageService {
    static constexpr const char* kType = "service";
    bool up = true;
    std::string text;
    template <class F> void fields(F& f) { f("up", up), f("text", text); }
};

// One event of the chat's transcript, numbered by `seq` (kept and replayed on a reload):
// kind "you" (with the message's `id`), "listener", "service" or "ended".
struct PageEvent {
    static constexpr const char* kType = "ev";
    std::string kind;
    std::string text;
    std::optional<std::int64_t> id;
    std::int64_t seq = 0;
    template <class F> void fields(F& f) { f("kind", kind), f("text", text), f("id", id), f("seq", seq); }
};

struct PageTyping {
    static constexpr const char* kType = "typing";
    bool on = false;
    template <class F> void fields(F& f) { f("on", on); }
};

// A message that was not sent, with why; the page keeps it in the box.
struct PageNotSent {
    static constexpr const char* kType = "not_sent";
    std::int64_t id = 0;
    std::string text;
    template <class F> void fields(F& f) { f("id", id), f("text", text); }
};

// The frames that end a page's connection, each with the sentence to show: turned away
// (busy), the chat gone while the page was away, the chat taken over by another window.
#define NLCHAT_PAGE_NOTICE(Name, type)                            \
    struct Name {                                                 \
        static constexpr const char* kType = type;                \
        std::string text;                                         \
        template <class F> void fields(F& f) { f("text", text); } \
    }
NLCHAT_PAGE_NOTICE(PageRefused, "refused");
NLCHAT_PAGE_NOTICE(PageGone, "gone");
NLCHAT_PAGE_NOTICE(PageMoved, "moved");
#undef NLCHAT_PAGE_NOTICE

using ServerFrame = std::variant<PageWelcome, PageEvent, PageTyping, PageNotSent, PageRefused, PageGone, PageMoved,
                                 PageDelivered, PageService>;

[[nodiscard]] inline Json::Value page_json(const ServerFrame& frame) { return write_typed(frame, kPageTypeKey); }
[[nodiscard]] inline Typed<ServerFrame> parse_server_frame(const Json::Value& frame) {
    return parse_typed<ServerFrame>(frame, kPageTypeKey);
}

}  // namespace nlchat
