// SPDX-License-Identifier: GPL-3.0-or-later
// A service's link to nlchatd's service bus (nlchat-web's, nlchat-caller's, the demo's
// callers'): the unix socket, dialled again with a capped backoff while nlchatd is away
// (a restart, a crash), carrying the bytes of core/link/bus_client.h, which holds every
// rule of the link (the outbox, acknowledgements, probes, the welcome).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/link/bus_client.h"
#include "net/line_stream.h"
#include "net/loop.h"
#include "net/redialer.h"
#include "net/timer.h"

namespace nlchat::net {

class BusLink : private BusClientEffects {
public:
    struct Handlers {
        std::function<void(const BusLine& line)> on_line;
        // The link came up (true) or went down (false), with a sentence for the log (it
        // will be dialled again unless stop() is called).
        std::function<void(bool up, const std::string& why)> on_state;
    };

    BusLink(Loop& loop, std::string socket_path, std::string service, std::size_t max_queue, Handlers h,
            bool chat_states = true);
    ~BusLink() override;
    BusLink(const BusLink&) = delete;
    BusLink& operator=(const BusLink&) = delete;

    void start();
    // Sends a line now, or holds it while the link is down (a msg with an id is held
    // until acknowledged). False if the outbox is full: the line is not sent.
    bool write(const BusLine& line);
    // Flushes what is queued and closes; no redial after this.
    void stop();

private:
    // BusClientEffects
    bool write(const std::string& line) override;
    void line(const BusLine& line) override { handlers_.on_line(line); }
    void note(const std::string& text) override { handlers_.on_state(true, text); }

    void connected(std::unique_ptr<LineStream> stream);
    void lost(const std::string& why);
    void rearm();

    std::string socket_path_, service_;
    Handlers handlers_;
    BusClient client_;
    // A quarter of a second, doubling to 5 s: nlchatd is on the same machine, and a caller
    // is waiting on the page while it restarts.
    Redialer redialer_;
    std::unique_ptr<LineStream> stream_;
    Timer deadline_;
    bool stopped_ = false;
    bool told_down_ = false;
};

}  // namespace nlchat::net
