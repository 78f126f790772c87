// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/log_limiter.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("a burst of lines is cut off and counted; the next window says how many", "[log]") {
    LogLimiter limit(3, 60);
    int written = 0;
    for (int i = 0; i < 100000; ++i)
        if (limit.pass(10 + i * 1e-5, "bad line")) ++written;
    CHECK(written == 3);
    CHECK(limit.suppressed() == 99997);
    auto line = limit.pass(75, "bad line");
    REQUIRE(line);
    CHECK(*line == "bad line (99997 more like it were not logged)");
    CHECK(limit.suppressed() == 0);
    auto plain = limit.pass(76, "bad line");
    REQUIRE(plain);
    CHECK(*plain == "bad line");
}
