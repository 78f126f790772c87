// SPDX-License-Identifier: GPL-3.0-or-later
// (Local time comes from the C library's localtime_r and mktime, which read TZ and the
// zone files: the one thing here that is not plain arithmetic.)
#include "core/stats/figures_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace nlchat {
namespace {

std::tm local(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    return tm;
}

std::int64_t from_local(int year, int month, int day, int hour, int minute) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_isdst = -1;  // whatever is in force on that day
    return static_cast<std::int64_t>(std::mktime(&tm));
}

int days_in(int year, int month) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

// Reads exactly `digits` digits at `pos` of `text`.
bool digits_at(const std::string& text, std::size_t pos, std::size_t digits, int& out) {
    if (pos + digits > text.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + digits; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

// "YYYY-MM" at the start of `text`, a month that has a calendar date we print.
bool year_month(const std::string& text, int& year, int& month) {
    return digits_at(text, 0, 4, year) && text.size() >= 7 && text[4] == '-' && digits_at(text, 5, 2, month) &&
           year >= 1970 && year <= 9998 && month >= 1 && month <= 12;
}

std::string two(int n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d", n);
    return buf;
}

}  // namespace

std::optional<double> median_of(std::vector<std::int64_t>& values) {
    if (values.empty()) return std::nullopt;
    std::size_t mid = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
    double upper = static_cast<double>(values[mid]);
    if (values.size() % 2 == 1) return upper;
    double lower =
        static_cast<double>(*std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid)));
    return (lower + upper) / 2;
}

void FiguresTally::add(const FiguresRecord& r) {
    if (records_ == 0 || r.at < first_at_) first_at_ = r.at;
    if (records_ == 0 || r.at > last_at_) last_at_ = r.at;
    ++records_;
    FiguresSummary& c = counts_;
    if (r.kind == FiguresRecord::Kind::Ring) {
        ++c.rings;
        switch (r.outcome) {
        case RingOutcome::Answered:
            ++c.answered;
            answered_waits_.push_back(r.waited);
            break;
        case RingOutcome::TimedOut:
            ++c.missed;
            missed_waits_.push_back(r.waited);
            break;
        case RingOutcome::Withdrawn: ++c.withdrawn; break;
        case RingOutcome::NoListeners: ++c.no_listeners; break;
        case RingOutcome::Unavailable: ++c.unavailable; break;
        }
    } else {
        ++c.chats;
        chat_lengths_.push_back(r.lasted);
        c.handovers += static_cast<std::uint64_t>(r.handovers);
        c.support += static_cast<std::uint64_t>(r.support);
    }
}

FiguresSummary FiguresTally::summary(std::int64_t from, std::int64_t to) const {
    FiguresSummary s = counts_;
    s.from = from;
    s.to = to;
    std::vector<std::int64_t> v = answered_waits_;
    s.median_wait = median_of(v);
    if (!v.empty()) s.longest_wait = *std::max_element(v.begin(), v.end());
    v = missed_waits_;
    s.median_missed_wait = median_of(v);
    v = chat_lengths_;
    s.median_chat = median_of(v);
    if (!v.empty()) s.longest_chat = *std::max_element(v.begin(), v.end());
    s.chats_per_hour = to > from ? static_cast<double>(s.chats) / s.hours() : 0;
    return s;
}

std::optional<FiguresBucket> figures_bucket_from_name(const std::string& name) {
    if (name == "hour") return FiguresBucket::Hour;
    if (name == "day") return FiguresBucket::Day;
    if (name == "month") return FiguresBucket::Month;
    return std::nullopt;
}

const char* figures_bucket_name(FiguresBucket by) {
    switch (by) {
    case FiguresBucket::Hour: return "hour";
    case FiguresBucket::Day: return "day";
    case FiguresBucket::Month: return "month";
    }
    return "day";
}

std::int64_t bucket_start(std::int64_t at, FiguresBucket by) {
    std::tm tm = local(at);
    // An hour starts where the local minutes and seconds were zero, which holds across a
    // change of the clocks (the hour 02:00 that comes twice is two buckets).
    if (by == FiguresBucket::Hour) return at - std::int64_t{tm.tm_min} * 60 - tm.tm_sec;
    return from_local(tm.tm_year + 1900, tm.tm_mon + 1, by == FiguresBucket::Day ? tm.tm_mday : 1, 0, 0);
}

std::int64_t bucket_next(std::int64_t start, FiguresBucket by) {
    if (by == FiguresBucket::Hour) return start + 3600;
    std::tm tm = local(start);
    if (by == FiguresBucket::Day) return from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + 1, 0, 0);
    return from_local(tm.tm_year + 1900, tm.tm_mon + 2, 1, 0, 0);  // mktime carries month 13 over
}

std::optional<std::int64_t> parse_local_time(const std::string& text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0;
    if (!year_month(text, year, month) || text.size() < 10 || text[7] != '-' || !digits_at(text, 8, 2, day))
        return std::nullopt;
    if (day < 1 || day > days_in(year, month)) return std::nullopt;
    if (text.size() != 10) {
        if (text.size() != 16 || text[10] != ' ' || !digits_at(text, 11, 2, hour) || text[13] != ':' ||
            !digits_at(text, 14, 2, minute) || hour > 23 || minute > 59)
            return std::nullopt;
    }
    return from_local(year, month, day, hour, minute);
}

std::optional<std::pair<std::int64_t, std::int64_t>> parse_local_month(const std::string& text) {
    int year = 0, month = 0;
    if (text.size() != 7 || !year_month(text, year, month)) return std::nullopt;
    return std::make_pair(from_local(year, month, 1, 0, 0), from_local(year, month + 1, 1, 0, 0));
}

std::string format_local_time(std::int64_t t) {
    std::tm tm = local(t);
    return std::to_string(tm.tm_year + 1900) + "-" + two(tm.tm_mon + 1) + "-" + two(tm.tm_mday) + " " +
           two(tm.tm_hour) + ":" + two(tm.tm_min);
}

std::string format_bucket(std::int64_t start, FiguresBucket by) {
    std::string full = format_local_time(start);
    switch (by) {
    case FiguresBucket::Hour: return full;
    case FiguresBucket::Day: return full.substr(0, 10);
    case FiguresBucket::Month: return full.substr(0, 7);
    }
    return full;
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
    auto s = static_cast<std::int64_t>(std::llround(std::min(seconds, 1e15)));
    std::int64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
    if (h == 0) return std::to_string(m) + ":" + two(static_cast<int>(sec));
    return std::to_string(h) + ":" + two(static_cast<int>(m)) + ":" + two(static_cast<int>(sec));
}

}  // namespace nlchat
