// SPDX-License-Identifier: GPL-3.0-or-later
// A real libuv loop for the net/ tests: run it until a condition holds (or a time limit
// passes, which fails the test), and at the end check that every handle the test opened
// was closed, so the loop closes clean (libuv's own tests end the same way).
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "net/loop.h"

namespace nlchat::net::testing {

struct LoopFixture {
    Loop loop;

    // Turns the loop without blocking until `done` holds; false after `limit` seconds.
    bool run_until(const std::function<bool()>& done, double limit = 5) {
        auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
        while (!done()) {
            if (std::chrono::steady_clock::now() > end) return false;
            loop.run_nowait();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    // Runs what is left (close callbacks) and checks the loop closes with nothing open.
    void closes_clean() {
        loop.run();
        CHECK(loop.close());
    }
};

}  // namespace nlchat::net::testing
