// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/backoff.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("the first retry is immediate, then waits double up to the cap, with jitter", "[backoff]") {
    Backoff b({1, 30, 0.2, true}, 42);
    CHECK(b.next() == 0);
    double expected[] = {1, 2, 4, 8, 16, 30, 30, 30};
    for (double e : expected) {
        double w = b.next();
        CHECK(w >= e * 0.8);
        CHECK(w <= e * 1.2);
    }
    b.reset();
    CHECK(b.next() == 0);
}

TEST_CASE("without an immediate retry the first wait is the first step", "[backoff]") {
    Backoff b({0.25, 5, 0, false}, 1);
    CHECK(b.next() == 0.25);
    CHECK(b.next() == 0.5);
    for (int i = 0; i < 100; ++i) b.next();
    CHECK(b.next() == 5);
}

TEST_CASE("two clients seeded from the random pool do not redial in lockstep", "[backoff]") {
    // An unseeded std::rand() gave every client the same sequence; the waits of two
    // backoffs seeded from libgcrypt must differ.
    Backoff a({1, 30, 0.2, true}), b({1, 30, 0.2, true});
    a.next(), b.next();
    int same = 0;
    for (int i = 0; i < 5; ++i) same += a.next() == b.next();
    CHECK(same < 5);
    // The same seed gives the same sequence (what makes the test above meaningful).
    Backoff c({1, 30, 0.2, true}, 7), d({1, 30, 0.2, true}, 7);
    for (int i = 0; i < 5; ++i) CHECK(c.next() == d.next());
}
