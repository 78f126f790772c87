// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-stats: the service's figures (rings, answered, missed, waits, chats an hour)
// from nlchatd's figures file, for a period, in total or by hour, day or month, as text
// or CSV. The records (core/stats/figures.h) hold no text, address or caller id; this
// reads them with the same code nlchatd writes them with.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/option_table.h"
#include "core/stats/figures.h"
#include "core/stats/figures_summary.h"
#include "net/process.h"

using namespace nlchat;

namespace {

constexpr const char* kProgram = "nlchat-stats";
// The longest --last-hours: ten years.
constexpr std::size_t kMaxLastHours = 87840;
#ifndef NLCHAT_FIGURES_FILE
#define NLCHAT_FIGURES_FILE "/var/lib/nlchatd/figures"
#endif

struct Options {
    std::optional<std::int64_t> from, to;
    std::optional<std::pair<std::int64_t, std::int64_t>> month;
    std::optional<std::size_t> last_hours;
    std::optional<FiguresBucket> by;
    std::string service;
    bool csv = false, help = false, version = false;
    std::vector<std::string> files;
};

bool local_time_option(const char* name, const std::string& v, std::optional<std::int64_t>& out, std::string& e) {
    out = parse_local_time(v);
    if (!out) e = std::string("--") + name + " must be YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (local time), not '" + v + "'";
    return out.has_value();
}

const std::vector<OptionSpec<Options>>& options() {
    static const std::vector<OptionSpec<Options>> table = {
        {"from", 'f', "TIME", "from TIME on (YYYY-MM-DD or 'YYYY-MM-DD HH:MM', local time)",
         [](Options& o, const std::string& v, std::string& e) { return local_time_option("from", v, o.from, e); }},
        {"to", 't', "TIME", "up to TIME, not included",
         [](Options& o, const std::string& v, std::string& e) { return local_time_option("to", v, o.to, e); }},
        {"month", 'm', "YYYY-MM", "that month (local time)",
         [](Options& o, const std::string& v, std::string& e) {
             o.month = parse_local_month(v);
             if (!o.month) e = "--month must be YYYY-MM, not '" + v + "'";
             return o.month.has_value();
         }},
        {"last-hours", 'l', "N", "the last N hours (a shift: --last-hours 12)",
         [](Options& o, const std::string& v, std::string& e) {
             std::size_t n = 0;
             if (!parse_count(v, "--last-hours", 1, kMaxLastHours, n, e)) return false;
             return o.last_hours = n, true;
         }},
        {"by", 'b', "hour|day|month", "one row per local hour, day or month, then the total",
         [](Options& o, const std::string& v, std::string& e) {
             o.by = figures_bucket_from_name(v);
             if (!o.by) e = "--by must be hour, day or month, not '" + v + "'";
             return o.by.has_value();
         }},
        {"service", 's', "NAME", "only the service NAME's records",
         [](Options& o, const std::string& v, std::string& e) {
             if (v.empty()) return e = "--service needs a name", false;
             return o.service = v, true;
         }},
        {"csv", 'c', nullptr, "CSV for a spreadsheet (durations in seconds)",
         [](Options& o, const std::string&, std::string&) { return o.csv = true, true; }},
        {"help", 'h', nullptr, "show this help",
         [](Options& o, const std::string&, std::string&) { return o.help = true, true; }},
        {"version", 'V', nullptr, "show the version",
         [](Options& o, const std::string&, std::string&) { return o.version = true, true; }},
    };
    return table;
}

void usage(std::FILE* out) {
    std::string text = std::string("usage: ") + kProgram + " [OPTIONS] [FILE...]\n\n" +
                       "The figures of nlchatd's figures file (default " NLCHAT_FIGURES_FILE "; - is standard\n" +
                       "input): rings, answered, missed, waits, chats an hour. No text, address or caller id.\n\n" +
                       "options:\n" + options_help(options()) + "\nSee nlchat-stats(1).\n";
    std::fputs(text.c_str(), out);
}

int usage_error(const std::string& why) {
    std::fprintf(stderr, "%s: %s (try --help)\n", kProgram, why.c_str());
    return 2;
}

// What is read: every record that passes the filters, in total and by bucket.
struct Figures {
    FiguresTally total;
    std::map<std::int64_t, FiguresTally> buckets;
};

struct Filter {
    std::optional<std::int64_t> from, to;
    std::string service;
    std::optional<FiguresBucket> by;
};

// Reads one file's lines into `figures`. Lines that are not records are counted and
// reported on stderr once for the file. False (after saying why) if it cannot be read.
bool read_file(const std::string& name, const Filter& filter, Figures& figures) {
    bool is_stdin = name == "-";
    std::FILE* f = is_stdin ? stdin : std::fopen(name.c_str(), "re");
    std::string shown = is_stdin ? "standard input" : "'" + name + "'";
    if (!f) {
        std::fprintf(stderr, "%s: cannot read %s: %s\n", kProgram, shown.c_str(), std::strerror(errno));
        return false;
    }
    std::uint64_t bad = 0, line_no = 0, first_bad = 0;
    std::string first_reason;
    std::string line;
    bool too_long = false;
    auto take = [&]() {
        ++line_no;
        std::string reason;
        std::optional<FiguresRecord> r;
        if (too_long) reason = "longer than " + std::to_string(kFiguresMaxLineBytes) + " bytes";
        else r = parse_figures_line(line, reason);
        line.clear();
        too_long = false;
        if (!r) {
            if (bad++ == 0) first_bad = line_no, first_reason = reason;
            return;
        }
        if (!filter.service.empty() && r->service != filter.service) return;
        if ((filter.from && r->at < *filter.from) || (filter.to && r->at >= *filter.to)) return;
        figures.total.add(*r);
        if (filter.by) figures.buckets[bucket_start(r->at, *filter.by)].add(*r);
    };
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        for (std::size_t i = 0; i < n;) {
            const char* nl = static_cast<const char*>(std::memchr(buf + i, '\n', n - i));
            std::size_t end = nl ? static_cast<std::size_t>(nl - buf) : n;
            // Only as much as the limit (and a byte more, to know it was passed) is kept.
            std::size_t room = kFiguresMaxLineBytes + 1 - std::min(line.size(), kFiguresMaxLineBytes + 1);
            line.append(buf + i, std::min(end - i, room));
            if (line.size() > kFiguresMaxLineBytes) too_long = true;
            i = end;
            if (nl) {
                take();
                ++i;
            }
        }
    }
    bool failed = std::ferror(f) != 0;
    int read_errno = errno;
    if (!is_stdin) std::fclose(f);
    if (failed) {
        std::fprintf(stderr, "%s: cannot read %s: %s\n", kProgram, shown.c_str(), std::strerror(read_errno));
        return false;
    }
    if (!line.empty() || too_long) take();  // a last line without its newline
    if (bad > 0)
        std::fprintf(stderr, "%s: %s: skipped %llu %s (the first, line %llu: %s)\n", kProgram, shown.c_str(),
                     static_cast<unsigned long long>(bad),
                     bad == 1 ? "line that is not a figures record" : "lines that are not figures records",
                     static_cast<unsigned long long>(first_bad), first_reason.c_str());
    return true;
}

