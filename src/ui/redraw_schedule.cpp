// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/redraw_schedule.h"

#include "ui/screen.h"

namespace nlchat::ui {

std::optional<double> next_redraw_in(bool countdown, LinkState link, double heard_age) {
    if (countdown) return 1;
    if (link == LinkState::Joined || link == LinkState::Silent) {
        // Just past the moment the age is first shown (so that the draw shows it), then
        // a step at a time.
        return heard_age < kAgeShownAfter ? kAgeShownAfter - heard_age + 0.05 : kAgeStep;
    }
    if (link == LinkState::Down) return kAgeStep;
    return std::nullopt;
}

}  // namespace nlchat::ui
