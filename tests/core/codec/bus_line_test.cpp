// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/bus_line.h"

#include <catch2/catch.hpp>

#include "core/codec/json_util.h"

using namespace nlchat;

TEST_CASE("service bus lines have the shapes nlchat-protocol(7) gives", "[bus]") {
    CHECK(write_json(bus_msg("c1", {"hi", "there"}, Direction::In)) ==
          R"({"I/O":"in","address":"c1","msg":["hi","there"],"type":"msg"})");
    CHECK(write_json(bus_chat_state("c1", "composing", Direction::Out)) ==
          R"({"I/O":"out","address":"c1","state":"composing","type":"chat_state"})");
    CHECK(write_json(bus_disassociate("c1")) == R"({"address":"c1","type":"disassociate"})");
    CHECK(write_json(bus_service_online("Web", true)) ==
          R"({"chat_states":true,"service":"Web","type":"service_online"})");
    CHECK(write_json(bus_probe_ack()) == R"({"type":"probeACK"})");
    CHECK(write_json(bus_status("Connected")) == R"({"status":"Connected","type":"status"})");
}

TEST_CASE("bus lines are read strictly through the same field table", "[bus]") {
    std::string error;
    auto read = [&](const char* text) {
        auto v = parse_json_object(text, error);
        REQUIRE(v);
        return parse_bus_line(*v);
    };

    ParsedBusLine msg = read(R"({"type":"msg","address":"c1","msg":["a","b"],"origin":"server","extra":1})");
    REQUIRE(msg.kind == ParsedBusLine::Kind::Ok);
    const auto& m = std::get<BusMsg>(*msg.value);
    CHECK(m.address == "c1");
    CHECK(m.msg == std::vector<std::string>{"a", "b"});
    CHECK(m.io == Direction::In);  // absent I/O is allowed and reads as the default
    CHECK(m.origin == std::optional<std::string>("server"));
    CHECK(bus_address(*msg.value) == &m.address);

    // A plain string is one text, as from the original's services.
    CHECK(std::get<BusMsg>(*read(R"({"type":"msg","address":"c1","msg":"hi"})").value).msg ==
          std::vector<std::string>{"hi"});
    CHECK(std::get<BusServiceOnline>(*read(R"({"type":"service_online","service":"Web"})").value).chat_states);
    CHECK(!std::get<BusServiceOnline>(*read(R"({"type":"service_online","service":"W","chat_states":false})").value)
               .chat_states);

    struct Bad {
        const char* line;
        const char* error;
    };
    for (const Bad& bad :
         {Bad{R"({"type":"msg","msg":["hi"]})", "msg: missing field \"address\""},
          Bad{R"({"type":"msg","address":5,"msg":["hi"]})", "msg: field \"address\" is not a UTF-8"},
          Bad{R"({"type":"msg","address":"a","msg":[1]})", "msg: field \"msg\" is not a UTF-8"},
          Bad{R"({"type":"msg","address":"a","msg":["x"],"I/O":"up"})", "is not \"in\" or \"out\""},
          Bad{R"({"type":"service_online","service":"W","chat_states":"yes"})", "is not true or false"},
          Bad{R"({"type":"status"})", "status: missing field \"status\""}, Bad{R"({"msg":["x"]})", "no \"type\""}}) {
        INFO(bad.line);
        ParsedBusLine p = read(bad.line);
        CHECK(p.kind == ParsedBusLine::Kind::Invalid);
        CHECK_THAT(p.error, Catch::Contains(bad.error));
    }
    CHECK(read(R"({"type":"frobnicate"})").kind == ParsedBusLine::Kind::Unknown);
    // The JSON reader refuses bad UTF-8 itself; a value built in memory is checked too.
    Json::Value state = bus_chat_state("a", "x", Direction::In);
    state["state"] = "\xff";
    CHECK_THAT(parse_bus_line(state).error, Catch::Contains("field \"state\" is not a UTF-8 string"));

    // What is written reads back the same, the mark included.
    BusLine line = BusMsg{"c2", {"x"}, Direction::Out, std::string(kOriginServer), std::nullopt};
    CHECK(write_json(bus_json(line)) == R"({"I/O":"out","address":"c2","msg":["x"],"origin":"server","type":"msg"})");
    ParsedBusLine back = parse_bus_line(bus_json(line));
    REQUIRE(back.kind == ParsedBusLine::Kind::Ok);
    CHECK(bus_json(*back.value) == bus_json(line));
    CHECK(write_json(bus_json(BusProbe{})) == R"({"type":"probe"})");
    // The acknowledgement extension's lines, and service_online asking for it.
    CHECK(write_json(bus_json(BusAck{"w-1"})) == R"({"id":"w-1","type":"ack"})");
    CHECK(write_json(bus_json(BusWelcome{true})) == R"({"acks":true,"type":"welcome"})");
    CHECK(write_json(bus_service_online("Web", true, true)) ==
          R"({"acks":true,"chat_states":true,"service":"Web","type":"service_online"})");
    CHECK(
        std::get<BusServiceOnline>(*read(R"({"type":"service_online","service":"W","acks":true})").value).wants_acks());
}
