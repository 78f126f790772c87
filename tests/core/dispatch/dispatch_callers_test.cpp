// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, caller side: rings started and timed out, chat states, services, bad input, privacy.
#include <map>

#include "dispatch_fixture.h"

using namespace nlchat;
using namespace nlchat::test;

TEST_CASE("a caller with no operator connected is told at once, and nothing rings", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.caller_says("c1", "hello?");
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_no_operators});
    CHECK(f.d->open_rings() == 0);
}

TEST_CASE("a caller's message rings every operator once, with an integer ID", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.join(2, "op-b", test::other_key_2048());
    f.caller_says("c1", "hello");
    f.caller_says("c1", "is anyone there?");
    for (ConnId c : {1, 2}) {
        auto rings = f.fx.to<RingCommand>(c);
        REQUIRE(rings.size() == 1);
        CHECK(rings[0].id == 1);
        CHECK(rings[0].group == "");
        CHECK(*rings[0].expires_in == Approx(60));
        CHECK(*rings[0].time == Approx(f.now.wall + 60));
    }
    CHECK(f.fx.counter == 2);
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_ringing});
    f.caller_says("c2", "hi");
    CHECK(f.fx.to<RingCommand>(1).back().id == 2);
}

TEST_CASE("several rings expiring together all time out cleanly", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    for (const char* c : {"c1", "c2", "c3"}) f.caller_says(c, "hello");
    f.advance_answering(59, {{1, "op-a"}});
    CHECK(f.d->open_rings() == 3);
    f.advance(1);
    CHECK(f.d->open_rings() == 0);
    auto acks = f.fx.to<RingAckAckCommand>(1);
    REQUIRE(acks.size() == 3);
    for (const auto& a : acks) CHECK(a.uuid == "");
    for (const char* c : {"c1", "c2", "c3"}) CHECK(f.fx.texts_for(kWeb, c).back() == f.config.text_ring_timed_out);
    // The caller may start again with a new ring.
    f.caller_says("c1", "still there?");
    CHECK(f.fx.to<RingCommand>(1).back().id == 4);
}

TEST_CASE("chat states cross in both directions, mapped as the original did", "[dispatch][chat]") {
    Fixture f;
    f.open_chat();
    f.bus(kWeb, R"({"type":"chat_state","address":"c1","state":"composing","I/O":"in"})");
    f.bus(kWeb, R"({"type":"chat_state","address":"c1","state":"active","I/O":"in"})");
    f.bus(kWeb, R"({"type":"chat_state","address":"c1","state":"paused","I/O":"in"})");
    auto states = f.fx.to<ChatStateCommand>(1);
    REQUIRE(states.size() == 3);
    CHECK(states[0].state == "typing");
    CHECK(states[1].state == "idle");
    CHECK(states[2].state == "paused");
    f.send(1, "op-a", ChatStateCommand{"op-a", Direction::Out, "composing"});
    auto& last = f.fx.service.back().second;
    CHECK(last["type"] == "chat_state");
    CHECK(last["state"] == "composing");
    CHECK(last["address"] == "c1");
}

TEST_CASE("a service without chat states gives no_state once, before the held texts", "[dispatch][chat]") {
    Fixture f;
    f.service_online(kWeb, "Web", false);
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    auto types = f.fx.types_to(1);
    CHECK(std::vector<std::string>(types.end() - 3, types.end()) ==
          std::vector<std::string>{"ringACKACK", "chat_state", "msg"});
    CHECK(f.fx.to<ChatStateCommand>(1)[0].state == "no_state");
}

TEST_CASE("a service that said chat_states:false gets no chat_state lines", "[dispatch][chat]") {
    Fixture f;
    f.service_online(kWeb, "Web", false);
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.fx.clear();
    f.send(1, "op-a", ChatStateCommand{"op-a", Direction::Out, "composing"});
    f.send(1, "op-a", MsgCommand{{"hello"}, Direction::Out, "op-a"});
    CHECK(f.fx.service_types(kWeb) == std::vector<std::string>{"msg"});
}

TEST_CASE("nlchatd's own replies are marked; an operator's words are not", "[dispatch][chat]") {
    Fixture f;
    f.open_chat();
    f.send(1, "op-a", MsgCommand{{"I'm here"}, Direction::Out, "op-a"});
    std::vector<Json::Value> msgs;
    for (const auto& [conn, line] : f.fx.service)
        if (line["type"] == "msg") msgs.push_back(line);
    REQUIRE(msgs.size() == 2);  // "ringing..." then the operator's words
    CHECK(msgs[0]["origin"] == "server");
    CHECK(msgs[0]["msg"][0] == f.config.text_ringing);
    CHECK_FALSE(msgs[1].isMember("origin"));
    CHECK(msgs[1]["msg"][0] == "I'm here");
}

