// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/backoff.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/crypto/gcrypt_util.h"

namespace nlchat {
namespace {

std::uint64_t random_seed() {
    std::string bytes = random_bytes(sizeof(std::uint64_t));
    std::uint64_t seed = 0;
    std::memcpy(&seed, bytes.data(), sizeof seed);
    return seed;
}

}  // namespace

Backoff::Backoff(Policy policy, std::optional<std::uint64_t> seed)
    : policy_(policy), random_(seed ? *seed : random_seed()) {}

double Backoff::next() {
    unsigned step = step_;
    if (step_ < 64) ++step_;
    if (policy_.immediate) {
        if (step == 0) return 0;
        --step;
    }
    double base = std::min(policy_.cap, policy_.first * std::pow(2.0, std::min(step, 62u)));
    std::uniform_real_distribution<double> spread(1 - policy_.jitter, 1 + policy_.jitter);
    return std::min(policy_.cap * (1 + policy_.jitter), base * spread(random_));
}

}  // namespace nlchat
