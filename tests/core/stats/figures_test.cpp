// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/stats/figures.h"

#include <catch2/catch.hpp>

#include "core/codec/json_util.h"

using namespace nlchat;

namespace {

std::optional<FiguresRecord> line(const std::string& text, std::string& reason) {
    return parse_figures_line(text, reason);
}

std::string reason_of(const std::string& text) {
    std::string reason;
    auto r = parse_figures_line(text, reason);
    CHECK_FALSE(r);
    CHECK_FALSE(reason.empty());
    return reason;
}

const std::string kRing = R"({"v":1,"kind":"ring","service":"web","at":1765000020,"waited":12,"outcome":"answered"})";
const std::string kChat =
    R"({"v":1,"kind":"chat","service":"web","at":1765000020,"lasted":754,"ended_by":"operator","handovers":1,"support":0})";

}  // namespace

TEST_CASE("a ring record's time is its minute and its wait whole seconds", "[figures]") {
    Json::Value r = figures_ring_record("web", 1765000079.9, 12.6, "timed_out");
    CHECK(write_json(r) ==
          R"({"at":1765000020,"kind":"ring","outcome":"timed_out","service":"web","v":1,"waited":13})");
    CHECK(r["at"].asInt64() % 60 == 0);
    // Exactly on the minute stays; a second before goes to the minute before.
    CHECK(figures_ring_record("web", 1765000020, 0, "answered")["at"].asInt64() == 1765000020);
    CHECK(figures_ring_record("web", 1765000019.999, 0, "answered")["at"].asInt64() == 1764999960);
    // A clock that stepped back, or no time at all, never makes a negative or odd value.
    CHECK(figures_ring_record("web", 1765000020, -3, "answered")["waited"].asInt64() == 0);
    CHECK(figures_ring_record("web", -5, 1, "answered")["at"].asInt64() == 0);
    CHECK(figures_ring_record("web", std::nan(""), std::nan(""), "answered")["waited"].asInt64() == 0);
    CHECK(figures_ring_record("web", 1e300, 1e300, "answered")["at"].asInt64() == kFiguresMaxAt);
    CHECK(figures_ring_record("web", 1, 1e300, "answered")["waited"].asInt64() == kFiguresMaxValue);
    CHECK(figures_ring_record("web", 1765000020, 0.49, "answered")["waited"].asInt64() == 0);
    CHECK(figures_ring_record("web", 1765000020, 0.5, "answered")["waited"].asInt64() == 1);
}

TEST_CASE("a chat record has its kind's fields and no others", "[figures]") {
    Json::Value c = figures_chat_record("phone", 1765000080.5, 753.7, "caller", 2, 1);
    CHECK(
        write_json(c) ==
        R"({"at":1765000080,"ended_by":"caller","handovers":2,"kind":"chat","lasted":754,"service":"phone","support":1,"v":1})");
    // The builders take no text, address or id: the records' fields are the format's.
    for (const Json::Value& r : {c, figures_ring_record("web", 1, 1, "answered")})
        for (const auto& name : r.getMemberNames()) CHECK(figures_field_known(r["kind"].asString(), name));
    CHECK_FALSE(figures_field_known("ring", "text"));
    CHECK_FALSE(figures_field_known("ring", "lasted"));
    CHECK_FALSE(figures_field_known("chat", "waited"));
    CHECK_FALSE(figures_field_known("other", "v"));
}

TEST_CASE("what the builders write reads back as the same record", "[figures]") {
    for (const char* outcome : {"answered", "timed_out", "withdrawn", "no_listeners", "unavailable"}) {
        std::string reason;
        auto r = line(write_json(figures_ring_record("web", 1765000020, 5, outcome)), reason);
        REQUIRE(r);
        CHECK(r->kind == FiguresRecord::Kind::Ring);
        CHECK(std::string(ring_outcome_name(r->outcome)) == outcome);
        CHECK(r->waited == 5);
        CHECK(write_json(figures_record_to_json(*r)) == write_json(figures_ring_record("web", 1765000020, 5, outcome)));
    }
    for (const char* end : {"operator", "caller", "server"}) {
        std::string reason;
        auto r = line(write_json(figures_chat_record("web", 1765000020, 60, end, 0, 3)), reason);
        REQUIRE(r);
        CHECK(r->kind == FiguresRecord::Kind::Chat);
        CHECK(std::string(chat_end_name(r->ended_by)) == end);
        CHECK(r->lasted == 60);
        CHECK(r->support == 3);
    }
}

TEST_CASE("the format's own examples read", "[figures]") {
    std::string reason;
    auto ring = line(kRing, reason);
    REQUIRE(ring);
    CHECK(ring->service == "web");
    CHECK(ring->at == 1765000020);
    CHECK(ring->waited == 12);
    CHECK(ring->outcome == RingOutcome::Answered);
    auto chat = line(kChat, reason);
    REQUIRE(chat);
    CHECK(chat->lasted == 754);
    CHECK(chat->ended_by == ChatEnd::Operator);
    CHECK(chat->handovers == 1);
    CHECK(chat->support == 0);
    // A later version's extra fields are ignored.
    auto extra =
        line(R"({"v":1,"kind":"ring","service":"web","at":60,"waited":0,"outcome":"withdrawn","new":[1]})", reason);
    REQUIRE(extra);
    CHECK(extra->outcome == RingOutcome::Withdrawn);
}

