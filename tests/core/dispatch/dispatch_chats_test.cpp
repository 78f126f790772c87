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
    // A msg that names no chat while two are open is not guessed: it goes nowhere, and
    // the client is told which of its lines that was.
    std::size_t before = f.fx.service.size();
    f.send(1, "op-a", MsgCommand{{"to whom?"}, Direction::Out, "op-a", std::nullopt, 7});
    CHECK(f.fx.service.size() == before);
    CHECK(f.fx.logged("a line was not delivered: it named no chat, and 2 are open"));
    auto undelivered = f.fx.to<UndeliveredCommand>(1);
    REQUIRE(undelivered.size() == 1);
    CHECK(undelivered[0].line == 7);
    CHECK(undelivered[0].reason == "it named no chat, and 2 are open");
    CHECK_FALSE(undelivered[0].chat);
    // A chat id the operator does not hold is a chat that is gone.
    f.send(1, "op-a", MsgCommand{{"to three"}, Direction::Out, "op-a", 3, 8});
    auto states = f.fx.to<ChatStateCommand>(1);
    REQUIRE_FALSE(states.empty());
    CHECK(states.back().state == "gone");
    CHECK(states.back().chat == std::optional<std::int64_t>(3));
    undelivered = f.fx.to<UndeliveredCommand>(1);
    REQUIRE(undelivered.size() == 2);
    CHECK(undelivered[1].line == 8);
    CHECK(undelivered[1].reason == "the caller had left");
    CHECK(undelivered[1].chat == std::optional<std::int64_t>(3));
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

TEST_CASE("every line the server does not pass on is named back to a client that numbers its lines",
          "[dispatch][chats]") {
    DispatchConfig config = up_to(2);
    config.max_text_bytes = 16;
    config.max_texts_per_msg = 2;
    config.max_pending_service_lines = 1;
    Fixture f(config);
    f.service_online();
    f.join(1, "op-a", test::key_2048(), 2);
    f.caller_says("c1", "hello");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    auto reasons = [&] {
        std::vector<std::pair<std::int64_t, std::string>> out;
        for (const auto& u : f.fx.to<UndeliveredCommand>(1)) out.emplace_back(u.line, u.reason);
        return out;
    };

    f.send(1, "op-a", MsgCommand{{"a line well over sixteen bytes"}, Direction::Out, "op-a", 1, 1});
    f.send(1, "op-a", MsgCommand{{"a", "b", "c"}, Direction::Out, "op-a", 1, 2});
    f.send(1, "op-a", MsgCommand{{}, Direction::Out, "op-a", 1, 3});
    f.send(1, "op-a", MsgCommand{{"in?"}, Direction::In, "op-a", 1, 4});
    f.send(1, "op-a", MsgCommand{{"fits"}, Direction::Out, "op-a", 1, 5});  // delivered: no word back
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_ringing, "fits"});
    // The service goes away: one line waits for it (the limit here), the next is dropped.
    f.d->service_closed(kWeb, f.now);
    f.send(1, "op-a", MsgCommand{{"waits"}, Direction::Out, "op-a", 1, 6});
    f.send(1, "op-a", MsgCommand{{"dropped"}, Direction::Out, "op-a", 1, 7});
    // A line with no number (a client that does not number them) is logged only.
    f.send(1, "op-a", MsgCommand{{"unnumbered and far too long"}, Direction::Out, "op-a", 1});
    CHECK(f.fx.logged("a line was not delivered: longer than 16 bytes"));

    CHECK(reasons() == std::vector<std::pair<std::int64_t, std::string>>{
                           {1, "longer than 16 bytes, the server's limit"},
                           {2, "more than 2 texts in one msg"},
                           {3, "it had no text"},
                           {4, "it was not marked as going out"},
                           {7, "the caller's service is not taking lines (its backlog is full)"},
                       });
    for (const auto& u : f.fx.to<UndeliveredCommand>(1)) CHECK(u.chat == std::optional<std::int64_t>(1));
}
