// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/timer.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <memory>
#include <thread>

#include "loop_fixture.h"

using namespace nlchat::net;
using nlchat::net::testing::LoopFixture;

TEST_CASE("a one-shot timer fires once; a repeating one until stopped", "[net][timer]") {
    LoopFixture f;
    int once = 0, again = 0;
    Timer a(f.loop), b(f.loop);
    a.start(0.005, [&] { ++once; });
    b.start(
        0.001,
        [&] {
            if (++again == 4) b.stop();
        },
        0.002);
    CHECK(a.active());
    REQUIRE(f.run_until([&] { return once == 1 && again == 4; }));
    CHECK_FALSE(a.active());
    CHECK_FALSE(b.active());
    f.loop.run();  // nothing keeps the loop alive now: run() returns
    CHECK(once == 1);
    CHECK(again == 4);
    a.close(), b.close();
    f.closes_clean();
}

TEST_CASE("a stopped or destroyed timer never fires; a timer may restart or close itself", "[net][timer]") {
    LoopFixture f;
    int fired = 0;
    {
        Timer gone(f.loop);
        gone.start(0, [&] { ++fired; });
    }  // destroyed before the loop ran: its callback must not run on freed memory
    Timer stopped(f.loop);
    stopped.start(0, [&] { ++fired; });
    stopped.stop();
    Timer self(f.loop);
    int rounds = 0;
    std::function<void()> again = [&] {
        if (++rounds < 3) self.start(0.001, again);
        else self.close();
    };
    self.start(0.001, again);
    REQUIRE(f.run_until([&] { return rounds == 3; }));
    f.loop.run();
    CHECK(fired == 0);
    stopped.close();
    f.closes_clean();
}

TEST_CASE("an unref'd timer does not keep the loop alive", "[net][timer]") {
    LoopFixture f;
    bool fired = false;
    Timer t(f.loop);
    t.start(30, [&] { fired = true; });
    t.unref();
    f.loop.run();  // returns at once instead of waiting 30 s
    CHECK_FALSE(fired);
    t.close();
    f.closes_clean();
}

TEST_CASE("signals arrive on the loop; a watcher may close itself from its callback", "[net][signal]") {
    LoopFixture f;
    int seen = 0;
    std::unique_ptr<SignalWatcher> w;
    w = std::make_unique<SignalWatcher>(f.loop, SIGUSR1, [&] {
        ++seen;
        w->close();
    });
    std::raise(SIGUSR1);
    REQUIRE(f.run_until([&] { return seen == 1; }));
    f.loop.run();  // closed: nothing left to wait for
    w.reset();
    f.closes_clean();
}

TEST_CASE("pool work runs off the loop's thread and its result comes back on it", "[net][pool]") {
    LoopFixture f;
    const auto loop_thread = std::this_thread::get_id();
    std::thread::id worker;
    bool done_on_loop = false;
    run_in_pool(
        f.loop, [&] { worker = std::this_thread::get_id(); },
        [&] { done_on_loop = std::this_thread::get_id() == loop_thread; });
    f.loop.run();
    CHECK(worker != loop_thread);
    CHECK(done_on_loop);
    f.closes_clean();
}

TEST_CASE("the clocks move forward", "[net][timer]") {
    double m = monotonic_seconds(), w = wall_seconds();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(monotonic_seconds() > m);
    CHECK(wall_seconds() > 1.7e9);  // after 2023: a wall clock in seconds, not ms or ns
    CHECK(wall_seconds() >= w);
}
