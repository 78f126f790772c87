// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/log_limiter.h"

namespace nlchat {

std::optional<std::string> LogLimiter::pass(double now, const std::string& text) {
    if (now - window_start_ >= window_) {
        window_start_ = now;
        written_ = 0;
    }
    if (written_ >= burst_) {
        ++suppressed_;
        return std::nullopt;
    }
    ++written_;
    if (suppressed_ == 0) return text;
    std::string line = text + " (" + std::to_string(suppressed_) + " more like it were not logged)";
    suppressed_ = 0;
    return line;
}

}  // namespace nlchat
