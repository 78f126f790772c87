// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-web's link to nlchatd's service bus: it connects to the unix socket, announces
// the service, answers probes, and when nlchatd goes away (a restart, a crash) dials again
// with a capped backoff until it is back. Lines written while the link is down are held,
// up to a bound, and sent in order once it is up, so a caller's message is not lost to a
// server restart.
#pragma once

#include <json/json.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "net/line_stream.h"
#include "net/loop.h"
#include "net/redialer.h"

namespace nlchat {

class BusLink {
public:
    struct Handlers {
        std::function<void(const Json::Value& line)> on_line;
        // The link came up (true) or went down (false), with a sentence for the log.
        std::function<void(bool up, const std::string& why)> on_state;
    };

    BusLink(net::Loop& loop, std::string socket_path, std::string service, std::size_t max_queue, Handlers h);
    ~BusLink();
    BusLink(const BusLink&) = delete;
    BusLink& operator=(const BusLink&) = delete;

    void start();
    // Sends a line now, or holds it while the link is down. False if the hold is full.
    bool write(const Json::Value& line);
    // Flushes what is queued and closes; no redial after this.
    void stop();

private:
    void connected(std::unique_ptr<net::LineStream> stream);
    void lost(const std::string& why);
    void line(std::string_view text);

    std::string socket_path_, service_;
    std::size_t max_queue_;
    Handlers handlers_;
    // A quarter of a second, doubling to 5 s: nlchatd is on the same machine, and a caller
    // is waiting on the page while it restarts.
    net::Redialer redialer_;
    std::unique_ptr<net::LineStream> stream_;
    std::deque<std::string> queue_;
    bool stopped_ = false;
    bool told_down_ = false;
};

}  // namespace nlchat
