// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark of the packet layer: per-packet seal and open cost for 1-, 2- and 20-block
// packets, beside the bare RSA-OAEP encrypt and decrypt of one block measured in the same
// run, and the share of each packet's time that is not RSA (JSON, base64, checks, copies).
// The target is a non-RSA share under 5 %. Figures are printed, never asserted: these
// machines are shared and noisy.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/codec/base64.h"
#include "core/codec/raw_packet.h"

using namespace nlchat;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
    double min, median, max;  // microseconds
};

Stats measure(int runs, const std::function<void()>& body) {
    body();  // warm-up
    std::vector<double> t;
    t.reserve(runs);
    for (int i = 0; i < runs; ++i) {
        auto start = Clock::now();
        body();
        t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return {t.front(), t[t.size() / 2], t.back()};
}

void print(const char* what, int runs, const Stats& s) {
    std::printf("%-30s %5d runs  min %10.1f  median %10.1f  max %10.1f us\n", what, runs, s.min, s.median, s.max);
}

// An inner JSON of exactly `blocks` full-ish blocks (the last one partly filled).
std::string inner_of_blocks(size_t blocks, size_t block) {
    size_t len = (blocks - 1) * block + block / 2;
    std::string head = R"({"type":"msg","I/O":"out","UUID":"2f1c7b9e-8d3a-4c55-9e61-0a1b2c3d4e5f","msg":[")";
    std::string tail = R"("]})";
    return head + std::string(len - head.size() - tail.size(), 'x') + tail;
}

}  // namespace

int main() {
    std::string error;
    auto key = PrivateKey::generate(2048, error);
    if (!key) {
        std::fprintf(stderr, "packet-bench: %s\n", error.c_str());
        return 1;
    }
    const PublicKey& pub = key->public_key();
    std::printf("nlchat packet benchmark, RSA-2048, OAEP-SHA1 (times per operation)\n\n");

    std::string block(pub.max_plain_bytes(), 'b');
    std::string ct = pub.encrypt_block(block);
    const int rsa_runs = 300;
    Stats enc = measure(rsa_runs * 3, [&] { pub.encrypt_block(block); });
    Stats dec = measure(rsa_runs, [&] { key->decrypt_block(ct); });
    print("RSA encrypt, 1 block", rsa_runs * 3, enc);
    print("RSA decrypt, 1 block", rsa_runs, dec);
    std::printf("\n");

    std::printf("%-30s %12s %12s %14s\n", "", "packet", "non-RSA part", "non-RSA share");
    for (size_t blocks : {1, 2, 20}) {
        const size_t step = pub.max_plain_bytes();
        std::string inner = inner_of_blocks(blocks, step);
        std::string line = seal(inner, pub, "u", Role::Alice);
        int seal_runs = static_cast<int>(600 / blocks) + 20;
        int open_runs = static_cast<int>(200 / blocks) + 10;
        Stats s = measure(seal_runs, [&] { seal(inner, pub, "u", Role::Alice); });
        Stats o = measure(open_runs, [&] {
            if (!open(line, *key, Role::Alice).packet) std::abort();
        });
        // The same work with the RSA replaced by a copy of a ready result: what the packet
        // layer itself costs (JSON, base64, splitting, checks, joining, UTF-8, parsing).
        Stats s_bare = measure(seal_runs * 4, [&] {
            seal_with(
                inner, step, [&ct](std::string_view) { return ct; }, "u", Role::Alice);
        });
        Stats o_bare = measure(open_runs * 10, [&] {
            SplitPacket split = *split_packet(line, pub, Role::Alice, OpenLimits{}, error);
            size_t next = 0;
            auto r = open_split_with(std::move(split), step, [&](std::string_view) {
                std::string plain(inner.substr(next, step));
                next += step;
                return std::optional<std::string>(plain);
            });
            if (!r.packet) std::abort();
        });
        char name[64];
        std::snprintf(name, sizeof name, "seal, %zu block%s (%zu B in)", blocks, blocks > 1 ? "s" : "", inner.size());
        print(name, seal_runs, s);
        print("  same without RSA", seal_runs * 4, s_bare);
        std::printf("%-30s %12.1f %12.1f %13.2f %%\n", "  median us:", s.median, s_bare.median,
                    100.0 * s_bare.median / (s_bare.median + blocks * enc.median));
        std::snprintf(name, sizeof name, "open, %zu block%s (%zu B in)", blocks, blocks > 1 ? "s" : "", line.size());
        print(name, open_runs, o);
        print("  same without RSA", open_runs * 10, o_bare);
        std::printf("%-30s %12.1f %12.1f %13.2f %%\n", "  median us:", o.median, o_bare.median,
                    100.0 * o_bare.median / (o_bare.median + blocks * dec.median));
    }
    std::printf("\nnon-RSA share = non-RSA part / (non-RSA part + blocks x bare RSA median); target < 5 %%\n");
    return 0;
}
