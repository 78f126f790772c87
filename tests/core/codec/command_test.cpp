// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/command.h"

#include <catch2/catch.hpp>
#include <set>

#include "core/codec/json_util.h"

using namespace nlchat;

namespace {

ParsedCommand parse(const std::string& text) {
    std::string error;
    auto v = parse_json_object(text, error);
    REQUIRE(v);
    return parse_command(*v);
}

template <class T> T parse_as(const std::string& text) {
    ParsedCommand p = parse(text);
    INFO(p.error);
    REQUIRE(p.kind == ParsedCommand::Kind::Ok);
    REQUIRE(std::holds_alternative<T>(*p.command));
    return std::get<T>(*p.command);
}

}  // namespace

TEST_CASE("every command round-trips through JSON", "[command]") {
    std::vector<Command> all = {
        KeyCommand{"u1", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"},
        StatusCommand{{{"Web", "Connected"}, {"Caller", "down"}}},
        RingCommand{"", 12, 1764190000.5, 59.5},
        RingAckCommand{"u1", 12},
        RingAckAckCommand{"", 12},
        MsgCommand{{"hello", "h\xc3\xa9 \xf0\x9f\x98\x8a"}, Direction::In, "u1", 2, 9},
        ChatStateCommand{"u1", Direction::Out, "composing"},
        ProbeCommand{"u1"},
        ProbeAckCommand{"u1"},
        DisassociateCommand{"u1"},
        DisconnectCommand{"u1"},
        ServerOnlineCommand{std::string("PEM")},
        ChallengeCommand{"u1", "bm9uY2U="},
        ChallengeAckCommand{"u1", "bm9uY2U="},
        RefusedCommand{"u1", "key not authorized"},
        UndeliveredCommand{"u1", 7, "the caller had left", 3},
        ShiftCommand{"u1", std::string("Alice"), std::string("supervisor"), true, 120},
        AwayCommand{"u1", false},
        ReminderCommand{"u1", 900},
        SupportCommand{"u1", 4},
        SupportAcceptCommand{"u1", 4},
        SupportEndCommand{"u1", 4},
        SupportStateCommand{"u1", 4, "reading", std::string("Bob"), std::nullopt, std::nullopt},
        SupportRequestCommand{"u1", 4, "Alice", 300, "open"},
        ReadalongCommand{"u1",
                         4,
                         "open",
                         std::string("Alice"),
                         std::string("Web"),
                         std::nullopt,
                         {{"caller", "hi"}, {"operator", "hello \xc3\xa9"}}},
        ReadCommand{"u1", 4, "caller", "still there?"},
        WhisperCommand{"u1", 4, "ask about sleep", std::string("Bob")},
        HandoverCommand{"u1", 4, std::string("Carol"), std::string("end of my shift")},
        HandoverAcceptCommand{"u1", 4},
        HandoverCancelCommand{"u1", 4},
        HandoverStateCommand{"u1", 4, "done", std::string("Carol"), std::nullopt, std::nullopt},
        HandoverOfferCommand{"u1", 4, "Alice", std::string("note"), std::string("Web"), 600, 59.5, "open"},
        HandoverChatCommand{"u1", 4, "Alice", std::nullopt, std::string("Web"), {{"caller", "hi"}}},
        BoardCommand{"u1",
                     {{"Alice", "operator", "busy", 1, 60}},
                     {{12, "Web", 5}},
                     {{4, "Alice", 30, std::nullopt}},
                     3,
                     2,
                     1,
                     0,
                     1},
    };
    REQUIRE(all.size() == std::variant_size_v<Command>);
    std::set<std::string> types;
    for (const Command& c : all) {
        Json::Value json = to_json(c);
        INFO(write_json(json));
        types.insert(json["type"].asString());
        CHECK(json["type"].asString() == command_type(c));
        ParsedCommand back = parse_command(json);
        REQUIRE(back.kind == ParsedCommand::Kind::Ok);
        CHECK(back.command->index() == c.index());
        CHECK(to_json(*back.command) == json);
    }
    CHECK(types.size() == all.size());
}

TEST_CASE("commands use the original's field names and JSON types", "[command]") {
    Json::Value ring = to_json(RingCommand{"", 7, 1764190000.25, 60});
    CHECK(ring["ID"].isIntegral());
    CHECK(ring["ID"].asInt() == 7);
    CHECK(ring["group"].asString() == "");
    CHECK(ring["time"].asDouble() == 1764190000.25);
    Json::Value msg = to_json(MsgCommand{{"hi"}, Direction::Out, "u"});
    CHECK(msg["msg"].isArray());
    CHECK(msg["I/O"].asString() == "out");
    CHECK(msg["UUID"].asString() == "u");
    CHECK(to_json(ServerOnlineCommand{}).isMember("key") == false);
}

TEST_CASE("seed-era variants are accepted", "[command]") {
    // The original client sent msg as a plain string.
    auto m = parse_as<MsgCommand>(R"({"type":"msg","msg":"plain","I/O":"out","UUID":"u"})");
    CHECK(m.msg == std::vector<std::string>{"plain"});
    // The seed's figure shows the ring ID as a string.
    auto r = parse_as<RingCommand>(R"({"type":"ring","group":"","ID":"42"})");
    CHECK(r.id == 42);
    CHECK_FALSE(r.time);
    CHECK_FALSE(r.expires_in);
    // A seed-conformant server's ring carries no group or times at all.
    CHECK(parse_as<RingCommand>(R"({"type":"ring","ID":3})").group.empty());
    // server_online without a key, and unknown fields, are fine.
    CHECK_FALSE(parse_as<ServerOnlineCommand>(R"({"type":"server_online","extra":[1]})").key);
    CHECK(parse_as<ProbeCommand>(R"({"type":"probe","UUID":"u","seq":9})").uuid == "u");
}

TEST_CASE("unknown types are reported as unknown, not invalid", "[command]") {
    ParsedCommand p = parse(R"({"type":"inter_com_update","UUID":"u"})");
    CHECK(p.kind == ParsedCommand::Kind::Unknown);
    CHECK(p.type == "inter_com_update");
    CHECK_FALSE(p.command);
}

TEST_CASE("missing and mistyped fields are invalid, with a reason", "[command]") {
    struct Case {
        const char* json;
        const char* reason;
    };
    const Case cases[] = {
        {R"({"UUID":"u"})", "no \"type\""},
        {R"({"type":5})", "no \"type\""},
        {R"({"type":"probe"})", "missing field \"UUID\""},
        {R"({"type":"probe","UUID":7})", "field \"UUID\" is not a UTF-8 string"},
        {R"({"type":"ring","group":"","ID":1.5})", "field \"ID\" is not an integer"},
        {R"({"type":"ring","group":"","ID":"-1"})", "field \"ID\" is not an integer"},
        {R"({"type":"ring","group":"","ID":"99999999999999999999"})", "field \"ID\" is not an integer"},
        {R"({"type":"ring","group":"","ID":1,"time":"soon"})", "field \"time\" is not a number"},
        {R"({"type":"ring","group":5,"ID":1})", "field \"group\" is not a UTF-8 string"},
        {R"({"type":"msg","msg":["a",1],"I/O":"in","UUID":"u"})", "field \"msg\" is not a UTF-8 string"},
        {R"({"type":"msg","msg":{},"I/O":"in","UUID":"u"})", "field \"msg\" is not a list of strings"},
        {R"({"type":"msg","msg":["a"],"I/O":"sideways","UUID":"u"})", "field \"I/O\" is not \"in\" or \"out\""},
        {R"({"type":"msg","msg":["\udc00"],"I/O":"in","UUID":"u"})", "field \"msg\" is not a UTF-8 string"},
        {R"({"type":"status","services":[{"name":"Web"}]})", "field \"services\" is not a list of {name, status}"},
        {R"({"type":"status","services":"Web"})", "field \"services\" is not a list of {name, status}"},
        {R"({"type":"ringACKACK","ID":1})", "missing field \"UUID\""},
        {R"({"type":"server_online","key":null})", "field \"key\" is not a UTF-8 string"},
        // The shift's lists of objects name the list and the field inside.
        {R"({"type":"readalong","UUID":"u","chat":1,"state":"open","history":"hi"})",
         "field \"history\" is not a list of objects"},
        {R"({"type":"readalong","UUID":"u","chat":1,"state":"open","history":[{"from":"caller"}]})",
         "in \"history\": missing field \"text\""},
        {R"({"type":"board","UUID":"u","operators":[5],"rings":[],"requests":[],"rung":0,"answered":0,"missed":0,)"
         R"("handovers":0,"support":0})",
         "field \"operators\" is not a list of objects"},
        {R"({"type":"away","UUID":"u","away":"yes"})", "field \"away\" is not true or false"},
        {R"({"type":"whisper","UUID":"u","chat":1})", "missing field \"text\""},
    };
    for (const Case& c : cases) {
        INFO(c.json);
        ParsedCommand p = parse(c.json);
        CHECK(p.kind == ParsedCommand::Kind::Invalid);
        CHECK_FALSE(p.command);
        CHECK(p.error.find(c.reason) != std::string::npos);
    }
    CHECK(parse_command(Json::Value(5)).kind == ParsedCommand::Kind::Invalid);
}
