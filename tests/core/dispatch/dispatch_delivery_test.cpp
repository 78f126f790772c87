// SPDX-License-Identifier: GPL-3.0-or-later
// What a caller's text and an operator's line become between taken and delivered: on disk
// until the operator's link says it has it, numbered so that a text sent again after a
// restart is shown once, and an operator's line sent again taken once.
#include <catch2/catch.hpp>

#include "dispatch_fixture.h"

using namespace nlchat;
using namespace nlchat::test;

namespace {

std::vector<Json::Value> of_kind(const std::vector<Json::Value>& records, const std::string& kind) {
    std::vector<Json::Value> out;
    for (const auto& r : records)
        if (r["j"] == kind) out.push_back(r);
    return out;
}

// op-a, a client that reads chat ids, on a link that acknowledges (v2), in chat 1 with c1
// of the Web service, which asked for acknowledgements (so its callers' texts are promised).
void v2_chat(Fixture& f) {
    f.fx.acknowledging = {1};
    f.d->service_connected(kWeb, f.now);
    f.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    f.d->operator_connected(1, f.now);
    f.d->link_hint(1, false, true);
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    f.send(1, "op-a", ChallengeAckCommand{"op-a", f.fx.to<ChallengeCommand>(1).back().nonce, 2});
    f.d->link_session("op-a", "", "S1");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
}

// op-a coming back on connection `conn`, its link resuming its session or not.
void rejoin(Fixture& f, ConnId conn, bool resumes) {
    f.d->operator_connected(conn, f.now);
    f.d->link_hint(conn, resumes, true);
    f.send(conn, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    f.send(conn, "op-a", ChallengeAckCommand{"op-a", f.fx.to<ChallengeCommand>(conn).back().nonce, 2});
}

}  // namespace

TEST_CASE("a caller's text stays on disk until the operator's link says it has it", "[dispatch][delivery]") {
    Fixture f;
    v2_chat(f);
    auto sent = f.fx.to<MsgCommand>(1);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].line == 1);  // numbered, for a client that reads chat ids
    CHECK(sent[0].chat == 1);
    // Sent, and on disk as the operator's until it is acknowledged.
    auto held = of_kind(f.fx.journal_records, "held");
    REQUIRE(held.size() == 1);
    CHECK(held[0]["text"] == "hi");
    CHECK(held[0]["line"] == 1);
    CHECK(of_kind(f.d->snapshot(), "held").size() == 1);
    // Before the acknowledgement a restart gives it again, with its number.
    Fixture g;
    g.d->restore(f.d->snapshot(), g.now);
    g.join(1, "op-a", test::key_2048(), 2);
    auto again = g.fx.to<MsgCommand>(1);
    REQUIRE(again.size() == 1);
    CHECK(again[0].msg[0] == "hi");
    CHECK(again[0].line == 1);
    // After it, the text is the operator's: not on disk any more.
    f.d->operator_delivered("op-a", 1);
    auto delivered = of_kind(f.fx.journal_records, "delivered");
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0]["chat"] == 1);
    CHECK(delivered[0]["upto"] == 1);
    CHECK(of_kind(f.d->snapshot(), "held").empty());
    Fixture h;
    h.d->restore(f.fx.journal_records, h.now);
    h.join(1, "op-a", test::key_2048(), 2);
    CHECK(h.fx.to<MsgCommand>(1).empty());
}

TEST_CASE("a link that starts afresh gets the unacknowledged texts again, one that resumes does not",
          "[dispatch][delivery]") {
    for (bool resumes : {false, true}) {
        INFO((resumes ? "resumed" : "afresh"));
        Fixture f;
        v2_chat(f);
        f.d->operator_closed(1, f.now);
        f.caller_says("c1", "are you there?");  // held while it is away
        rejoin(f, 2, resumes);
        std::vector<std::pair<std::string, std::int64_t>> got;
        for (const auto& m : f.fx.to<MsgCommand>(2)) got.emplace_back(m.msg[0], *m.line);
        // Its link sends the first again itself when it resumes.
        if (resumes) CHECK(got == std::vector<std::pair<std::string, std::int64_t>>{{"are you there?", 2}});
        else CHECK(got == std::vector<std::pair<std::string, std::int64_t>>{{"hi", 1}, {"are you there?", 2}});
    }
}

TEST_CASE("a text from a service that does not acknowledge is not journaled for a v2 operator",
          "[dispatch][delivery]") {
    // Nobody was told it was taken: it is kept until delivered, but costs no disk write.
    Fixture f;
    f.fx.acknowledging = {1};
    f.service_online();
    f.join(1, "op-a", test::key_2048(), 2);
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    REQUIRE(f.fx.to<MsgCommand>(1).size() == 1);
    f.d->operator_delivered("op-a", 1);
    CHECK(of_kind(f.fx.journal_records, "held").empty());
    CHECK(of_kind(f.fx.journal_records, "delivered").empty());
}

