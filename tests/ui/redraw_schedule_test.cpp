// SPDX-License-Identifier: GPL-3.0-or-later
// When an idle nlchat draws its screen again, with a fake clock: the schedule
// (ui/redraw_schedule.h) beside the real session and the real screen, woken as
// client/app.cpp wakes (the server's words, the session's deadlines, the redraw timer),
// over hours of fake time in milliseconds of real time.
#include "ui/redraw_schedule.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/codec/command.h"
#include "tests/core/test_keys.h"
#include "ui/screen.h"
#include "ui/text_surface.h"

using namespace nlchat;
using namespace nlchat::ui;

namespace {

struct NullEffects : ClientEffects {
    bool send(const Command&) override { return true; }
    void give_up(const std::string&) override {}
    void changed() override {}
    void alert() override {}
};

ClientSettings settings() {
    ClientSettings s;
    s.uuid = "me";
    return s;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// nlchat as client/app.cpp wires it, with the loop replaced by a fake clock. What wakes it
// when nobody types: a word from the server (said by the test), the session's next
// deadline (App::reschedule) and the redraw timer (App::arm_redraw). Every wake-up draws
// the screen and asks the schedule again, as the real one does.
struct IdleClient {
    NullEffects fx;
    Now now{1000, 1764190800};
    ClientSession session;
    UiState ui;
    InputLine input;
    std::optional<double> redraw_at;  // the redraw timer (monotonic), when armed
    bool countdown = false;
    std::string screen;             // as last drawn
    std::vector<double> redraws;    // when the redraw timer woke the client
    std::vector<double> drawn;      // when anything woke it (and it drew)
    std::vector<std::string> bars;  // the status bar each of those drew
    int deadline_wakeups = 0;
    int unchanged = 0;  // redraws by the timer that drew the same screen again

    IdleClient() : session(settings(), test::key_2048().public_key(), test::key_4096().public_key(), fx) {
        setenv("TZ", "UTC", 1);
        tzset();
        session.link_up(now);
        server(StatusCommand{{{"Web", "Connected"}}, 2});
        REQUIRE(session.link() == LinkState::Joined);
    }

    void draw() {
        TextSurface s(100, 30);
        countdown = draw_screen(s, session, ui, input, now);
        screen = s.text();
        auto in = next_redraw_in(countdown, session.link(), now.mono - session.last_heard());
        redraw_at = in ? std::optional<double>(now.mono + *in) : std::nullopt;
    }
    std::string bar() const { return first_line(screen); }

    // A command from the server, now.
    void server(const Command& c) {
        session.command(c, now);
        draw();
    }
    void to(double mono) {
        now.wall += mono - now.mono;
        now.mono = mono;
    }
    // Runs the fake clock `seconds` on, waking the client as its timers would.
    void run(double seconds) {
        const double until = now.mono + seconds;
        for (;;) {
            auto deadline = session.next_deadline(now);
            bool timer = redraw_at && *redraw_at <= until && (!deadline || *redraw_at <= *deadline);
            if (!timer && !(deadline && *deadline <= until)) break;
            if (timer) {
                to(*redraw_at);
                std::string before = screen;
                draw();
                redraws.push_back(now.mono);
                bars.push_back(bar());
                if (screen == before) ++unchanged;
            } else {
                to(*deadline);
                ++deadline_wakeups;
                session.tick(now);
                draw();
            }
            drawn.push_back(now.mono);
        }
        to(until);
    }
    // Two chats open, as an operator on a night shift has them.
    void two_chats() {
        for (std::int64_t id : {1, 2}) {
            server(RingCommand{"", id, std::nullopt, 60.0});
            session.accept_ring(id, now);
            server(RingAckAckCommand{"me", id, id});
        }
        REQUIRE(session.chats().size() == 2);
        REQUIRE(session.rings().empty());
    }
};

}  // namespace

TEST_CASE("an idle nlchat with two quiet chats on a healthy link wakes only for the probes", "[ui][redraw]") {
    IdleClient c;
    c.two_chats();
    // nlchatd probes a quiet operator every 7 s (--probe-after); a night of them.
    for (int probe = 0; probe < 8 * 3600 / 7; ++probe) {
        c.run(7);
        c.server(ProbeCommand{"me"});
    }
    CHECK(c.redraws.empty());
    CHECK(c.deadline_wakeups == 0);
    CHECK(c.bar().find("ago") == std::string::npos);
    CHECK(c.session.link() == LinkState::Joined);
}

TEST_CASE("a late probe: the age of the server's last word shows from 10 s and moves every 5 s", "[ui][redraw]") {
    IdleClient c;
    c.two_chats();
    const double last_word = c.now.mono;
    c.run(9.9);
    CHECK(c.redraws.empty());
    c.run(9.0);  // 18.9 s of quiet
    // Drawn just after 10 s (showing it, rounded up as every time on screen is), then
    // each 5 s, and each drawing shows a new age.
    REQUIRE(c.redraws.size() == 2);
    CHECK(c.redraws[0] == Approx(last_word + kAgeShownAfter + 0.05));
    CHECK(c.redraws[1] == Approx(last_word + kAgeShownAfter + 0.05 + kAgeStep));
    CHECK(c.bars[0].find("online \xc2\xb7 0:11 ago") != std::string::npos);
    CHECK(c.bars[1].find("online \xc2\xb7 0:16 ago") != std::string::npos);
    CHECK(c.unchanged == 0);
    // The probe comes at last: the age is gone at once, and the timer waits 10 s again.
    c.server(ProbeCommand{"me"});
    CHECK(c.bar().find("ago") == std::string::npos);
    REQUIRE(c.redraw_at);
    CHECK(*c.redraw_at == Approx(c.now.mono + kAgeShownAfter + 0.05));
}

TEST_CASE("a silent server: the age keeps moving, never more than a step behind", "[ui][redraw]") {
    IdleClient c;
    const double last_word = c.now.mono;
    c.run(118);
    // The session says the link is silent at 20 s and sends key every 10 s: deadlines of
    // its own, each a wake-up (and a drawing); the screen's are every 5 s from the age's
    // first showing, and no drawing is ever more than a step behind the last.
    CHECK(c.session.link() == LinkState::Silent);
    CHECK(c.deadline_wakeups > 0);
    REQUIRE(c.drawn.size() >= (118 - kAgeShownAfter) / kAgeStep);
    CHECK(c.redraws.front() == Approx(last_word + kAgeShownAfter + 0.05));
    for (std::size_t i = 1; i < c.drawn.size(); ++i) CHECK(c.drawn[i] - c.drawn[i - 1] <= kAgeStep + 1e-9);
    CHECK(c.unchanged == 0);
    CHECK(c.bar().find("no word from server \xc2\xb7 1:5") != std::string::npos);  // 1:54 to 1:58 ago
}

TEST_CASE("a ring's countdown is drawn each second, and no more once the ring is gone", "[ui][redraw]") {
    IdleClient c;
    c.server(RingCommand{"", 9, std::nullopt, 4.5});
    REQUIRE(c.countdown);
    c.run(6.5);
    // 3.5, 2.5, 1.5 and 0.5 s left (shown rounded up), then the ring expires (a deadline
    // of the session's) and the countdown with it.
    CHECK(c.redraws.size() == 4);
    CHECK(c.unchanged == 0);
    CHECK(c.session.rings().empty());
    CHECK_FALSE(c.countdown);
    c.server(ProbeCommand{"me"});
    std::size_t before = c.redraws.size();
    c.run(6.9);
    CHECK(c.redraws.size() == before);
}

TEST_CASE("a link that is down shows for how long, drawn every 5 s", "[ui][redraw]") {
    IdleClient c;
    c.session.link_down(c.now);
    c.draw();
    c.run(30);
    CHECK(c.redraws.size() == 6);
    CHECK(c.unchanged == 0);
    CHECK(c.bars.front().find("0:05, redialling") != std::string::npos);
    CHECK(c.bars.back().find("0:30, redialling") != std::string::npos);
}

TEST_CASE("what cannot change by itself is never drawn again by a timer", "[ui][redraw]") {
    for (LinkState link : {LinkState::Connecting, LinkState::AwaitingTrust, LinkState::Joining, LinkState::Refused,
                           LinkState::Replaced, LinkState::ServerKeyChanged}) {
        CHECK_FALSE(next_redraw_in(false, link, 1000));
        CHECK(next_redraw_in(true, link, 1000) == Approx(1));  // a ring's countdown still moves
    }
    CHECK(next_redraw_in(false, LinkState::Joined, 3) == Approx(kAgeShownAfter - 3 + 0.05));
    CHECK(next_redraw_in(false, LinkState::Silent, 42) == Approx(kAgeStep));
    CHECK(next_redraw_in(false, LinkState::Down, 0) == Approx(kAgeStep));
}
