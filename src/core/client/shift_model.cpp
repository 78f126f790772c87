// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/client/shift_model.h"

#include <algorithm>
#include <cmath>

namespace nlchat {

std::vector<ShiftOffer>::iterator ShiftModel::find_offer(ShiftOffer::Kind kind, std::int64_t chat) {
    return std::find_if(offers.begin(), offers.end(),
                        [&](const ShiftOffer& o) { return o.kind == kind && o.chat == chat; });
}

std::string support_text(const SupportAsk& ask) {
    if (ask.state == "sending") return "support: asking";
    if (ask.state == "asked")
        return ask.seen_by > 0 ? "support: asked (shown to " + std::to_string(ask.seen_by) + ")"
                               : "support: asked (nobody on the shift yet)";
    if (ask.state == "reading") return "support: " + ask.by + " reads along";
    return "support: " + ask.state;
}

std::string handover_text(const HandoverAsk& ask) {
    const std::string whom = ask.to ? " to " + *ask.to : std::string(" to anyone");
    if (ask.state == "sending") return "hand-over" + whom + ": asking";
    if (ask.state == "offered")
        return "hand-over" + whom + ": offered (shown to " + std::to_string(ask.seen_by) + ", Ctrl-O cancels)";
    return "hand-over: " + ask.state;
}

std::string age_text(double seconds) {
    const long s = std::max(0L, static_cast<long>(std::floor(seconds)));
    if (s < 60) return std::to_string(s) + " s";
    if (s < 3600) return std::to_string(s / 60) + " min";
    return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
}

std::string reason_text(const std::optional<std::string>& reason) {
    if (!reason || reason->empty()) return "no reason given";
    std::string out = *reason;
    std::replace(out.begin(), out.end(), '_', ' ');
    return out;
}

}  // namespace nlchat
