// SPDX-License-Identifier: GPL-3.0-or-later
// Test helper for the v2 session's interop and test-vector tests: our key schedule and
// frames, driven from Python, which checks them against its own implementations
// (test_session_interop.py on the `cryptography` package, test_session_vectors.py on
// PyCryptodome and the manual's own values).
//
//   v2-frames derive CLIENT_SECRET SERVER_PUBLIC UUID CHALLENGE CLIENT_FP SERVER_FP
//       -> {"client_public","shared","c2s","s2c","session_id"} (hex)
//   v2-frames seal KEY DIR SEQ ACK INNER      -> the frame line
//   v2-frames open KEY DIR LAST_TAKEN LINE    -> {"seq","ack","inner"}, or exit 1
// KEY and the secrets in hex; DIR is c2s or s2c.
#include <cstdio>
#include <iostream>
#include <string>

#include "core/codec/json_util.h"
#include "core/crypto/gcrypt_util.h"
#include "core/link/session_frames.h"

using namespace nlchat;

namespace {

std::string unhex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

FrameDirection direction(const std::string& d) {
    return d == "c2s" ? FrameDirection::ClientToServer : FrameDirection::ServerToClient;
}

int usage() {
    std::cerr << "usage: v2-frames derive|seal|open ...\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string cmd = argv[1];
    if (cmd == "derive" && argc == 8) {
        const std::string secret = unhex(argv[2]);
        const std::string client_public = x25519_public(secret);
        auto shared = x25519_shared(secret, unhex(argv[3]));
        if (!shared) {
            std::cerr << "v2-frames: no shared secret\n";
            return 1;
        }
        const SessionKeys k = derive_session_keys(
            *shared, SessionTranscript{client_public, unhex(argv[3]), argv[4], argv[5], argv[6], argv[7]});
        Json::Value out(Json::objectValue);
        out["client_public"] = to_hex(client_public);
        out["shared"] = to_hex(*shared);
        out["c2s"] = to_hex(k.client_to_server);
        out["s2c"] = to_hex(k.server_to_client);
        out["session_id"] = to_hex(k.session_id);
        std::cout << write_json(out) << "\n";
        return 0;
    }
    if (cmd == "seal" && argc == 7) {
        FrameSealer sealer(unhex(argv[2]), direction(argv[3]));
        std::cout << sealer.seal(Frame{std::stoull(argv[4]), std::stoull(argv[5]), argv[6]}) << "\n";
        return 0;
    }
    if (cmd == "open" && argc == 6) {
        FrameOpener opener(unhex(argv[2]), direction(argv[3]), std::stoull(argv[4]));
        auto frame = opener.open(argv[5]);
        if (!frame) {
            std::cerr << "v2-frames: " << kBadFrame << "\n";
            return 1;
        }
        Json::Value out(Json::objectValue);
        out["seq"] = Json::UInt64(frame->seq);
        out["ack"] = Json::UInt64(frame->ack);
        out["inner"] = frame->inner;
        std::cout << write_json(out) << "\n";
        return 0;
    }
    return usage();
}
