// SPDX-License-Identifier: GPL-3.0-or-later
// What nlchat-stats(1) makes of a figures file's records (core/stats/figures.h): the
// counts and waits of a period, and the period cut into hours, days or months of local
// time (TZ respected). Times are epoch seconds; a period is [from, to).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/stats/figures.h"

namespace nlchat {

// The figures of one period.
struct FiguresSummary {
    std::int64_t from = 0, to = 0;
    std::uint64_t rings = 0;  // every ring record, whatever its outcome
    std::uint64_t answered = 0, missed = 0, withdrawn = 0, no_listeners = 0, unavailable = 0;
    // Over answered rings; nothing when there were none.
    std::optional<double> median_wait;
    std::optional<std::int64_t> longest_wait;
    // Over missed (timed out) rings.
    std::optional<double> median_missed_wait;
    std::uint64_t chats = 0;
    double chats_per_hour = 0;  // chats over the period's hours
    std::optional<double> median_chat;
    std::optional<std::int64_t> longest_chat;
    std::uint64_t handovers = 0, support = 0;

    double hours() const { return static_cast<double>(to - from) / 3600; }
};

// The median of `values` (the mean of the middle two for an even count); nothing for
// none. Reorders `values`.
std::optional<double> median_of(std::vector<std::int64_t>& values);

// Records added one at a time, summed up for a period on demand. It keeps the waits and
// lengths (8 bytes a record) for the medians, nothing else per record.
class FiguresTally {
public:
    void add(const FiguresRecord& record);
    bool empty() const { return records_ == 0; }
    std::uint64_t records() const { return records_; }
    // The earliest and latest record's `at` (meaningless while empty()).
    std::int64_t first_at() const { return first_at_; }
    std::int64_t last_at() const { return last_at_; }
    // The figures, for the period [from, to) the caller says the records cover.
    FiguresSummary summary(std::int64_t from, std::int64_t to) const;

private:
    std::uint64_t records_ = 0;
    std::int64_t first_at_ = 0, last_at_ = 0;
    FiguresSummary counts_;
    std::vector<std::int64_t> answered_waits_, missed_waits_, chat_lengths_;
};

// How --by cuts a period: by local hour, day or month.
enum class FiguresBucket { Hour, Day, Month };
std::optional<FiguresBucket> figures_bucket_from_name(const std::string& name);
const char* figures_bucket_name(FiguresBucket by);

// The start of the local hour, day or month `at` falls in, and the start of the next
// one after `start` (a day is 23 or 25 hours where the clocks change).
std::int64_t bucket_start(std::int64_t at, FiguresBucket by);
std::int64_t bucket_next(std::int64_t start, FiguresBucket by);

// Local time as written on nlchat-stats's command line, "YYYY-MM-DD" (midnight) or
// "YYYY-MM-DD HH:MM"; "YYYY-MM" for a month, as its first and the next month's first
// midnight. Nothing for anything else (a 31 February, a 24:00).
std::optional<std::int64_t> parse_local_time(const std::string& text);
std::optional<std::pair<std::int64_t, std::int64_t>> parse_local_month(const std::string& text);
// Epoch seconds as local "YYYY-MM-DD HH:MM", and the label of a bucket starting there
// ("2026-12-05 22:00", "2026-12-05", "2026-12").
std::string format_local_time(std::int64_t t);
std::string format_bucket(std::int64_t start, FiguresBucket by);
// Seconds as M:SS, or H:MM:SS from an hour up (rounded to the second).
std::string format_duration(double seconds);

}  // namespace nlchat
