// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the v2 frame opener and session stream: whatever lines arrive
// after the switch to v2, each either opens as exactly the next frame or is refused, the
// stream's counters only move forward, and nothing crashes, hangs or leaks. The fixed
// keys let the seed corpus hold real frames (fuzz/corpus/frame) for the fuzzer to mutate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/link/session_frames.h"

using namespace nlchat;

namespace {

const SessionKeys& fixed_keys() {
    static const SessionKeys keys = derive_session_keys(std::string(32, 'k'), SessionTranscript{});
    return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    FrameOpener opener(fixed_keys().server_to_client, FrameDirection::ServerToClient);
    SessionStream client(true);
    if (!client.start(fixed_keys(), 0)) std::abort();
    (void)client.send("a line of ours, for acknowledgements to name");
    bool ended = false;
    std::size_t start = 0;
    while (start <= input.size()) {
        std::size_t nl = input.find('\n', start);
        if (nl == std::string_view::npos) nl = input.size();
        const std::string_view line = input.substr(start, nl - start);
        const std::uint64_t before = opener.last_seq();
        auto frame = opener.open(line);
        if (frame && (frame->seq != before + 1 || opener.last_seq() != frame->seq)) std::abort();
        if (!frame && opener.last_seq() != before) std::abort();
        // The stream ends at its first bad frame, as a session does.
        if (!ended) {
            const std::uint64_t taken = client.taken();
            auto r = client.receive(line);
            if (r.ok && client.taken() != taken + 1) std::abort();
            if (!r.ok && client.taken() != taken) std::abort();
            if (client.unacknowledged() > 1) std::abort();
            ended = !r.ok;
        }
        start = nl + 1;
    }
    return 0;
}
