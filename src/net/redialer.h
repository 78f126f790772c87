// SPDX-License-Identifier: GPL-3.0-or-later
// Dialling a peer, and dialling it again: the one place nlchat (to nlchatd over TCP),
// nlchat-web and nlchat-caller (to the service bus's unix socket) keep a link up.
//
// dial() dials now; a failed dial waits as the Backoff says and dials again by itself,
// telling the owner each time (with the wait) so it can say so where its user looks. A
// connection that came up is the owner's; when it is lost the owner calls dial_later()
// (at once or after a wait, as the Backoff's policy has it), or nothing, if it should
// not come back (nlchat told that another terminal took the link over). reset() starts
// the waits from the beginning once the owner counts the link as good: nlchat when it
// has joined, the bus services as soon as the socket is connected.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/codec/host_port.h"
#include "core/link/backoff.h"
#include "net/connector.h"
#include "net/line_stream.h"
#include "net/loop.h"
#include "net/timer.h"

namespace nlchat::net {

class Redialer {
public:
    // Where to dial: a TCP HOST:PORT, or (when `tcp` is empty) a unix socket path.
    struct Target {
        std::optional<HostPort> tcp;
        std::string unix_path;
        std::string describe() const { return tcp ? format_host_port(*tcp) : "'" + unix_path + "'"; }
    };
    struct Handlers {
        // A connection is up (not yet reading: the owner calls start() on it).
        std::function<void(std::unique_ptr<LineStream> stream)> on_connected;
        // A dial failed; the next one goes in `retry_in` seconds.
        std::function<void(const std::string& error, double retry_in)> on_failed;
    };

    Redialer(Loop& loop, std::size_t max_line, Target target, Backoff::Policy policy, Handlers handlers);
    ~Redialer() { stop(); }
    Redialer(const Redialer&) = delete;
    Redialer& operator=(const Redialer&) = delete;

    // Dials now (a wait or dial under way is dropped first).
    void dial();
    // Dials after the backoff's next wait; returns that wait in seconds.
    double dial_later();
    // The link is good: the next failure waits from the beginning again.
    void reset() { backoff_.reset(); }
    // No dial under way and none waiting; nothing happens until dial() again.
    void stop();
    // stop(), and its timer's handle is closed (so the loop can close); for good.
    void close();
    // Whether a dial is under way or waiting to go.
    bool busy() const { return connector_.busy() || timer_.active(); }
    const Target& target() const { return target_; }

private:
    Target target_;
    Handlers handlers_;
    Connector connector_;
    Timer timer_;
    Backoff backoff_;
};

}  // namespace nlchat::net
