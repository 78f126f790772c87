// SPDX-License-Identifier: GPL-3.0-or-later
// Opening an operator's incoming packets off the loop, one at a time and in the order
// they arrived: the one place nlchat (and the benchmark's operators, which stand in for
// it) turn raw packet lines into commands.
//
// Each packet costs an RSA private-key operation per block (milliseconds), so it is opened
// on libuv's thread pool and the loop keeps drawing and reading keys meanwhile. Packets
// are opened strictly one after the other, so commands reach the owner in the order the
// server sent them. A burst faster than packets can be opened is met with backpressure,
// never by dropping: when `high` packets wait, the stream given to watch() stops being
// read, and reading resumes when no more than `low` wait. What was read before a link
// closed is still opened (the last packet may be the server's reason for closing);
// on_drained tells the owner when nothing is left.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/codec/raw_packet.h"
#include "core/crypto/rsa_key.h"
#include "net/line_stream.h"
#include "net/loop.h"

namespace nlchat::net {

class OrderedOpener {
public:
    struct Handlers {
        // One packet's result, in arrival order (a packet that did not open included).
        std::function<void(const OpenResult& result)> on_opened;
        // Nothing waits or is being opened any more.
        std::function<void()> on_drained;
    };

    OrderedOpener(Loop& loop, PrivateKey key, Role role, Handlers handlers, std::size_t high = 256,
                  std::size_t low = 64);
    ~OrderedOpener();
    OrderedOpener(const OrderedOpener&) = delete;
    OrderedOpener& operator=(const OrderedOpener&) = delete;

    // The stream whose reading is paused and resumed for backpressure (nullptr: none).
    void watch(LineStream* stream) { stream_ = stream; }
    // Queues a raw packet line to be opened.
    void add(std::string line);
    // Packets waiting or being opened.
    std::size_t pending() const { return queue_.size() + (opening_ ? 1 : 0); }
    bool idle() const { return pending() == 0; }
    // Drops what waits; a packet being opened is finished but its result not delivered.
    void clear();

private:
    void next();

    Loop& loop_;
    PrivateKey key_;
    Role role_;
    Handlers handlers_;
    std::size_t high_, low_;
    LineStream* stream_ = nullptr;
    std::deque<std::string> queue_;
    bool opening_ = false;
    // Cleared when the opener goes (or is cleared), so a pool job finishing later does
    // not deliver into an owner that is gone.
    std::shared_ptr<bool> live_ = std::make_shared<bool>(true);
};

}  // namespace nlchat::net
