// SPDX-License-Identifier: GPL-3.0-or-later
// A bound on log lines that a peer can cause. Bad input from the network (malformed bus
// lines, packets that do not open, connections refused under load) is worth a log line,
// but an attacker must not be able to fill the disk with them: at most `burst` lines of
// one kind per `window` seconds are written, the rest are counted, and the next line
// written says how many were left out.
//
// Sans-IO like the rest of core: the caller passes the time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace nlchat {

class LogLimiter {
public:
    explicit LogLimiter(std::size_t burst = 10, double window = 60) : burst_(burst), window_(window) {}

    // The line to write for `text` at time `now` (seconds, any monotonic origin): the text
    // itself, with a note of what was suppressed before it when anything was, or nothing
    // when the limit has been reached.
    std::optional<std::string> pass(double now, const std::string& text);

    std::size_t suppressed() const { return suppressed_; }

private:
    std::size_t burst_;
    double window_;
    double window_start_ = -1e300;
    std::size_t written_ = 0;
    std::size_t suppressed_ = 0;
};

}  // namespace nlchat
