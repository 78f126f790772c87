// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the figures file's reader (nlchat-stats(1)): any bytes, as lines,
// through the line parser and the summary. A line read as a record writes back as one
// that reads the same; the summary's counts add up and its medians lie within range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/codec/json_util.h"
#include "core/stats/figures.h"
#include "core/stats/figures_summary.h"

using namespace nlchat;

namespace {

void check_summary(const FiguresSummary& s) {
    if (s.rings != s.answered + s.missed + s.withdrawn + s.no_listeners + s.unavailable) std::abort();
    if (s.median_wait.has_value() != (s.answered > 0) || s.longest_wait.has_value() != (s.answered > 0)) std::abort();
    if (s.median_wait && (*s.median_wait < 0 || *s.median_wait > static_cast<double>(*s.longest_wait))) std::abort();
    if (s.median_chat.has_value() != (s.chats > 0)) std::abort();
    if (s.median_chat && *s.median_chat > static_cast<double>(*s.longest_chat)) std::abort();
    if (s.chats_per_hour < 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    FiguresTally total;
    std::uint64_t lines = 0, bad = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++lines;
        std::string reason;
        auto r = parse_figures_line(line, reason);
        if (!r) {
            if (reason.empty()) std::abort();
            ++bad;
            continue;
        }
        if (r->at % 60 != 0 || r->at < 0 || r->service.empty()) std::abort();
        std::string again = write_json(figures_record_to_json(*r));
        std::string again_reason;
        auto back = parse_figures_line(again, again_reason);
        if (!back || write_json(figures_record_to_json(*back)) != again) std::abort();
        total.add(*r);
        // Every record's day and month start at or before it, and end after it.
        for (FiguresBucket by : {FiguresBucket::Hour, FiguresBucket::Day, FiguresBucket::Month}) {
            std::int64_t start = bucket_start(r->at, by);
            if (start > r->at || bucket_next(start, by) <= r->at) std::abort();
        }
    }
    if (total.records() + bad != lines) std::abort();
    if (!total.empty()) {
        if (total.first_at() > total.last_at()) std::abort();
        check_summary(total.summary(total.first_at(), total.last_at() + 60));
    }
    return 0;
}
