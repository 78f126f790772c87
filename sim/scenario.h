// SPDX-License-Identifier: GPL-3.0-or-later
// One seed's run of the whole system: the seed chooses how many operators (v2 or v1,
// several chats or a 2015 client's one), services (with acknowledgements or best effort)
// and callers there are, what they do and when, and the faults: nlchatd killed (between
// two events, or between an event and its commit) or stopped, operators killed, cut off or
// frozen, services killed, the disk full. After the busy spell every fault is healed and
// the system is left alone until every timer has had its say; then the end invariants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/rsa_key.h"

namespace nlchat::sim {

struct Keys {
    PrivateKey server;
    std::vector<PrivateKey> operators;
};

// Bugs the simulation must catch (nlchat-sim --plant), planted at the disk's seam.
enum class Plant { None, LateCommit, DropHeld };

struct Outcome {
    bool ok = true;
    std::string failure;             // the broken invariant
    std::vector<std::string> trace;  // the whole trace
    std::size_t events = 0, caller_lines = 0, shown = 0, operator_lines = 0;
    std::size_t handovers = 0, whispers = 0;  // hand-overs committed, whispers shown
    std::string summary;                      // what the seed set up, in a line
};

Outcome run_seed(std::uint64_t seed, const Keys& keys, Plant plant, bool live_trace);

}  // namespace nlchat::sim
