// SPDX-License-Identifier: GPL-3.0-or-later
// Redial delays: capped exponential backoff with jitter, one policy for every program that
// dials again after losing a link (nlchat to nlchatd, nlchat-web to the service bus).
//
// The jitter comes from a generator seeded from libgcrypt's random pool, so that a room of
// clients that lost the same server do not all come back at the same instant. Tests give
// a seed of their own to get a known sequence.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

namespace nlchat {

class Backoff {
public:
    struct Policy {
        double first = 1;       // the first wait after the immediate retry (or the first wait)
        double cap = 30;        // waits never grow past this
        double jitter = 0.2;    // each wait is scaled by a random factor in [1 - j, 1 + j]
        bool immediate = true;  // the first retry goes at once
    };

    explicit Backoff(Policy policy, std::optional<std::uint64_t> seed = std::nullopt);

    // The wait before the next attempt, in seconds; each call moves one step on.
    double next();
    // The link is good again: the next failure starts from the beginning.
    void reset() { step_ = 0; }

private:
    Policy policy_;
    std::mt19937_64 random_;
    unsigned step_ = 0;
};

}  // namespace nlchat
