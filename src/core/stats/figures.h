// SPDX-License-Identifier: GPL-3.0-or-later
// The figures file's records (nlchat-stats(1), FILES): one JSON object a line, one for
// each ring and each chat nlchatd saw end, for the service's own counts (rings, missed,
// waits, chats an hour) without anyone's words. The format has no field for a text, a
// caller's address or id, and its times are whole minutes: an exact time could be
// matched against a web server's log to find the caller.
//
// The builders here are what nlchatd writes with (through server/figures_file.h), the
// reader what nlchat-stats reads with, so both sides share one definition.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nlchat {

// The format's version (the records' "v"); a reader skips records of any other.
inline constexpr int kFiguresVersion = 1;
// The longest line a reader takes (without its newline); a longer one is not a record.
inline constexpr std::size_t kFiguresMaxLineBytes = 4096;
// The largest duration or count a record may hold (31 years of seconds): sums over
// millions of records stay far inside 64 bits.
inline constexpr std::int64_t kFiguresMaxValue = 1000000000;
// The latest `at` (9999-12-31 23:59 UTC), so that every record has a calendar date.
inline constexpr std::int64_t kFiguresMaxAt = 253402300740;

// How a ring ended ("outcome"): answered; timed_out (nobody took it: a missed ring);
// withdrawn (the caller left before an answer); no_listeners (not rung: no operator
// available); unavailable (nlchatd could not take a new chat, e.g. its journal failed).
enum class RingOutcome { Answered, TimedOut, Withdrawn, NoListeners, Unavailable };
// Who ended a chat ("ended_by"): operator, caller, or server (grace ran out, key revoked...).
enum class ChatEnd { Operator, Caller, Server };

const char* ring_outcome_name(RingOutcome outcome);
std::optional<RingOutcome> ring_outcome_from_name(std::string_view name);
const char* chat_end_name(ChatEnd end);
std::optional<ChatEnd> chat_end_from_name(std::string_view name);

// One record, read. `at` is epoch seconds, a whole minute; durations whole seconds.
struct FiguresRecord {
    enum class Kind { Ring, Chat };
    Kind kind = Kind::Ring;
    std::string service;
    std::int64_t at = 0;
    // A ring's.
    std::int64_t waited = 0;
    RingOutcome outcome = RingOutcome::Answered;
    // A chat's.
    std::int64_t lasted = 0;
    ChatEnd ended_by = ChatEnd::Operator;
    std::int64_t handovers = 0;
    std::int64_t support = 0;
};

// The record of a ring that ended: `rang_wall` the wall-clock time it rang (epoch
// seconds, rounded down to the minute here), `waited` seconds from the ring to its end
// (rounded to whole seconds, never negative), `outcome` one of ring_outcome_name's names
// (FiguresFile::append refuses a record with any other).
Json::Value figures_ring_record(const std::string& service, double rang_wall, double waited,
                                const std::string& outcome);
// The record of a chat that ended: `started_wall` when it started (rounded down to the
// minute), `lasted` its length in seconds, `ended_by` one of chat_end_name's names,
// `handovers` how many times it went to another operator, `support` how many times its
// operator asked for support.
Json::Value figures_chat_record(const std::string& service, double started_wall, double lasted,
                                const std::string& ended_by, unsigned handovers, unsigned support);

// A JSON object as a record: nothing (with `reason`) when it is not one: another "v",
// an unknown "kind", a field missing, of the wrong type or out of range. Fields the
// format does not have are ignored (a later version may add some).
std::optional<FiguresRecord> figures_record_from_json(const Json::Value& value, std::string& reason);
// The record as the format writes it: its kind's fields and no others.
Json::Value figures_record_to_json(const FiguresRecord& record);
// One line of a figures file (without its newline) as a record, or nothing with `reason`
// (also for a line longer than kFiguresMaxLineBytes or one that is not strict JSON).
std::optional<FiguresRecord> parse_figures_line(std::string_view line, std::string& reason);
// The names of the fields of a record of `kind` ("ring" or "chat"); false for another
// kind or a name that is not one of them.
bool figures_field_known(std::string_view kind, std::string_view field);

}  // namespace nlchat
