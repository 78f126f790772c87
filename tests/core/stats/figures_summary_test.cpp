// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/stats/figures_summary.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>

using namespace nlchat;

namespace {

// Sets TZ for one test and puts back what was there.
struct TimeZone {
    std::optional<std::string> saved;
    explicit TimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) saved = old;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~TimeZone() {
        if (saved) setenv("TZ", saved->c_str(), 1);
        else unsetenv("TZ");
        tzset();
    }
};

FiguresRecord ring(std::int64_t at, std::int64_t waited, RingOutcome outcome, const std::string& service = "web") {
    FiguresRecord r;
    r.kind = FiguresRecord::Kind::Ring;
    r.service = service;
    r.at = at;
    r.waited = waited;
    r.outcome = outcome;
    return r;
}

FiguresRecord chat(std::int64_t at, std::int64_t lasted, std::int64_t handovers = 0, std::int64_t support = 0) {
    FiguresRecord r;
    r.kind = FiguresRecord::Kind::Chat;
    r.service = "web";
    r.at = at;
    r.lasted = lasted;
    r.handovers = handovers;
    r.support = support;
    return r;
}

// 2026-12-05 22:00 UTC, a night shift's start.
constexpr std::int64_t kShift = 1796508000;

}  // namespace

TEST_CASE("a median is the middle value, or the mean of the middle two", "[figures]") {
    std::vector<std::int64_t> none;
    CHECK_FALSE(median_of(none));
    std::vector<std::int64_t> one{7};
    CHECK(*median_of(one) == 7);
    std::vector<std::int64_t> odd{9, 1, 5, 3, 100};
    CHECK(*median_of(odd) == 5);
    std::vector<std::int64_t> even{10, 1, 4, 100};
    CHECK(*median_of(even) == 7);
    std::vector<std::int64_t> halves{1, 2};
    CHECK(*median_of(halves) == 1.5);
    std::vector<std::int64_t> same{3, 3, 3, 3};
    CHECK(*median_of(same) == 3);
}

TEST_CASE("a shift's records sum up to its rings, waits and chats", "[figures]") {
    FiguresTally t;
    CHECK(t.empty());
    t.add(ring(kShift, 8, RingOutcome::Answered));
    t.add(ring(kShift + 60, 41, RingOutcome::Answered));
    t.add(ring(kShift + 120, 2, RingOutcome::Answered));
    t.add(ring(kShift + 180, 4, RingOutcome::Answered));
    t.add(ring(kShift + 240, 60, RingOutcome::TimedOut));
    t.add(ring(kShift + 300, 90, RingOutcome::TimedOut));
    t.add(ring(kShift + 360, 90, RingOutcome::TimedOut));
    t.add(ring(kShift + 420, 20, RingOutcome::Withdrawn));
    t.add(ring(kShift + 480, 0, RingOutcome::NoListeners));
    t.add(ring(kShift + 540, 0, RingOutcome::Unavailable));
    t.add(chat(kShift, 1450, 1, 0));
    t.add(chat(kShift + 3600, 3723, 0, 2));
    t.add(chat(kShift + 7200, 100, 0, 0));
    CHECK(t.records() == 13);
    CHECK(t.first_at() == kShift);
    CHECK(t.last_at() == kShift + 7200);
    FiguresSummary s = t.summary(kShift, kShift + 9 * 3600);
    CHECK(s.hours() == 9);
    CHECK(s.rings == 10);
    CHECK(s.answered == 4);
    CHECK(s.missed == 3);
    CHECK(s.withdrawn == 1);
    CHECK(s.no_listeners == 1);
    CHECK(s.unavailable == 1);
    CHECK(*s.median_wait == 6);  // 2 4 8 41: even, so (4 + 8) / 2
    CHECK(*s.longest_wait == 41);
    CHECK(*s.median_missed_wait == 90);
    CHECK(s.chats == 3);
    CHECK(s.chats_per_hour == Approx(3.0 / 9));
    CHECK(*s.median_chat == 1450);
    CHECK(*s.longest_chat == 3723);
    CHECK(s.handovers == 1);
    CHECK(s.support == 2);
    // Summing up twice gives the same (the medians work on copies).
    FiguresSummary again = t.summary(kShift, kShift + 9 * 3600);
    CHECK(*again.median_wait == 6);
}

TEST_CASE("no answered ring or no chat leaves their medians empty, not zero", "[figures]") {
    FiguresTally t;
    t.add(ring(kShift, 30, RingOutcome::TimedOut));
    FiguresSummary s = t.summary(kShift, kShift + 60);
    CHECK(s.rings == 1);
    CHECK_FALSE(s.median_wait);
    CHECK_FALSE(s.longest_wait);
    CHECK(*s.median_missed_wait == 30);
    CHECK_FALSE(s.median_chat);
    CHECK(s.chats_per_hour == 0);
}