// A service name as it may be shown on a terminal: no control characters.
std::string printable(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

std::string fixed(double x, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return buf;
}

std::string pad_left(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string duration_or_dash(const std::optional<double>& d) { return d ? format_duration(*d) : "-"; }

// The single summary, as lines a person reads.
void print_summary(const FiguresSummary& s) {
    auto count = [](const char* label, std::uint64_t n, const char* note) {
        std::string line = pad_right(label, 16) + pad_left(std::to_string(n), 6);
        if (note[0]) line += std::string("   ") + note;
        std::puts(line.c_str());
    };
    count("rings", s.rings, "");
    count("  answered", s.answered, "");
    count("  missed", s.missed, "(timed out)");
    count("  withdrawn", s.withdrawn, "(caller left first)");
    count("  not rung", s.no_listeners, "(no listener available)");
    count("  unavailable", s.unavailable, "(server could not take chats)");
    if (s.median_wait)
        std::printf("%s median %s, longest %s\n", pad_right("wait, answered", 16).c_str(),
                    format_duration(*s.median_wait).c_str(),
                    format_duration(static_cast<double>(*s.longest_wait)).c_str());
    else std::printf("%s -\n", pad_right("wait, answered", 16).c_str());
    if (s.median_missed_wait)
        std::printf("%s median %s\n", pad_right("wait, missed", 16).c_str(),
                    format_duration(*s.median_missed_wait).c_str());
    std::string chats =
        pad_right("chats", 16) + pad_left(std::to_string(s.chats), 6) + "   " + fixed(s.chats_per_hour, 1) + " an hour";
    std::puts(chats.c_str());
    if (s.median_chat)
        std::printf("%s median %s, longest %s\n", pad_right("chat length", 16).c_str(),
                    format_duration(*s.median_chat).c_str(),
                    format_duration(static_cast<double>(*s.longest_chat)).c_str());
    else std::printf("%s -\n", pad_right("chat length", 16).c_str());
    count("hand-overs", s.handovers, "");
    count("support requests", s.support, "");
}

// One row a bucket and the total, in columns.
struct Column {
    const char* heading;
    std::size_t width;
};
const Column kColumns[] = {{"rings", 6},       {"answered", 9}, {"missed", 7},      {"withdrawn", 10},
                           {"not rung", 9},    {"unavail.", 9}, {"wait med", 9},    {"wait max", 9},
                           {"chats", 6},       {"an hour", 8},  {"length med", 11}, {"length max", 11},
                           {"hand-overs", 11}, {"support", 8}};

void print_row(const std::string& label, std::size_t label_width, const std::vector<std::string>& cells) {
    std::string line = pad_right(label, label_width);
    for (std::size_t i = 0; i < cells.size(); ++i) line += pad_left(cells[i], kColumns[i].width);
    std::puts(line.c_str());
}

std::vector<std::string> row_cells(const FiguresSummary& s) {
    auto n = [](std::uint64_t v) { return std::to_string(v); };
    auto longest = [](const std::optional<std::int64_t>& d) {
        return d ? format_duration(static_cast<double>(*d)) : std::string("-");
    };
    return {n(s.rings),
            n(s.answered),
            n(s.missed),
            n(s.withdrawn),
            n(s.no_listeners),
            n(s.unavailable),
            duration_or_dash(s.median_wait),
            longest(s.longest_wait),
            n(s.chats),
            fixed(s.chats_per_hour, 1),
            duration_or_dash(s.median_chat),
            longest(s.longest_chat),
            n(s.handovers),
            n(s.support)};
}

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// Seconds, whole unless a median fell between two (then to a tenth); empty for none.
std::string csv_seconds(const std::optional<double>& d) {
    if (!d) return "";
    return *d == std::floor(*d) ? fixed(*d, 0) : fixed(*d, 1);
}

const char* kCsvHeader =
    "from,to,service,rings,answered,missed,withdrawn,no_listeners,unavailable,wait_median,wait_longest,"
    "missed_wait_median,chats,chats_per_hour,chat_median,chat_longest,handovers,support\r\n";

void print_csv_row(const FiguresSummary& s, const std::string& service) {
    auto n = [](std::uint64_t v) { return std::to_string(v); };
    auto opt = [](const std::optional<std::int64_t>& v) {
        return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
    };
    std::vector<std::string> cells = {format_local_time(s.from),
                                      format_local_time(s.to),
                                      csv_field(service),
                                      n(s.rings),
                                      n(s.answered),
                                      n(s.missed),
                                      n(s.withdrawn),
                                      n(s.no_listeners),
                                      n(s.unavailable),
                                      csv_seconds(s.median_wait),
                                      csv_seconds(opt(s.longest_wait)),
                                      csv_seconds(s.median_missed_wait),
                                      n(s.chats),
                                      fixed(s.chats_per_hour, 2),
                                      csv_seconds(s.median_chat),
                                      csv_seconds(opt(s.longest_chat)),
                                      n(s.handovers),
                                      n(s.support)};
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + cells[i];
    line += "\r\n";
    std::fputs(line.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
    net::sanitize_std_fds();
    Options o;
    std::string error;
    if (!read_options(argc, argv, options(), o, error, &o.files)) return usage_error(error);
    if (o.help) return usage(stdout), 0;
    if (o.version) return std::printf("%s %s\n", kProgram, NLCHAT_VERSION), 0;
    if (o.month && (o.from || o.to || o.last_hours))
        return usage_error("--month goes with neither --from, --to nor --last-hours");
    if (o.last_hours && (o.from || o.to)) return usage_error("--last-hours goes with neither --from nor --to");
    if (o.month) o.from = o.month->first, o.to = o.month->second;
    if (o.last_hours) {
        std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
        o.from = (now - static_cast<std::int64_t>(*o.last_hours) * 3600) / 60 * 60;
        o.to = now / 60 * 60 + 60;  // the minute now is in, included
    }
    if (o.from && o.to && *o.from >= *o.to) return usage_error("--from must come before --to");
    if (o.files.empty()) o.files.push_back(NLCHAT_FIGURES_FILE);

    Filter filter{o.from, o.to, o.service, o.by};
    Figures figures;
    try {
        for (const std::string& file : o.files)
            if (!read_file(file, filter, figures)) return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "%s: out of memory\n", kProgram);
        return 1;
    }

    if (figures.total.empty()) {
        if (o.csv) std::fputs(kCsvHeader, stdout);
        else std::puts("no records");
        return 0;
    }
    std::int64_t from = o.from ? *o.from : figures.total.first_at();
    std::int64_t to = o.to ? *o.to : figures.total.last_at() + 60;
    FiguresSummary total = figures.total.summary(from, to);
    // Each bucket's figures are over the part of it inside --from and --to (the whole
    // hour, day or month when they are not given: the last record's minute would make
    // a short last hour of it).
    auto bucket_summary = [&](std::int64_t start, const FiguresTally& tally) {
        std::int64_t end = bucket_next(start, *o.by);
        return tally.summary(o.from ? std::max(start, *o.from) : start, o.to ? std::min(end, *o.to) : end);
    };

    if (o.csv) {
        std::fputs(kCsvHeader, stdout);
        if (o.by)
            for (const auto& [start, tally] : figures.buckets) print_csv_row(bucket_summary(start, tally), o.service);
        else print_csv_row(total, o.service);
        return 0;
    }
    std::printf("nlchat figures, %s to %s (%s hours), %s%s\n", format_local_time(from).c_str(),
                format_local_time(to).c_str(), fixed(total.hours(), 1).c_str(),
                o.service.empty() ? "all services" : ("service " + printable(o.service)).c_str(),
                o.by ? (std::string(", by ") + figures_bucket_name(*o.by)).c_str() : "");
    if (!o.by) {
        print_summary(total);
        return 0;
    }
    std::size_t label_width = *o.by == FiguresBucket::Hour ? 17 : *o.by == FiguresBucket::Day ? 11 : 8;
    std::vector<std::string> headings;
    for (const Column& c : kColumns) headings.push_back(c.heading);
    print_row(figures_bucket_name(*o.by), label_width, headings);
    for (const auto& [start, tally] : figures.buckets)
        print_row(format_bucket(start, *o.by), label_width, row_cells(bucket_summary(start, tally)));
    print_row("total", label_width, row_cells(total));
    return 0;
}
