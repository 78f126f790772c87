// SPDX-License-Identifier: GPL-3.0-or-later
// A service's link to nlchatd's service bus (nlchat-web's, nlchat-caller's, the demo's
// callers'): it connects to the unix socket, announces
// the service (with acknowledgements, core/codec/bus_line.h), answers probes, and when nlchatd
// goes away (a restart, a crash) dials again with a capped backoff until it is back.
//
// Every line goes through one outbox, in order. A line without an id leaves it once
// written; a msg with an id stays until nlchatd acknowledges it, and everything still in
// the outbox is written again, in order, when the link comes back (nlchatd drops the ids
// it had already taken). So a caller's message is not lost to a restart, and "delivered"
// on the page means nlchatd said it took it. nlchatd's own msgs are acknowledged once
// handed on (and one seen before is acknowledged again but not handed on twice).
#pragma once

#include <json/json.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/link/recent_ids.h"
#include "net/line_stream.h"
#include "net/loop.h"
#include "net/redialer.h"
#include "net/timer.h"

namespace nlchat::net {

class BusLink {
public:
    struct Handlers {
        std::function<void(const Json::Value& line)> on_line;
        // The link came up (true) or went down (false), with a sentence for the log (it
        // will be dialled again unless stop() is called).
        std::function<void(bool up, const std::string& why)> on_state;
    };

    BusLink(Loop& loop, std::string socket_path, std::string service, std::size_t max_queue, Handlers h,
            bool chat_states = true);
    ~BusLink();
    BusLink(const BusLink&) = delete;
    BusLink& operator=(const BusLink&) = delete;

    void start();
    // Sends a line now, or holds it while the link is down (a msg with an id is held
    // until acknowledged). False if the outbox is full: the line is not sent.
    bool write(const Json::Value& line);
    // Flushes what is queued and closes; no redial after this.
    void stop();

private:
    void connected(std::unique_ptr<LineStream> stream);
    void lost(const std::string& why);
    void line(std::string_view text);
    void flush();

    std::string socket_path_, service_;
    bool chat_states_;
    std::size_t max_queue_;
    Handlers handlers_;
    // A quarter of a second, doubling to 5 s: nlchatd is on the same machine, and a caller
    // is waiting on the page while it restarts.
    Redialer redialer_;
    std::unique_ptr<LineStream> stream_;
    struct Entry {
        std::string id;  // empty: leaves once written
        std::string text;
    };
    // Written entries (waiting for their acknowledgement) are always the first `written_`:
    // lines go out in order and a write stops at the first failure.
    std::deque<Entry> outbox_;
    std::size_t written_ = 0;
    // Until nlchatd's welcome says it acknowledges, nothing is flushed (a second at most);
    // without one, lines leave the outbox once written, as before acknowledgements.
    bool acks_ = false, awaiting_welcome_ = false;
    Timer welcome_timer_;
    RecentIds seen_;  // nlchatd's msg ids lately handed on
    bool stopped_ = false;
    bool told_down_ = false;
};

}  // namespace nlchat::net
