// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for raw packet opening: whatever bytes arrive on a connection, open()
// must return (a packet or the generic failure) without crashing, hanging or leaking.
// The fixed key lets the seed corpus hold real packets for the fuzzer to mutate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/codec/raw_packet.h"
#include "fuzz_key.h"

using namespace nlchat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view line(reinterpret_cast<const char*>(data), size);
    for (Role role : {Role::Alice, Role::Bob}) {
        OpenResult r = open(line, fuzz::key(), role);
        // An opened packet is always a valid object with the wrapper's UUID.
        if (r.packet && (!r.packet->inner.isObject() || r.packet->json.empty())) std::abort();
        if (!r.packet && r.detail.empty()) std::abort();
    }
    return 0;
}
