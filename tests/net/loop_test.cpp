// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/loop.h"

#include <catch2/catch.hpp>

#include "loop_fixture.h"
#include "net/timer.h"

using namespace nlchat::net;
using nlchat::net::testing::LoopFixture;

TEST_CASE("a loop with nothing open closes clean; one with a handle open says so", "[net]") {
    LoopFixture f;
    {
        Timer t(f.loop);
        t.start(60, [] {});
        f.loop.run_nowait();
        CHECK_FALSE(f.loop.close());  // the timer is still open: a leak the tests would catch
        t.close();
    }
    f.closes_clean();
}

TEST_CASE("stop ends run() after the current turn", "[net]") {
    LoopFixture f;
    int fired = 0;
    Timer t(f.loop);
    t.start(
        0.001,
        [&] {
            if (++fired == 3) f.loop.stop();
        },
        0.001);
    f.loop.run();
    CHECK(fired == 3);
    t.close();
    f.closes_clean();
}
