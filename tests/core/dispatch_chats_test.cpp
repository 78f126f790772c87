// SPDX-License-Identifier: GPL-3.0-or-later
// Several chats per operator (nlchat-protocol(7), SEVERAL CHATS): a client that says
// "chats" in its challengeACK holds up to as many chats as it and the server allow, and
// every command of a chat carries its id; a 2015 client is held to one chat and sees no id.
#include <catch2/catch.hpp>

#include "dispatch_fixture.h"

using namespace nlchat;
using namespace nlchat::test;

namespace {

DispatchConfig up_to(std::size_t chats) {
    DispatchConfig c;
    c.max_chats_per_operator = chats;
    return c;
}

// Texts sent to `conn` for chat `chat` (std::nullopt: those that name no chat).
std::vector<std::string> texts_in(const Recorder& fx, ConnId conn, std::optional<std::int64_t> chat) {
    std::vector<std::string> out;
    for (const auto& m : fx.to<MsgCommand>(conn))
        if (m.chat == chat)
            for (const auto& t : m.msg) out.push_back(t);
    return out;
}

// The JSON objects sealed to `conn`, as the client would read them.
std::vector<Json::Value> wire(const Recorder& fx, ConnId conn) {
    std::vector<Json::Value> out;
    for (const auto& s : fx.sealed)
        if (s.conn == conn) out.push_back(to_json(s.cmd));
    return out;
}

}  // namespace

TEST_CASE("a 2015 client holds one chat and never sees a chat id, whatever the server allows", "[dispatch][chats]") {
    Fixture f(up_to(3));
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "one");
    f.caller_says("c2", "two");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", RingAckCommand{"op-a", 2});  // refused: it cannot tell two chats apart
    CHECK(f.d->open_rings() == 1);
    CHECK(f.fx.logged("its most; its ringACK for ring 2 is refused"));
    f.caller_says("c1", "three");
    f.send(1, "op-a", MsgCommand{{"hello"}, Direction::Out, "op-a"});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "hello");
    for (const auto& obj : wire(f.fx, 1)) {
        INFO(write_json(obj));
        CHECK_FALSE(obj.isMember("chat"));
        CHECK_FALSE(obj.isMember("service"));
    }
    CHECK(texts_in(f.fx, 1, std::nullopt) == std::vector<std::string>{"one", "three"});
}

TEST_CASE("a client with chat ids holds two chats; each line goes to its own caller", "[dispatch][chats]") {
    Fixture f(up_to(3));
    f.service_online();
    f.join(1, "op-a", test::key_2048(), 2);
    f.join(2, "op-b", test::other_key_2048());
    f.caller_says("c1", "first caller");
    f.caller_says("c2", "second caller");
    f.caller_says("c3", "third caller");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    f.send(1, "op-a", RingAckCommand{"op-a", 3});  // over the client's 2
    CHECK(f.d->open_rings() == 1);
    // Its status named its limit, the smaller of its 2 and the server's 3; the 2015
    // client's named none.
    REQUIRE_FALSE(f.fx.to<StatusCommand>(1).empty());
    CHECK(f.fx.to<StatusCommand>(1).front().chats == std::optional<std::int64_t>(2));
    REQUIRE_FALSE(f.fx.to<StatusCommand>(2).empty());
    CHECK_FALSE(f.fx.to<StatusCommand>(2).front().chats);

    // Its rings named the caller's service; the 2015 operator's did not.
    REQUIRE(f.fx.to<RingCommand>(1).size() == 3);
    CHECK(f.fx.to<RingCommand>(1)[0].service == std::optional<std::string>("Web"));
    CHECK_FALSE(f.fx.to<RingCommand>(2)[0].service);
    // The winner's ringACKACK names the chat; the other operator's copy does not.
    auto acks = f.fx.to<RingAckAckCommand>(1);
    REQUIRE(acks.size() == 2);
    CHECK(acks[0].chat == std::optional<std::int64_t>(1));
    CHECK(acks[1].chat == std::optional<std::int64_t>(2));
    for (const auto& ack : f.fx.to<RingAckAckCommand>(2)) CHECK_FALSE(ack.chat);

    f.caller_says("c2", "more from two");
    f.caller_says("c1", "more from one");
    CHECK(texts_in(f.fx, 1, 1) == std::vector<std::string>{"first caller", "more from one"});
    CHECK(texts_in(f.fx, 1, 2) == std::vector<std::string>{"second caller", "more from two"});
    CHECK(texts_in(f.fx, 1, std::nullopt).empty());

    f.send(1, "op-a", MsgCommand{{"to two"}, Direction::Out, "op-a", 2});
    f.send(1, "op-a", MsgCommand{{"to one"}, Direction::Out, "op-a", 1});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "to one");
    CHECK(f.fx.texts_for(kWeb, "c2").back() == "to two");
    // A msg that names no chat while two are open is dropped, not guessed.
    std::size_t before = f.fx.service.size();
    f.send(1, "op-a", MsgCommand{{"to whom?"}, Direction::Out, "op-a"});
    CHECK(f.fx.service.size() == before);
    CHECK(f.fx.logged("msg names no chat and it has 2"));
    // A chat id the operator does not hold is a chat that is gone.
    f.send(1, "op-a", MsgCommand{{"to three"}, Direction::Out, "op-a", 3});
    auto states = f.fx.to<ChatStateCommand>(1);
    REQUIRE_FALSE(states.empty());
    CHECK(states.back().state == "gone");
    CHECK(states.back().chat == std::optional<std::int64_t>(3));
    CHECK(f.fx.texts_for(kWeb, "c3") == std::vector<std::string>{f.config.text_ringing});  // op-b was free

    // Typing states go to the chat named, and come back with it.
    f.send(1, "op-a", ChatStateCommand{"op-a", Direction::Out, "composing", 2});
    CHECK(f.fx.service.back().second["address"] == "c2");
    f.bus(kWeb, R"({"type":"chat_state","address":"c1","state":"composing"})");
    CHECK(f.fx.to<ChatStateCommand>(1).back().chat == std::optional<std::int64_t>(1));
}

