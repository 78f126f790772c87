// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/redialer.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "loop_fixture.h"
#include "net/listener.h"

using namespace nlchat;
using namespace nlchat::net;
using nlchat::net::testing::LoopFixture;

TEST_CASE("a redialer keeps dialling a peer that is not there, then connects when it is", "[net][redial]") {
    LoopFixture f;
    // A port nobody listens on (bound, noted, closed); later a listener takes it.
    std::string error;
    HostPort where;
    {
        Listener probe(f.loop, 64, [](std::unique_ptr<LineStream>) {});
        REQUIRE(probe.listen_tcp({"127.0.0.1", 0}, error));
        where = probe.bound();
    }
    std::vector<double> waits;
    std::vector<std::string> errors;
    std::unique_ptr<LineStream> got;
    Redialer r(f.loop, 64, {where, ""}, {0.01, 0.04, 0, true},
               {[&](std::unique_ptr<LineStream> s) { got = std::move(s); },
                [&](const std::string& e, double wait) { errors.push_back(e), waits.push_back(wait); }});
    r.dial();
    REQUIRE(f.run_until([&] { return waits.size() >= 4; }));
    CHECK(errors[0] == "connection refused");
    // At once, then doubling to the cap (no jitter here).
    CHECK(waits[0] == Approx(0));
    CHECK(waits[1] == Approx(0.01));
    CHECK(waits[2] == Approx(0.02));
    CHECK(waits[3] == Approx(0.04));
    CHECK(r.busy());

    std::unique_ptr<LineStream> accepted;
    Listener listener(f.loop, 64, [&](std::unique_ptr<LineStream> s) { accepted = std::move(s); });
    REQUIRE(listener.listen_tcp(where, error));
    REQUIRE(f.run_until([&] { return got && accepted; }));
    CHECK_FALSE(r.busy());  // connected: no more dialling until the owner asks

    // The owner loses the link and asks again: the waits start over after reset().
    got.reset(), accepted.reset();
    r.reset();
    CHECK(r.dial_later() == Approx(0));
    REQUIRE(f.run_until([&] { return got != nullptr; }));
    got.reset();
    f.run_until([&] { return accepted != nullptr; }, 1);
    accepted.reset();
    listener.close();
    r.close();
    f.closes_clean();
}

TEST_CASE("a stopped redialer dials no more; a unix socket target works the same", "[net][redial]") {
    LoopFixture f;
    int failures = 0;
    Redialer r(f.loop, 64, {std::nullopt, "/nonexistent/nlchat-test.sock"}, {0.01, 0.01, 0, false},
               {[](std::unique_ptr<LineStream>) {},
                [&](const std::string& e, double) {
                    ++failures;
                    CHECK(e == "no such file or directory");
                }});
    CHECK(r.target().describe() == "'/nonexistent/nlchat-test.sock'");
    r.dial();
    REQUIRE(f.run_until([&] { return failures >= 2; }));
    r.stop();
    int seen = failures;
    CHECK_FALSE(f.run_until([&] { return failures > seen; }, 0.1));
    r.close();
    f.closes_clean();
}

TEST_CASE("a redial already waiting is called off by stop(): nothing dials after it", "[net][redial]") {
    // What nlchat does when another terminal takes its link over (App::give_up): the
    // wait the backoff set when the link was lost must not end in a dial.
    LoopFixture f;
    std::string error;
    Listener listener(f.loop, 64, [](std::unique_ptr<LineStream>) {});
    REQUIRE(listener.listen_tcp({"127.0.0.1", 0}, error));
    int connected = 0;
    Redialer r(f.loop, 64, {listener.bound(), ""}, {0.02, 0.02, 0, false},
               {[&](std::unique_ptr<LineStream>) { ++connected; }, [](const std::string&, double) {}});
    CHECK(r.dial_later() == Approx(0.02));
    CHECK(r.busy());
    r.stop();
    CHECK_FALSE(r.busy());
    // Ten times the wait, and more: no dial.
    CHECK_FALSE(f.run_until([&] { return connected > 0; }, 0.25));
    // Asked again, it dials (so the quiet above was the stop's doing).
    r.dial();
    CHECK(f.run_until([&] { return connected == 1; }));
    listener.close();
    r.close();
    f.closes_clean();
}
