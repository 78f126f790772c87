// SPDX-License-Identifier: GPL-3.0-or-later
// Time as the state machines see it, passed in by their callers: a monotonic clock for
// timers, and the wall clock for what is shown or sent as a date (epoch seconds).
#pragma once

namespace nlchat {

struct Now {
    double mono = 0;
    double wall = 0;
};

}  // namespace nlchat