TEST_CASE("acknowledgements on the bus: taken once, acknowledged each time; unacknowledged lines resent",
          "[dispatch][acks]") {
    Fixture f;
    f.d->service_connected(kWeb, f.now);
    f.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    CHECK(f.fx.logged("service Web online (with acknowledgements)"));
    f.join(1, "op-a");
    f.bus(kWeb, R"({"type":"msg","address":"c1","msg":["hi"],"id":"w-1"})");
    f.bus(kWeb, R"({"type":"msg","address":"c1","msg":["hi"],"id":"w-1"})");  // resent after a reconnect
    CHECK(f.d->open_rings() == 1);
    std::vector<std::string> acks;
    for (const auto& [conn, line] : f.fx.service)
        if (line["type"] == "ack") acks.push_back(line["id"].asString());
    CHECK(acks == std::vector<std::string>{"w-1", "w-1"});
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    REQUIRE(f.fx.to<MsgCommand>(1).size() == 1);  // "hi" reached the operator once
    // nlchatd's reply ("ringing") was numbered too; the service acknowledges it.
    for (const auto& [conn, line] : f.fx.service)
        if (line["type"] == "msg") f.bus(kWeb, R"({"type":"ack","id":")" + line["id"].asString() + R"("})");

    // What nlchatd writes carries ids and is kept until acknowledged.
    f.fx.clear();
    f.send(1, "op-a", MsgCommand{{"one"}, Direction::Out, "op-a"});
    f.send(1, "op-a", MsgCommand{{"two"}, Direction::Out, "op-a"});
    REQUIRE(f.fx.service.size() == 2);
    std::string id1 = f.fx.service[0].second["id"].asString(), id2 = f.fx.service[1].second["id"].asString();
    CHECK_FALSE(id1.empty());
    CHECK(id1 != id2);
    f.bus(kWeb, R"({"type":"ack","id":")" + id1 + R"("})");
    // The service goes and comes back: only the unacknowledged line goes again, same id.
    f.d->service_closed(kWeb, f.now);
    f.fx.clear();
    f.d->service_connected(kWeb + 1, f.now);
    f.bus(kWeb + 1, R"({"type":"service_online","service":"Web","acks":true})");
    std::vector<Json::Value> again;
    for (const auto& [conn, line] : f.fx.service)
        if (line["type"] == "msg") again.push_back(line);
    REQUIRE(again.size() == 1);
    CHECK(again[0]["id"] == id2);
    CHECK(again[0]["msg"][0] == "two");
}

TEST_CASE("a reply of nlchatd's names the service's line it answers", "[dispatch][acks]") {
    Fixture f;
    f.d->service_connected(kWeb, f.now);
    f.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    f.bus(kWeb, R"({"type":"msg","address":"c1","msg":["nobody is there"],"id":"w-1"})");
    f.join(1, "op-a");
    f.bus(kWeb, R"({"type":"msg","address":"c2","msg":["hello"],"id":"w-2"})");
    std::map<std::string, std::string> re;  // by address, the "re" of nlchatd's reply
    for (const auto& [conn, line] : f.fx.service)
        if (line["origin"] == "server") re[line["address"].asString()] = line["re"].asString();
    CHECK(re["c1"] == "w-1");  // nobody available
    CHECK(re["c2"] == "w-2");  // ringing
    // A reply to no line in particular names none.
    f.fx.service.clear();
    f.advance(f.config.ring_timeout + 1);
    Json::Value timed_out;
    for (const auto& [conn, line] : f.fx.service)
        if (line["type"] == "msg") timed_out = line;
    CHECK(timed_out["msg"][0] == f.config.text_ring_timed_out);
    CHECK_FALSE(timed_out.isMember("re"));
}

TEST_CASE("a service without acknowledgements sees no ids and no acks", "[dispatch][acks]") {
    Fixture f;
    f.open_chat();
    f.bus(kWeb, R"({"type":"msg","address":"c1","msg":["again"],"id":"x-1"})");
    f.send(1, "op-a", MsgCommand{{"reply"}, Direction::Out, "op-a"});
    for (const auto& [conn, line] : f.fx.service) {
        CHECK(line["type"] != "ack");
        CHECK_FALSE(line.isMember("id"));
    }
}

