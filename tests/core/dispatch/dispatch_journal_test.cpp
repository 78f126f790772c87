// SPDX-License-Identifier: GPL-3.0-or-later
// What survives a restart: the records the dispatch journals, the snapshot, and a second
// dispatch restored from either, driven as a restarted nlchatd would be.
#include <catch2/catch.hpp>

#include "dispatch_fixture.h"

using namespace nlchat;
using namespace nlchat::test;

namespace {

std::vector<std::string> kinds(const std::vector<Json::Value>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r["j"].asString());
    return out;
}

// op-a in a chat with c1 and then dropped (texts held for it), c2 ringing, both on Web.
void build(Fixture& f) {
    f.open_chat();
    f.d->operator_closed(1, f.now);
    f.caller_says("c1", "are you there?");
    f.caller_says("c1", "hello?");
    f.join(2, "op-b", test::other_key_2048());
    f.caller_says("c2", "first words");
    f.caller_says("c2", "more words");
}

}  // namespace

TEST_CASE("the dispatch journals every change that must survive a restart", "[dispatch][journal]") {
    Fixture f;
    build(f);
    CHECK(kinds(f.fx.journal_records) ==
          std::vector<std::string>{"ring", "ring_end", "chat", "held", "held", "ring", "ring_text"});
    const auto& chat = f.fx.journal_records[2];
    CHECK(chat["op"] == "op-a");
    CHECK(chat["addr"] == "c1");
    CHECK(chat["key"].asString().find("BEGIN PUBLIC KEY") != std::string::npos);
    // The chat ends: "end" says its texts have left the live state.
    f.bus(kWeb, R"({"type":"disassociate","address":"c1"})");
    CHECK(f.fx.journal_records.back()["j"] == "end");
    auto snap = f.d->snapshot();
    CHECK(kinds(snap) == std::vector<std::string>{"ring"});  // only c2's ring is left, no text of c1's
    CHECK(snap[0]["texts"].size() == 2);
}

TEST_CASE("a restored dispatch gives a returning operator its chat and held texts, once", "[dispatch][journal]") {
    for (bool from_snapshot : {true, false}) {
        INFO((from_snapshot ? "restored from the snapshot" : "restored from the records as journaled"));
        Fixture before;
        build(before);
        auto records = from_snapshot ? before.d->snapshot() : before.fx.journal_records;

        Fixture f;  // the restarted server
        auto n = f.d->restore(records, f.now);
        CHECK(n.chats == 1);
        CHECK(n.rings == 1);
        CHECK(n.held == 2);
        CHECK(n.skipped == 0);
        f.service_online();
        // The caller of the restored chat writes before its operator is back: held, not
        // "no listeners", and no new ring.
        f.caller_says("c1", "still here");
        CHECK(f.fx.texts_for(kWeb, "c1").empty());
        CHECK(f.d->open_rings() == 1);
        f.join(1, "op-a");
        auto msgs = f.fx.to<MsgCommand>(1);
        REQUIRE(msgs.size() == 3);
        CHECK(texts(msgs) == std::vector<std::string>{"are you there?", "hello?", "still here"});
        // The open ring rings the returning operators, with its texts on acceptance.
        auto rings = f.fx.to<RingCommand>(1);
        REQUIRE(rings.size() == 1);
        f.join(3, "op-b", test::other_key_2048());
        f.send(3, "op-b", RingAckCommand{"op-b", rings[0].id});
        CHECK(texts(f.fx.to<MsgCommand>(3)) == std::vector<std::string>{"first words", "more words"});
        // A new ring never reuses a restored ID.
        f.caller_says("c3", "hi");
        CHECK(f.fx.to<RingCommand>(1).back().id > rings[0].id);
    }
}

TEST_CASE("a restored chat whose operator does not return ends as any other grace", "[dispatch][journal]") {
    Fixture before;
    build(before);
    Fixture f;
    f.d->restore(before.d->snapshot(), f.now);
    f.service_online();
    f.advance(f.config.grace + 1);
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_client_dropped});
}

TEST_CASE("unacknowledged lines and seen ids survive; bad records are skipped and counted", "[dispatch][journal]") {
    Fixture before;
    before.d->service_connected(kWeb, before.now);
    before.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    before.join(1, "op-a");
    before.bus(kWeb, R"({"type":"msg","address":"c1","msg":["hi"],"id":"w-1"})");
    before.send(1, "op-a", RingAckCommand{"op-a", 1});
    before.send(1, "op-a", MsgCommand{{"unacknowledged"}, Direction::Out, "op-a"});
    auto records = before.d->snapshot();
    records.push_back(Json::Value("not an object"));
    Json::Value odd(Json::objectValue);
    odd["j"] = "chat";  // no fields
    records.push_back(odd);

    Fixture f;
    auto n = f.d->restore(records, f.now);
    CHECK(n.skipped == 2);
    CHECK(n.unacked == 2);  // the ringing reply and the operator's line
    f.d->service_connected(kWeb, f.now);
    f.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    std::vector<std::string> again;
    for (const auto& [conn, line] : f.fx.service)
        if (line["type"] == "msg") again.push_back(line["msg"][0].asString());
    CHECK(again.back() == "unacknowledged");
    // The id taken before the restart is not taken twice.
    f.fx.clear();
    f.bus(kWeb, R"({"type":"msg","address":"c1","msg":["hi"],"id":"w-1"})");
    CHECK(f.fx.service_types(kWeb) == std::vector<std::string>{"ack"});
}

TEST_CASE("with the journal unwritable no new chat starts, and the chats there go on", "[dispatch][journal]") {
    Fixture f;
    f.open_chat();
    f.d->set_journal_ok(false);
    f.caller_says("c2", "hello");
    CHECK(f.fx.texts_for(kWeb, "c2") == std::vector<std::string>{f.config.text_unavailable});
    CHECK(f.d->open_rings() == 0);
    f.caller_says("c1", "still talking");
    CHECK(texts(f.fx.to<MsgCommand>(1)).back() == "still talking");
}
