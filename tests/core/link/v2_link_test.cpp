// SPDX-License-Identifier: GPL-3.0-or-later
// The switch to v2 on an operator link: the offer and answer on the wire, a fresh
// session, a resume with lines in flight both ways, and a server that lost the session.
#include "core/link/v2_link.h"

#include <catch2/catch.hpp>

using namespace nlchat;

namespace {

const std::string kUuid = "op-uuid", kChallenge = "nonce-1", kCfp = "SHA256:c", kSfp = "SHA256:s";

// One connection's handshake between the two endpoints; the lines each must write first.
struct Handshake {
    std::vector<std::string> client_first, server_first;
    V2Answer answer;
};

Handshake connect(V2Endpoint& client, V2Endpoint& server, const std::string& challenge = kChallenge) {
    Json::Value ack(Json::objectValue);
    ack["type"] = "challengeACK";
    ack["v2"] = v2_offer_json(client.offer());
    auto offer = parse_v2_offer(ack);
    REQUIRE(offer);
    auto sw = server.answer(*offer, kUuid, challenge, kCfp, kSfp);
    REQUIRE(sw);
    auto answer = parse_v2_answer(v2_answer_json(sw->answer));
    REQUIRE(answer);
    auto first = client.accept(*answer, kUuid, challenge, kCfp, kSfp);
    REQUIRE(first);
    return Handshake{*first, sw->lines, *answer};
}

std::string take(V2Endpoint& to, const std::string& line) {
    auto r = to.receive(line);
    REQUIRE(r.ok);
    return r.inner;
}

}  // namespace

TEST_CASE("the offer and answer fields are strict", "[v2][link]") {
    Json::Value ack(Json::objectValue);
    CHECK_FALSE(parse_v2_offer(ack));  // a 2015 client offers nothing
    ack["v2"]["epk"] = "AAAA";         // not 32 bytes
    CHECK_FALSE(parse_v2_offer(ack));
    ack["v2"] = v2_offer_json(V2Offer{std::string(32, 'e'), std::string(16, 's'), 7});
    auto offer = parse_v2_offer(ack);
    REQUIRE(offer);
    CHECK(offer->sid == std::string(16, 's'));
    CHECK(offer->took == 7);
    ack["v2"]["took"] = -1;
    CHECK_FALSE(parse_v2_offer(ack));
    Json::Value answer = v2_answer_json(V2Answer{"u", std::string(32, 'e'), std::string(16, 's'), 3, true, {}});
    CHECK(parse_v2_answer(answer));
    answer.removeMember("resumed");
    CHECK_FALSE(parse_v2_answer(answer));
}

TEST_CASE("a fresh v2 session carries lines both ways", "[v2][link]") {
    V2Endpoint client(true), server(false);
    Handshake h = connect(client, server);
    CHECK_FALSE(h.answer.resumed);
    CHECK(h.client_first.empty());
    CHECK(h.server_first.empty());
    CHECK(client.session_id() == server.session_id());
    CHECK(take(server, client.send(R"({"type":"msg"})")) == R"({"type":"msg"})");
    const std::uint64_t receipt = client.last_receipt();
    CHECK(client.delivered().empty());
    CHECK(take(client, server.send(R"({"type":"status"})")) == R"({"type":"status"})");
    CHECK(client.delivered() == std::vector<std::uint64_t>{receipt});
}

TEST_CASE("a resumed session loses and repeats nothing in flight either way", "[v2][link]") {
    V2Endpoint client(true), server(false);
    connect(client, server);
    const std::string c1 = client.send("c1"), c2 = client.send("c2");
    const std::string s1 = server.send("s1"), s2 = server.send("s2");
    CHECK(take(server, c1) == "c1");  // c2 and s2 are in flight when the link breaks
    CHECK(take(client, s1) == "s1");
    (void)c2, (void)s2;
    client.link_down(), server.link_down();
    CHECK_FALSE(client.active());

    Handshake h = connect(client, server, "nonce-2");
    CHECK(h.answer.resumed);
    REQUIRE(h.client_first.size() == 1);
    REQUIRE(h.server_first.size() == 1);
    CHECK(take(server, h.client_first[0]) == "c2");
    CHECK(take(client, h.server_first[0]) == "s2");
    CHECK(take(server, client.send("c3")) == "c3");
    // The old connection's frames open no more (their keys are gone).
    CHECK_FALSE(server.receive(c1).ok);
}

