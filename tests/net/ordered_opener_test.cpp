// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/ordered_opener.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "loop_fixture.h"
#include "tests/core/test_keys.h"

using namespace nlchat;
using namespace nlchat::net;
using nlchat::net::testing::LoopFixture;

TEST_CASE("packets are opened off the loop, one at a time, and delivered in arrival order", "[net][open]") {
    LoopFixture f;
    const PrivateKey& key = test::key_2048();
    std::vector<std::string> inner;
    int drained = 0;
    OrderedOpener opener(
        f.loop, key, Role::Bob,
        {[&](const OpenResult& r) { inner.push_back(r.packet ? r.packet->inner.toStyledString() : "bad"); },
         [&] { ++drained; }});
    // Packets of different sizes (more blocks take longer): order must still hold.
    std::vector<std::string> sent;
    for (int i = 0; i < 12; ++i) {
        std::string text(i % 3 == 0 ? 600 : 10, 'a' + static_cast<char>(i));
        std::string json = "{\"type\":\"msg\",\"n\":" + std::to_string(i) + ",\"t\":\"" + text + "\"}";
        opener.add(seal(json, key.public_key(), "u", Role::Bob));
        sent.push_back(std::to_string(i));
    }
    opener.add("not a packet");
    CHECK(opener.pending() == 13);
    REQUIRE(f.run_until([&] { return inner.size() == 13; }, 30));
    for (int i = 0; i < 12; ++i) CHECK_THAT(inner[i], Catch::Contains("\"n\" : " + std::to_string(i)));
    CHECK(inner[12] == "bad");  // a packet that does not open is reported in its place
    CHECK(drained == 1);
    CHECK(opener.idle());
    f.closes_clean();
}

TEST_CASE("an opener cleared or destroyed with a packet in the pool delivers nothing later", "[net][open]") {
    LoopFixture f;
    const PrivateKey& key = test::key_2048();
    int delivered = 0;
    {
        OrderedOpener opener(f.loop, key, Role::Bob, {[&](const OpenResult&) { ++delivered; }, nullptr});
        opener.add(seal("{\"type\":\"probe\"}", key.public_key(), "u", Role::Bob));
        opener.add(seal("{\"type\":\"probe\"}", key.public_key(), "u", Role::Bob));
        opener.clear();
        CHECK(opener.idle());
        opener.add(seal("{\"type\":\"probe\"}", key.public_key(), "u", Role::Bob));
    }              // destroyed while that one is in the pool
    f.loop.run();  // the pool jobs finish; their results go nowhere
    CHECK(delivered == 0);
    f.closes_clean();
}