TEST_CASE("a caller who leaves withdraws its ring, or ends the chat as gone", "[dispatch][chat]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.bus(kWeb, R"({"type":"disassociate","address":"c1"})");
    CHECK(f.d->open_rings() == 0);
    CHECK(f.fx.to<RingAckAckCommand>(1).back().uuid == "");
    f.caller_says("c2", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    std::size_t service_lines = f.fx.service.size();
    f.bus(kWeb, R"({"type":"disassociate","address":"c2"})");
    CHECK(f.fx.to<ChatStateCommand>(1).back().state == "gone");
    CHECK(f.fx.service.size() == service_lines);  // no disassociate back to the service
}

TEST_CASE("services: status on change, down when gone, chats continue on return", "[dispatch][service]") {
    Fixture f;
    f.open_chat();
    f.service_online(101, "Caller");
    auto status = f.fx.to<StatusCommand>(1).back();
    REQUIRE(status.services.size() == 2);
    CHECK(status.services[0].name == "Caller");
    f.bus(kWeb, R"({"type":"status","status":"Reconnecting..."})");
    CHECK(f.fx.to<StatusCommand>(1).back().services[1].status == "Reconnecting...");
    f.d->service_closed(kWeb, f.now);
    CHECK(f.fx.to<StatusCommand>(1).back().services[1].status == "down");
    f.send(1, "op-a", MsgCommand{{"still here"}, Direction::Out, "op-a"});
    f.service_online(102, "Web");
    CHECK(f.fx.to<StatusCommand>(1).back().services[1].status == "Connected");
    CHECK(f.fx.texts_for(102, "c1") == std::vector<std::string>{"still here"});
    f.caller_says("c1", "back", 102);
    CHECK(texts(f.fx.to<MsgCommand>(1)).back() == "back");
}

TEST_CASE("services: one that stops answering probes is shown as not responding", "[dispatch][service]") {
    Fixture f;
    f.join(1, "op-a");
    f.service_online();
    f.advance(7);
    REQUIRE(f.fx.service_types(kWeb) == std::vector<std::string>{"probe"});
    f.send(1, "op-a", ProbeAckCommand{"op-a"});
    f.advance(3);
    CHECK(f.fx.to<StatusCommand>(1).back().services[0].status == "not responding");
    f.bus(kWeb, R"({"type":"probeACK"})");
    CHECK(f.fx.to<StatusCommand>(1).back().services[0].status == "Connected");
}

TEST_CASE("bad input from operators and services is logged, never fatal", "[dispatch][robust]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    std::string error;
    for (const char* bad : {R"({"type":"ringACK","UUID":"op-a"})", R"({"type":"msg","UUID":"op-a"})",
                            R"({"type":"frobnicate","UUID":"op-a"})", R"({"UUID":"op-a"})",
                            R"({"type":"key","UUID":"op-a","key":"not a key"})"}) {
        f.d->operator_packet(1, "op-a", *parse_json_object(bad, error), f.now);
    }
    CHECK(f.fx.logged("rejected command: ringACK: missing field \"ID\""));
    CHECK(f.fx.logged("unknown command type \"frobnicate\""));
    CHECK(f.fx.logged("unusable key"));
    // Service lines: no type, before service_online, bad address, oversized text.
    f.d->service_connected(200, f.now);
    f.bus(200, R"({"type":"msg","address":"x","msg":["hi"]})");
    CHECK(f.fx.logged("before service_online"));
    f.bus(kWeb, R"({"nothing":1})");
    f.bus(kWeb, R"({"type":"msg","address":5,"msg":["hi"]})");
    f.bus(kWeb, R"({"type":"msg","address":"","msg":["hi"]})");
    f.caller_says("c9", std::string(f.config.max_text_bytes + 1, 'x'));
    CHECK(f.fx.texts_for(kWeb, "c9") == std::vector<std::string>{f.config.text_not_delivered});
    f.bus(kWeb, R"({"type":"service_online"})");
    CHECK(f.fx.logged("service_online without a name"));
    CHECK(f.d->open_rings() == 0);
}

TEST_CASE("held texts are bounded and the caller is told when the bound is hit", "[dispatch][robust]") {
    DispatchConfig c;
    c.max_held = 3;
    Fixture f(c);
    f.service_online();
    f.join(1, "op-a");
    for (int i = 0; i < 4; ++i) f.caller_says("c1", "text " + std::to_string(i));
    CHECK(f.fx.texts_for(kWeb, "c1").back() == c.text_not_delivered);
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    CHECK(texts(f.fx.to<MsgCommand>(1)) == std::vector<std::string>{"text 0", "text 1", "text 2"});
}

TEST_CASE("logs name callers only by a salted hash, and never carry text", "[dispatch][privacy]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("alice@example.org", "my secret");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", MsgCommand{{"operator secret"}, Direction::Out, "op-a"});
    for (const auto& l : f.fx.logs) {
        CHECK(l.find("alice@example.org") == std::string::npos);
        CHECK(l.find("secret") == std::string::npos);
    }
    CHECK(f.fx.logged("Web/"));
}

TEST_CASE("a ring whose ID cannot be saved is not started, and the caller is told", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.fx.counter_saves = false;  // the disk is full
    f.caller_says("c1", "hello");
    CHECK(f.fx.to<RingCommand>(1).empty());
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_unavailable});
    CHECK(f.fx.logged("ring counter could not be saved"));
    // Once the disk has room, the next ring takes the ID that was never used.
    f.fx.counter_saves = true;
    f.caller_says("c2", "hello");
    auto rings = f.fx.to<RingCommand>(1);
    REQUIRE(rings.size() == 1);
    CHECK(rings[0].id == 1);
    CHECK(f.fx.counter == 2);
}
