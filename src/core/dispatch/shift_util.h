// SPDX-License-Identifier: GPL-3.0-or-later
// Small helpers the dispatch's shift files share (dispatch_shift.cpp, dispatch_handover.cpp):
// names compared without regard to case, ages in whole seconds, and how long a previous
// operator's lines still count as written before it knew of a hand-over.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>

namespace nlchat::shift {

inline std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

inline std::int64_t seconds(double s) { return s <= 0 ? 0 : static_cast<std::int64_t>(std::floor(s)); }

// How long after the previous operator is told of a hand-over its lines for the chat still
// reach the caller: written before it knew (seconds).
constexpr double kLateLineSeconds = 10;

}  // namespace nlchat::shift