TEST_CASE("days and months are cut in local time, across a month's end", "[figures]") {
    TimeZone tz("UTC");
    constexpr std::int64_t nov30_2359 = 1796083140, dec1 = 1796083200, jan1 = 1798761600, nov1 = 1793491200;
    CHECK(bucket_start(nov30_2359, FiguresBucket::Day) == dec1 - 86400);
    CHECK(bucket_start(dec1, FiguresBucket::Day) == dec1);
    CHECK(bucket_start(nov30_2359, FiguresBucket::Month) == nov1);
    CHECK(bucket_start(dec1 + 20 * 86400, FiguresBucket::Month) == dec1);
    CHECK(bucket_next(nov1, FiguresBucket::Month) == dec1);
    CHECK(bucket_next(dec1, FiguresBucket::Month) == jan1);  // December into the next year
    CHECK(bucket_start(nov30_2359, FiguresBucket::Hour) == dec1 - 3600);
    CHECK(bucket_next(dec1 - 3600, FiguresBucket::Hour) == dec1);
    CHECK(format_bucket(nov30_2359, FiguresBucket::Day) == "2026-11-30");
    CHECK(format_bucket(dec1, FiguresBucket::Month) == "2026-12");
    CHECK(format_bucket(bucket_start(nov30_2359, FiguresBucket::Hour), FiguresBucket::Hour) == "2026-11-30 23:00");
    CHECK(*parse_local_month("2026-12") == std::make_pair(dec1, jan1));
    CHECK(*parse_local_time("2026-12-01") == dec1);
    CHECK(*parse_local_time("2026-11-30 23:59") == nov30_2359);
    CHECK(format_local_time(nov30_2359) == "2026-11-30 23:59");
}

TEST_CASE("local time follows TZ, a day where the clocks change included", "[figures]") {
    // The UK's rule written out, so the test needs no zone files: on 2026-03-29 the
    // clocks go from 01:00 GMT to 02:00 BST, and that day has 23 hours.
    TimeZone tz("GMT0BST,M3.5.0/1,M10.5.0");
    constexpr std::int64_t mar29 = 1774742400, mar30_local = 1774828800 - 3600;
    CHECK(*parse_local_time("2026-03-29") == mar29);
    CHECK(*parse_local_time("2026-03-30") == mar30_local);
    CHECK(bucket_next(mar29, FiguresBucket::Day) == mar29 + 23 * 3600);
    CHECK(bucket_start(mar30_local + 60, FiguresBucket::Day) == mar30_local);
    CHECK(format_local_time(mar29 + 3 * 3600) == "2026-03-29 04:00");
    // Hours after the change start on the local hour.
    CHECK(bucket_start(mar29 + 3 * 3600 + 1800, FiguresBucket::Hour) == mar29 + 3 * 3600);
    TimeZone east("XST-5:30");  // a half-hour offset: local hours start at :30 UTC
    CHECK(format_local_time(mar29) == "2026-03-29 05:30");
    CHECK(bucket_start(mar29, FiguresBucket::Hour) == mar29 - 1800);
}

TEST_CASE("command-line times are whole dates or minutes that exist", "[figures]") {
    TimeZone tz("UTC");
    for (const char* bad : {"", "2026", "2026-12", "2026-12-1", "2026-12-01 ", "2026-12-01 7:00", "2026-12-01T07:00",
                            "2026-02-29", "2026-13-01", "2026-00-10", "2026-12-32", "2026-12-01 24:00",
                            "2026-12-01 23:60", "1969-12-31", "+026-12-01", "2026-12-01 07:00:00"})
        CHECK_FALSE(parse_local_time(bad));
    CHECK(parse_local_time("2028-02-29"));
    CHECK(*parse_local_time("1970-01-01 00:01") == 60);
    for (const char* bad : {"2026", "2026-1", "2026-13", "2026-12-01", "26-12"}) CHECK_FALSE(parse_local_month(bad));
}

TEST_CASE("durations read as M:SS, or H:MM:SS from an hour", "[figures]") {
    CHECK(format_duration(0) == "0:00");
    CHECK(format_duration(8) == "0:08");
    CHECK(format_duration(7.5) == "0:08");
    CHECK(format_duration(1450) == "24:10");
    CHECK(format_duration(3599) == "59:59");
    CHECK(format_duration(3600) == "1:00:00");
    CHECK(format_duration(3723) == "1:02:03");
    CHECK(format_duration(-4) == "0:00");
}