TEST_CASE("every kind of line that is not a record is refused with a reason", "[figures]") {
    auto ring_with = [](const std::string& field, const std::string& value) {
        Json::Value v;
        std::string error;
        v = *parse_json_object(kRing, error);
        std::string text = write_json(v);
        // Replace the field's value textually, keeping the others.
        auto at = text.find("\"" + field + "\":");
        REQUIRE(at != std::string::npos);
        auto start = at + field.size() + 3;
        auto end = text.find_first_of(",}", start);
        return text.substr(0, start) + value + text.substr(end);
    };
    auto ring_without = [](const std::string& field) {
        std::string error;
        Json::Value v = *parse_json_object(kRing, error);
        v.removeMember(field);
        return write_json(v);
    };
    CHECK(reason_of("").find("not JSON") == 0);
    CHECK(reason_of("{\"v\":1").find("not JSON") == 0);
    CHECK(reason_of("[1,2]").find("not JSON") == 0);
    CHECK(reason_of(kRing + "x").find("not JSON") == 0);
    CHECK(reason_of("{\"v\":1,\"v\":1}").find("not JSON") == 0);
    CHECK(reason_of("{\"service\":\"\xff\"}").find("not JSON") == 0);
    CHECK(reason_of(std::string(4097, ' ')) == "longer than 4096 bytes");
    CHECK(reason_of(ring_with("v", "2")) == "version 2 is not known");
    CHECK(reason_of(ring_with("v", "\"1\"")) == "\"v\" is not a whole number");
    CHECK(reason_of(ring_with("v", "1.0")) == "\"v\" is not a whole number");
    CHECK(reason_of(ring_with("kind", "\"rang\"")) == "kind is neither \"ring\" nor \"chat\"");
    CHECK(reason_of(ring_with("kind", "7")) == "\"kind\" is not a string");
    CHECK(reason_of(ring_with("service", "\"\"")) == "\"service\" is empty");
    CHECK(reason_of(ring_with("service", "null")) == "\"service\" is not a string");
    CHECK(reason_of(ring_with("at", "1765000021")) == "\"at\" is not a whole minute");
    CHECK(reason_of(ring_with("at", "-60")) == "\"at\" is out of range");
    CHECK(reason_of(ring_with("at", "1765000020.0")) == "\"at\" is not a whole number");
    CHECK(reason_of(ring_with("at", "99999999999999999999")) == "\"at\" is not a whole number");
    CHECK(reason_of(ring_with("at", "253402300800")) == "\"at\" is out of range");
    CHECK(reason_of(ring_with("waited", "-1")) == "\"waited\" is out of range");
    CHECK(reason_of(ring_with("waited", "1000000001")) == "\"waited\" is out of range");
    CHECK(reason_of(ring_with("waited", "true")) == "\"waited\" is not a whole number");
    CHECK(reason_of(ring_with("outcome", "\"missed\"")) == "\"outcome\" is not known");
    for (const char* field : {"v", "kind", "service", "at", "waited", "outcome"})
        CHECK(reason_of(ring_without(field)) == std::string("no \"") + field + "\"");
    // A chat's fields are a chat's: a ring's do not stand in for them.
    CHECK(reason_of(R"({"v":1,"kind":"chat","service":"web","at":60,"waited":1,"outcome":"answered"})") ==
          "no \"lasted\"");
    CHECK(
        reason_of(
            R"({"v":1,"kind":"chat","service":"web","at":60,"lasted":1,"ended_by":"nobody","handovers":0,"support":0})") ==
        "\"ended_by\" is not known");
    CHECK(reason_of(R"({"v":1,"kind":"chat","service":"web","at":60,"lasted":1,"ended_by":"caller","support":0})") ==
          "no \"handovers\"");
    CHECK(reason_of(R"({"v":1,"kind":"chat","service":"web","at":60,"lasted":1,"ended_by":"caller","handovers":0})") ==
          "no \"support\"");
    CHECK(
        reason_of(
            R"({"v":1,"kind":"chat","service":"web","at":60,"lasted":1,"ended_by":"caller","handovers":-1,"support":0})") ==
        "\"handovers\" is out of range");
    // Exactly the limit is still a line.
    std::string padded = kRing.substr(0, kRing.size() - 1) + ",\"pad\":\"" +
                         std::string(kFiguresMaxLineBytes - kRing.size() - 9, 'x') + "\"}";
    REQUIRE(padded.size() == kFiguresMaxLineBytes);
    std::string reason;
    CHECK(line(padded, reason));
    CHECK_FALSE(line(padded + " ", reason));
}
