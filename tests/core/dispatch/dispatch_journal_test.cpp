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

TEST_CASE("what is written for a service that is away is on disk and reaches it, ids and all", "[dispatch][journal]") {
    // The outside check that found it: operator lines held for an absent service died with
    // nlchatd (none were journaled), and reached a service that came back without ids.
    Fixture before;
    before.d->service_connected(kWeb, before.now);
    before.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    before.join(1, "op-a", test::key_2048(), 2);
    before.bus(kWeb, R"({"type":"msg","address":"c1","msg":["hi"],"id":"w-1"})");
    before.send(1, "op-a", RingAckCommand{"op-a", 1});
    before.d->service_closed(kWeb, before.now);
    const std::size_t mark = before.fx.journal_records.size();
    before.send(1, "op-a", ChatStateCommand{"op-a", Direction::Out, "composing", 1});
    before.send(1, "op-a", MsgCommand{{"while you were away"}, Direction::Out, "op-a", 1, 7});
    before.send(1, "op-a", DisassociateCommand{"op-a", 1});
    // The line and the end of the chat are on disk; the typing state is not kept at all.
    std::vector<std::string> kept;
    for (std::size_t i = mark; i < before.fx.journal_records.size(); ++i)
        if (before.fx.journal_records[i]["j"] == "out")
            kept.push_back(before.fx.journal_records[i]["line"]["type"].asString());
    CHECK(kept == std::vector<std::string>{"msg", "disassociate"});
    CHECK(before.fx.to<UndeliveredCommand>(1).empty());

    // A restart from the records as they were journaled (the service still away), then the
    // service comes back.
    Fixture f;
    CHECK(f.d->restore(before.fx.journal_records, f.now).unacked == 3);  // with the unanswered "ringing"
    f.d->service_connected(kWeb, f.now);
    f.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    std::vector<Json::Value> got;
    for (const auto& [conn, line] : f.fx.service)
        if (line["address"] == "c1") got.push_back(line);
    REQUIRE(got.size() >= 2);
    CHECK(got[got.size() - 2]["msg"][0] == "while you were away");
    CHECK(got[got.size() - 2]["id"].isString());  // every msg to an acknowledging service has one
    CHECK(got.back()["type"] == "disassociate");
    // The msg waits for its acknowledgement; the disassociate needed none and is gone.
    f.fx.clear();
    f.d->service_closed(kWeb, f.now);
    f.d->service_connected(kWeb + 1, f.now);
    f.bus(kWeb + 1, R"({"type":"service_online","service":"Web","acks":true})");
    CHECK(f.fx.texts_for(kWeb + 1, "c1") == std::vector<std::string>{f.config.text_ringing, "while you were away"});
    CHECK(f.fx.service_types(kWeb + 1) == std::vector<std::string>{"welcome", "msg", "msg"});
}

TEST_CASE("a service without acknowledgements gets what waited for it once, without ids", "[dispatch][journal]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.d->service_closed(kWeb, f.now);
    f.send(1, "op-a", MsgCommand{{"held"}, Direction::Out, "op-a"});
    f.fx.clear();
    f.service_online(kWeb + 1);
    std::vector<Json::Value> got;
    for (const auto& [conn, line] : f.fx.service)
        if (line["type"] == "msg") got.push_back(line);
    REQUIRE(got.size() == 1);
    CHECK(got[0]["msg"][0] == "held");
    CHECK_FALSE(got[0].isMember("id"));
    // Written, so no longer kept: a restart now brings nothing back for it.
    CHECK(f.fx.journal_records.back()["j"] == "out_acked");
    Fixture g;
    CHECK(g.d->restore(f.d->snapshot(), g.now).unacked == 0);
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

TEST_CASE("with the journal unwritable no ring is taken: a chat not on disk could come back as another",
          "[dispatch][journal]") {
    // Found by the simulation: a 2015 client took a ring while the disk was full; a
    // restart brought back its chat before, and its next line, which names no chat, went
    // to that chat's caller.
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.d->set_journal_ok(false);
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    CHECK(f.fx.to<RingAckAckCommand>(1).empty());
    CHECK(f.d->open_rings() == 1);  // open for when the journal can be written again
    f.d->set_journal_ok(true);
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    CHECK(f.fx.to<RingAckAckCommand>(1).size() == 1);
}

TEST_CASE("held texts journaled out of order come back in the chat's order", "[dispatch][journal]") {
    // A text sent and not acknowledged is journaled as held only when its operator's link
    // goes, after the texts held since (the dispatch fuzzer found the restore kept that
    // order, and would show the caller's later line first).
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    std::vector<Json::Value> records = f.d->snapshot();
    records.push_back(Json::Value(Json::objectValue));
    records.back()["j"] = "held", records.back()["op"] = "op-a", records.back()["chat"] = 1,
    records.back()["text"] = "second", records.back()["line"] = 3;
    records.push_back(Json::Value(Json::objectValue));
    records.back()["j"] = "held", records.back()["op"] = "op-a", records.back()["chat"] = 1,
    records.back()["text"] = "first", records.back()["line"] = 2;
    Fixture g;
    g.d->restore(records, g.now);
    g.service_online();
    g.join(1, "op-a");
    CHECK(texts(g.fx.to<MsgCommand>(1)) == std::vector<std::string>{"first", "second"});
}