TEST_CASE("an unacknowledged text of such a service goes to disk when its operator goes away", "[dispatch][delivery]") {
    // It now waits for an operator who is away, like every held text: the journal must
    // say what the memory says (the dispatch fuzzer found the two apart).
    Fixture f;
    f.fx.acknowledging = {1};
    f.service_online();
    f.join(1, "op-a", test::key_2048(), 2);
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    REQUIRE(f.fx.to<MsgCommand>(1).size() == 1);
    CHECK(of_kind(f.fx.journal_records, "held").empty());
    f.d->operator_closed(1, f.now);
    auto held = of_kind(f.fx.journal_records, "held");
    REQUIRE(held.size() == 1);
    CHECK(held[0]["text"] == "hi");
    Fixture g;
    g.d->restore(f.fx.journal_records, g.now);
    CHECK(g.d->snapshot() == f.d->snapshot());
}

TEST_CASE("a text of a service that is away is kept on disk, whether or not it acknowledges", "[dispatch][delivery]") {
    // After a restart nlchatd does not know whether an absent service asked for
    // acknowledgements: its texts may have been promised (the simulation lost one that
    // had been, a ring's, taken while its service had not come back yet).
    Fixture f;
    f.d->service_connected(kWeb, f.now);
    f.bus(kWeb, R"({"type":"service_online","service":"Web","acks":true})");
    f.join(1, "op-a", test::key_2048(), 2);  // someone to ring
    f.bus(kWeb, R"({"type":"msg","address":"c1","msg":["hi"],"id":"w-1"})");
    REQUIRE(of_kind(f.fx.journal_records, "ring").size() == 1);
    // nlchatd restarted: the ring is back, its service not yet.
    Fixture g;
    g.fx.acknowledging = {1};
    g.d->restore(f.fx.journal_records, g.now);
    g.join(1, "op-a", test::key_2048(), 2);
    g.send(1, "op-a", RingAckCommand{"op-a", 1});
    REQUIRE(g.fx.to<MsgCommand>(1).size() == 1);
    auto held = of_kind(g.fx.journal_records, "held");
    REQUIRE(held.size() == 1);
    CHECK(held[0]["text"] == "hi");
    CHECK(of_kind(g.d->snapshot(), "held").size() == 1);
}

TEST_CASE("a written text on a link without acknowledgements is delivered at once", "[dispatch][delivery]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");  // the 2015 protocol: no chat ids, no numbers
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    auto sent = f.fx.to<MsgCommand>(1);
    REQUIRE(sent.size() == 1);
    CHECK_FALSE(sent[0].line);
    CHECK_FALSE(sent[0].chat);
    CHECK(of_kind(f.fx.journal_records, "held").empty());
}

TEST_CASE("line numbers never repeat in a chat, across restarts", "[dispatch][delivery]") {
    Fixture f;
    v2_chat(f);
    for (int i = 0; i < 70; ++i) f.caller_says("c1", "t" + std::to_string(i));
    f.d->operator_delivered("op-a", 71);
    // A block of numbers is set aside on disk before any of it is used.
    CHECK(of_kind(f.fx.journal_records, "lines").size() == 1);
    for (bool from_snapshot : {true, false}) {
        INFO((from_snapshot ? "restored from the snapshot" : "restored from the records as journaled"));
        Fixture g;
        g.d->restore(from_snapshot ? f.d->snapshot() : f.fx.journal_records, g.now);
        g.service_online();  // without acknowledgements now: its texts are numbered all the same
        g.join(1, "op-a", test::key_2048(), 2);
        g.caller_says("c1", "after the restart");
        auto msgs = g.fx.to<MsgCommand>(1);
        REQUIRE(msgs.size() == 1);
        CHECK(*msgs[0].line > 71);
    }
}

TEST_CASE("an operator's numbered line sent again is taken once, unless a new client run sent it",
          "[dispatch][delivery]") {
    Fixture f;
    v2_chat(f);
    const MsgCommand line{{"one line"}, Direction::Out, "op-a", 1, 5};
    f.send(1, "op-a", line);
    f.send(1, "op-a", line);  // its link sent it again after a restart of ours
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_ringing, "one line"});
    // The numbers taken survive a restart, with the client run they are from.
    Fixture g;
    g.d->restore(f.fx.journal_records, g.now);
    g.service_online();
    rejoin(g, 2, false);
    g.d->link_session("op-a", "S1", "S2");  // the same run: it names the session it had
    g.fx.service.clear();
    g.send(2, "op-a", line);
    CHECK(g.fx.texts_for(kWeb, "c1").empty());
    // A new run of the client counts from 1 again: its line 5 is a new line.
    g.d->operator_closed(2, g.now);
    rejoin(g, 3, false);
    g.d->link_session("op-a", "", "S3");
    g.send(3, "op-a", line);
    CHECK(g.fx.texts_for(kWeb, "c1") == std::vector<std::string>{"one line"});
}
