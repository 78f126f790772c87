// SPDX-License-Identifier: GPL-3.0-or-later
// When nlchat's screen must be drawn again with nothing else happening: the one timer an
// idle nlchat keeps. It is a pure function of what the screen shows and how old the
// server's last word is, so the rule is tested with a fake clock
// (tests/ui/redraw_schedule_test.cpp) and client/app.cpp only arms a timer with it.
//
// Idle means nearly idle: the screen is drawn again only when something on it would read
// differently. A countdown changes each second; the age of the server's last word is
// shown only once it is kAgeShownAfter old (the probes of a healthy link, every 7 s, keep
// it hidden, as the schedule is asked again after each of them), and then moves in steps
// of kAgeStep; a link that is down shows how long, in the same steps. So an idle nlchat
// on a healthy link wakes only for the server's probes.
#pragma once

#include <optional>

#include "core/client/client_session.h"

namespace nlchat::ui {

// Seconds between two redraws for the age shown in the status bar (once it is shown).
constexpr double kAgeStep = 5;

// Seconds from now until the screen would next read differently by itself, or nothing
// when it never would. `countdown`: the last draw showed a countdown; `link`: the link's
// state; `heard_age`: seconds since the server's last word (used while joined or silent).
std::optional<double> next_redraw_in(bool countdown, LinkState link, double heard_age);

}  // namespace nlchat::ui
