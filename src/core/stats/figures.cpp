// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/stats/figures.h"

#include <cmath>

#include "core/codec/json_util.h"

namespace nlchat {
namespace {

struct OutcomeName {
    RingOutcome outcome;
    const char* name;
};
constexpr OutcomeName kOutcomes[] = {
    {RingOutcome::Answered, "answered"},       {RingOutcome::TimedOut, "timed_out"},
    {RingOutcome::Withdrawn, "withdrawn"},     {RingOutcome::NoListeners, "no_listeners"},
    {RingOutcome::Unavailable, "unavailable"},
};

struct EndName {
    ChatEnd end;
    const char* name;
};
constexpr EndName kEnds[] = {{ChatEnd::Operator, "operator"}, {ChatEnd::Caller, "caller"}, {ChatEnd::Server, "server"}};

constexpr const char* kRingFields[] = {"v", "kind", "service", "at", "waited", "outcome"};
constexpr const char* kChatFields[] = {"v", "kind", "service", "at", "lasted", "ended_by", "handovers", "support"};

// Wall-clock seconds as the minute they fall in: nothing finer ever reaches the file.
std::int64_t whole_minute(double wall) {
    if (!std::isfinite(wall) || wall <= 0) return 0;
    double minute = std::floor(wall / 60) * 60;
    if (minute > static_cast<double>(kFiguresMaxAt)) return kFiguresMaxAt;
    return static_cast<std::int64_t>(minute);
}

// Seconds as whole seconds, never negative (a clock step backwards) nor past the bound.
std::int64_t whole_seconds(double seconds) {
    if (!std::isfinite(seconds) || seconds <= 0) return 0;
    double s = std::round(seconds);
    if (s > static_cast<double>(kFiguresMaxValue)) return kFiguresMaxValue;
    return static_cast<std::int64_t>(s);
}

Json::Value common(const char* kind, const std::string& service, double wall) {
    Json::Value r(Json::objectValue);
    r["v"] = kFiguresVersion;
    r["kind"] = kind;
    r["service"] = service;
    r["at"] = Json::Int64{whole_minute(wall)};
    return r;
}

// An integer field from 0 to `max`, written as an integer (12.0 is not one).
bool whole_field(const Json::Value& v, const char* name, std::int64_t max, std::int64_t& out, std::string& reason) {
    const Json::Value* f = v.find(name, name + std::char_traits<char>::length(name));
    if (!f) return reason = std::string("no \"") + name + "\"", false;
    if ((f->type() != Json::intValue && f->type() != Json::uintValue) || !f->isInt64())
        return reason = std::string("\"") + name + "\" is not a whole number", false;
    std::int64_t n = f->asInt64();
    if (n < 0 || n > max) return reason = std::string("\"") + name + "\" is out of range", false;
    out = n;
    return true;
}

bool text_field(const Json::Value& v, const char* name, std::string& out, std::string& reason) {
    const Json::Value* f = v.find(name, name + std::char_traits<char>::length(name));
    if (!f) return reason = std::string("no \"") + name + "\"", false;
    if (!f->isString()) return reason = std::string("\"") + name + "\" is not a string", false;
    out = f->asString();
    return true;
}

}  // namespace

const char* ring_outcome_name(RingOutcome outcome) {
    for (const auto& o : kOutcomes)
        if (o.outcome == outcome) return o.name;
    return "answered";
}

std::optional<RingOutcome> ring_outcome_from_name(std::string_view name) {
    for (const auto& o : kOutcomes)
        if (name == o.name) return o.outcome;
    return std::nullopt;
}

const char* chat_end_name(ChatEnd end) {
    for (const auto& e : kEnds)
        if (e.end == end) return e.name;
    return "operator";
}

std::optional<ChatEnd> chat_end_from_name(std::string_view name) {
    for (const auto& e : kEnds)
        if (name == e.name) return e.end;
    return std::nullopt;
}

Json::Value figures_ring_record(const std::string& service, double rang_wall, double waited,
                                const std::string& outcome) {
    Json::Value r = common("ring", service, rang_wall);
    r["waited"] = Json::Int64{whole_seconds(waited)};
    r["outcome"] = outcome;
    return r;
}

Json::Value figures_chat_record(const std::string& service, double started_wall, double lasted,
                                const std::string& ended_by, unsigned handovers, unsigned support) {
    Json::Value r = common("chat", service, started_wall);
    r["lasted"] = Json::Int64{whole_seconds(lasted)};
    r["ended_by"] = ended_by;
    r["handovers"] = Json::Int64{std::min<std::int64_t>(handovers, kFiguresMaxValue)};
    r["support"] = Json::Int64{std::min<std::int64_t>(support, kFiguresMaxValue)};
    return r;
}

std::optional<FiguresRecord> figures_record_from_json(const Json::Value& value, std::string& reason) {
    if (!value.isObject()) return reason = "not a JSON object", std::nullopt;
    std::int64_t version = 0;
    if (!whole_field(value, "v", kFiguresMaxValue, version, reason)) return std::nullopt;
    if (version != kFiguresVersion)
        return reason = "version " + std::to_string(version) + " is not known", std::nullopt;
    FiguresRecord r;
    std::string kind;
    if (!text_field(value, "kind", kind, reason)) return std::nullopt;
    if (kind == "ring") r.kind = FiguresRecord::Kind::Ring;
    else if (kind == "chat") r.kind = FiguresRecord::Kind::Chat;
    else return reason = "kind is neither \"ring\" nor \"chat\"", std::nullopt;
    if (!text_field(value, "service", r.service, reason)) return std::nullopt;
    if (r.service.empty()) return reason = "\"service\" is empty", std::nullopt;
    if (!whole_field(value, "at", kFiguresMaxAt, r.at, reason)) return std::nullopt;
    if (r.at % 60 != 0) return reason = "\"at\" is not a whole minute", std::nullopt;
    std::string name;
    if (r.kind == FiguresRecord::Kind::Ring) {
        if (!whole_field(value, "waited", kFiguresMaxValue, r.waited, reason)) return std::nullopt;
        if (!text_field(value, "outcome", name, reason)) return std::nullopt;
        auto outcome = ring_outcome_from_name(name);
        if (!outcome) return reason = "\"outcome\" is not known", std::nullopt;
        r.outcome = *outcome;
    } else {
        if (!whole_field(value, "lasted", kFiguresMaxValue, r.lasted, reason)) return std::nullopt;
        if (!text_field(value, "ended_by", name, reason)) return std::nullopt;
        auto end = chat_end_from_name(name);
        if (!end) return reason = "\"ended_by\" is not known", std::nullopt;
        r.ended_by = *end;
        if (!whole_field(value, "handovers", kFiguresMaxValue, r.handovers, reason)) return std::nullopt;
        if (!whole_field(value, "support", kFiguresMaxValue, r.support, reason)) return std::nullopt;
    }
    return r;
}

Json::Value figures_record_to_json(const FiguresRecord& record) {
    Json::Value r(Json::objectValue);
    r["v"] = kFiguresVersion;
    r["kind"] = record.kind == FiguresRecord::Kind::Ring ? "ring" : "chat";
    r["service"] = record.service;
    r["at"] = Json::Int64{record.at};
    if (record.kind == FiguresRecord::Kind::Ring) {
        r["waited"] = Json::Int64{record.waited};
        r["outcome"] = ring_outcome_name(record.outcome);
    } else {
        r["lasted"] = Json::Int64{record.lasted};
        r["ended_by"] = chat_end_name(record.ended_by);
        r["handovers"] = Json::Int64{record.handovers};
        r["support"] = Json::Int64{record.support};
    }
    return r;
}

std::optional<FiguresRecord> parse_figures_line(std::string_view line, std::string& reason) {
    if (line.size() > kFiguresMaxLineBytes)
        return reason = "longer than " + std::to_string(kFiguresMaxLineBytes) + " bytes", std::nullopt;
    std::string error;
    auto value = parse_json_object(line, error);
    if (!value) return reason = "not JSON: " + error, std::nullopt;
    return figures_record_from_json(*value, reason);
}

bool figures_field_known(std::string_view kind, std::string_view field) {
    if (kind == "ring") {
        for (const char* f : kRingFields)
            if (field == f) return true;
    } else if (kind == "chat") {
        for (const char* f : kChatFields)
            if (field == f) return true;
    }
    return false;
}

}  // namespace nlchat