TEST_CASE("ending one of two chats leaves the other; a caller leaving names its chat", "[dispatch][chats]") {
    Fixture f(up_to(2));
    f.service_online();
    f.join(1, "op-a", test::key_2048(), 4);  // the server's 2 is the limit
    f.caller_says("c1", "one");
    f.caller_says("c2", "two");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    f.caller_says("c3", "three");
    // Both chats taken: all busy, and the third ring cannot be taken.
    CHECK(f.fx.texts_for(kWeb, "c3") == std::vector<std::string>{f.config.text_all_busy});
    f.send(1, "op-a", RingAckCommand{"op-a", 3});
    CHECK(f.d->open_rings() == 1);

    f.send(1, "op-a", DisassociateCommand{"op-a", 1});
    CHECK(f.fx.service.back().second["type"] == "disassociate");
    CHECK(f.fx.service.back().second["address"] == "c1");
    f.caller_says("c2", "still here");
    CHECK(texts_in(f.fx, 1, 2).back() == "still here");
    // Now under its limit: it can take the waiting ring.
    f.send(1, "op-a", RingAckCommand{"op-a", 3});
    CHECK(f.d->open_rings() == 0);

    f.bus(kWeb, R"({"type":"disassociate","address":"c2"})");
    auto states = f.fx.to<ChatStateCommand>(1);
    REQUIRE_FALSE(states.empty());
    CHECK(states.back().state == "gone");
    CHECK(states.back().chat == std::optional<std::int64_t>(2));
    f.caller_says("c3", "hello");
    CHECK(texts_in(f.fx, 1, 3).back() == "hello");
}

TEST_CASE("an absent operator's two chats are held apart, delivered with their ids, and journaled",
          "[dispatch][chats][journal]") {
    Fixture f(up_to(2));
    f.service_online();
    f.join(1, "op-a", test::key_2048(), 2);
    f.caller_says("c1", "one");
    f.caller_says("c2", "two");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    f.d->operator_closed(1, f.now);
    f.caller_says("c2", "b1");
    f.caller_says("c1", "a1");
    f.caller_says("c2", "b2");

    // A restarted server gets both chats back from either form of the journal.
    for (auto records : {f.d->snapshot(), f.fx.journal_records}) {
        Fixture g(up_to(2));
        auto n = g.d->restore(records, g.now);
        CHECK(n.chats == 2);
        CHECK(n.held == 3);
        g.service_online();
        g.join(3, "op-a", test::key_2048(), 2);
        CHECK(texts_in(g.fx, 3, 1) == std::vector<std::string>{"a1"});
        CHECK(texts_in(g.fx, 3, 2) == std::vector<std::string>{"b1", "b2"});
        g.send(3, "op-a", MsgCommand{{"back for two"}, Direction::Out, "op-a", 2});
        CHECK(g.fx.texts_for(kWeb, "c2").back() == "back for two");
    }

    // The live one, when the operator comes back.
    f.join(2, "op-a", test::key_2048(), 2);
    CHECK(texts_in(f.fx, 2, 1) == std::vector<std::string>{"a1"});
    CHECK(texts_in(f.fx, 2, 2) == std::vector<std::string>{"b1", "b2"});
    // Ending one chat drops only its records from the journal.
    f.send(2, "op-a", DisassociateCommand{"op-a", 2});
    auto snap = f.d->snapshot();
    REQUIRE(snap.size() == 1);
    CHECK(snap[0]["j"] == "chat");
    CHECK(snap[0]["chat"] == 1);
}

TEST_CASE("a journal written before chat ids restores its chat as chat 0", "[dispatch][chats][journal]") {
    Fixture f;
    std::string pem = test::key_2048().public_key().to_pem();
    Json::Value chat(Json::objectValue), held(Json::objectValue);
    chat["j"] = "chat", chat["op"] = "op-a", chat["key"] = pem, chat["svc"] = "Web", chat["addr"] = "c1";
    held["j"] = "held", held["op"] = "op-a", held["text"] = "kept";
    auto n = f.d->restore({chat, held}, f.now);
    CHECK(n.chats == 1);
    CHECK(n.held == 1);
    f.service_online();
    f.join(1, "op-a");
    CHECK(texts_in(f.fx, 1, std::nullopt) == std::vector<std::string>{"kept"});
    f.send(1, "op-a", MsgCommand{{"reply"}, Direction::Out, "op-a"});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "reply");
}
