// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/dispatch/open_scheduler.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("a joined operator's packet goes before every stranger's", "[scheduler]") {
    OpenScheduler s({4, 1, 25, 50});
    for (OpenScheduler::ConnId c = 10; c < 20; ++c) s.add(c, false, "10.0.0." + std::to_string(c), 1, 0);
    s.add(1, true, "", 1, 0);
    CHECK(s.next(0) == 1u);        // the operator, though it came last
    CHECK(s.next(0).has_value());  // one stranger
    // Strangers may hold one worker only, so two stay free for operators.
    CHECK_FALSE(s.next(0).has_value());
    s.add(2, true, "", 1, 0);
    s.add(3, true, "", 1, 0);
    CHECK(s.next(0) == 2u);
    CHECK(s.next(0) == 3u);
    CHECK(s.running() == 4);
    CHECK_FALSE(s.next(0).has_value());  // every worker busy
    s.finished(2);
    CHECK_FALSE(s.next(0).has_value());  // a stranger still holds its one worker
    CHECK(s.waiting() == 9);
}

TEST_CASE("strangers are served address by address in turn", "[scheduler]") {
    OpenScheduler s({1, 1, 1000, 1000});
    // Address A has three connections waiting, B and C one each.
    s.add(1, false, "A", 1, 0);
    s.add(2, false, "A", 1, 0);
    s.add(3, false, "A", 1, 0);
    s.add(4, false, "B", 1, 0);
    s.add(5, false, "C", 1, 0);
    std::vector<OpenScheduler::ConnId> order;
    while (auto c = s.next(0)) {
        order.push_back(*c);
        s.finished(*c);
    }
    CHECK(order == std::vector<OpenScheduler::ConnId>{1, 4, 5, 2, 3});
}

TEST_CASE("each address spends from a bucket of blocks that refills with time", "[scheduler]") {
    OpenScheduler s({4, 1, 10, 20});  // 10 blocks a second, 20 at most
    s.add(1, false, "A", 8, 0);
    REQUIRE(s.next(0) == 1u);
    s.finished(1);
    s.add(1, false, "A", 8, 0);
    REQUIRE(s.next(0) == 1u);
    s.finished(1);
    s.add(1, false, "A", 8, 0);  // 4 blocks left: this one must wait 0.4 s
    CHECK_FALSE(s.next(0).has_value());
    REQUIRE(s.wake_at());
    CHECK(*s.wake_at() == Approx(0.4));
    CHECK_FALSE(s.next(0.3).has_value());
    CHECK(s.next(0.41) == 1u);
    s.finished(1);
    // Another address is not held back by A's empty bucket.
    s.add(1, false, "A", 8, 0.41);
    s.add(2, false, "B", 8, 0.41);
    CHECK(s.next(0.41) == 2u);
    // A packet bigger than the bucket costs a full bucket, so it is never stuck.
    OpenScheduler big({4, 1, 10, 20});
    big.add(7, false, "Z", 128, 0);
    CHECK(big.next(0) == 7u);
}

TEST_CASE("a closed connection's waiting packet is dropped", "[scheduler]") {
    OpenScheduler s({4, 1, 25, 50});
    s.add(1, false, "A", 1, 0);
    s.add(2, false, "A", 1, 0);
    s.add(3, true, "", 1, 0);
    s.remove(1);
    s.remove(3);
    CHECK(s.waiting() == 1);
    CHECK(s.next(0) == 2u);
    CHECK_FALSE(s.next(0).has_value());
    s.finished(2);
    CHECK(s.waiting() == 0);
    // finished() for a job it never gave out changes nothing.
    s.finished(99);
    CHECK(s.running() == 0);
}