TEST_CASE("a server that lost the session gets a fresh one, and what was unacknowledged again", "[v2][link]") {
    V2Endpoint client(true), old_server(false);
    connect(client, old_server);
    (void)client.send("lost in the crash");
    const std::uint64_t receipt = client.last_receipt();
    client.link_down();
    V2Endpoint server(false);  // a restarted server knows no session
    Handshake h = connect(client, server);
    CHECK_FALSE(h.answer.resumed);
    REQUIRE(h.client_first.size() == 1);
    CHECK(take(server, h.client_first[0]) == "lost in the crash");
    // Its receipt is the one the operator's line was given when typed.
    (void)take(client, server.send("status"));
    CHECK(client.delivered() == std::vector<std::uint64_t>{receipt});
}

TEST_CASE("an unusable answer ends the switch", "[v2][link]") {
    V2Endpoint client(true), server(false);
    Json::Value ack(Json::objectValue);
    ack["v2"] = v2_offer_json(client.offer());
    auto sw = server.answer(*parse_v2_offer(ack), kUuid, kChallenge, kCfp, kSfp);
    REQUIRE(sw);
    SECTION("another challenge (a transcript that differs)") {
        CHECK_FALSE(client.accept(sw->answer, kUuid, "nonce-x", kCfp, kSfp));
    }
    SECTION("a low-order key") {
        V2Answer bad = sw->answer;
        bad.epk = std::string(32, '\0');
        CHECK_FALSE(client.accept(bad, kUuid, kChallenge, kCfp, kSfp));
    }
    SECTION("a resume of a session the client never had") {
        V2Answer bad = sw->answer;
        bad.resumed = true;
        CHECK_FALSE(client.accept(bad, kUuid, kChallenge, kCfp, kSfp));
    }
    SECTION("another UUID") { CHECK_FALSE(client.accept(sw->answer, "someone", kChallenge, kCfp, kSfp)); }
}

TEST_CASE("a server that confirms only after its commit resumes as well", "[v2][link]") {
    // nlchatd acknowledges a frame only once its journal has it; a resume must still
    // line up: what the server says it took is acknowledged with it.
    V2Endpoint client(true), server(false);
    server.stream().confirm_manually();
    connect(client, server);
    CHECK(take(server, client.send("c1")) == "c1");  // taken, not yet confirmed
    const std::string s1 = server.send("s1");
    (void)s1;  // lost with the link
    client.link_down(), server.link_down();
    Handshake h = connect(client, server, "nonce-2");
    CHECK(h.answer.resumed);
    CHECK(h.answer.took == 1);
    CHECK(h.client_first.empty());  // c1 was taken: not sent again
    REQUIRE(h.server_first.size() == 1);
    CHECK(take(client, h.server_first[0]) == "s1");
    CHECK(take(client, server.send("s2")) == "s2");
}

TEST_CASE("an answer that resumes with an impossible took makes the next offer a fresh one", "[v2][link]") {
    // Found by reading the manual from outside: such a server would be offered the same
    // session again after every redial, for ever.
    V2Endpoint client(true), server(false);
    connect(client, server);
    (void)client.send("in flight");
    client.link_down(), server.link_down();
    Json::Value ack(Json::objectValue);
    ack["v2"] = v2_offer_json(client.offer());
    auto offer = parse_v2_offer(ack);
    REQUIRE(offer);
    REQUIRE_FALSE(offer->sid.empty());
    auto sw = server.answer(*offer, kUuid, "nonce-2", kCfp, kSfp);
    REQUIRE(sw);
    REQUIRE(sw->answer.resumed);
    V2Answer bad = sw->answer;
    bad.took = 99;  // more than the client ever sent
    CHECK_FALSE(client.accept(bad, kUuid, "nonce-2", kCfp, kSfp));
    CHECK(client.resumption().empty() == false);  // the secret of the last good handshake
    client.link_down();
    Json::Value again(Json::objectValue);
    again["v2"] = v2_offer_json(client.offer());
    CHECK_FALSE(again["v2"].isMember("sid"));
    // A fresh session, with the line that was in flight sent again as a new frame.
    V2Endpoint fresh(false);
    auto sw2 = fresh.answer(*parse_v2_offer(again), kUuid, "nonce-3", kCfp, kSfp);
    REQUIRE(sw2);
    auto first = client.accept(sw2->answer, kUuid, "nonce-3", kCfp, kSfp);
    REQUIRE(first);
    REQUIRE(first->size() == 1);
    CHECK(take(fresh, (*first)[0]) == "in flight");
}
