// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat's end of the operator link (core/link/client_link.h) with a fake clock, a
// stand-in for the RSA packets and a real v2 server endpoint as the peer.
#include "core/link/client_link.h"

#include <catch2/catch.hpp>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"
#include "tests/core/test_keys.h"

namespace nlchat {
namespace {

const std::string kUuid = "op-uuid";

// A v1 packet as the test writes it: the inner JSON in base64, no RSA (the codec has its
// own tests; this one is about the link's rules).
std::string fake_seal(std::string_view inner, const PublicKey&, std::string_view uuid, Role to) {
    Json::Value packet(Json::objectValue);
    packet["messages"].append(base64_encode(inner));
    packet["UUID"] = std::string(uuid);
    packet["to"] = role_name(to);
    return write_json(packet);
}

OpenedPacket fake_open(const std::string& line) {
    std::string error;
    auto packet = parse_json_object(line, error);
    REQUIRE(packet);
    OpenedPacket out;
    out.uuid = (*packet)["UUID"].asString();
    out.json = *base64_decode((*packet)["messages"][0].asString());
    out.inner = *parse_json_object(out.json, error);
    return out;
}

struct Fixture : ClientLinkEffects {
    PublicKey server_key = test::key_2048().public_key();
    ClientLink link{{kUuid, "SHA256:client", true, 0.2, fake_seal}, *this};
    V2Endpoint server{false};
    double t = 100;
    bool up = true;
    std::vector<std::string> written, to_open, drops;
    std::vector<Command> commands;
    std::vector<std::uint64_t> receipts;
    std::vector<std::optional<std::string>> online;

    bool write(const std::string& line) override {
        if (up) written.push_back(line);
        return up;
    }
    void open(std::string packet) override { to_open.push_back(std::move(packet)); }
    void drop(const std::string& why) override { drops.push_back(why); }
    void server_online(const std::optional<std::string>& key) override { online.push_back(key); }
    void command(const Command& c) override { commands.push_back(c); }
    void delivered(std::uint64_t r) override { receipts.push_back(r); }

    Now now() const { return Now{t, 1.7e9 + t}; }
    void at(double when) {
        t = when;
        link.tick(now());
    }
    // The server's v1 packet for `inner`, as the link gets it once opened.
    void packet_in(const Json::Value& inner) {
        link.received(fake_seal(write_json(inner), server_key, kUuid, Role::Bob), now());
        REQUIRE_FALSE(to_open.empty());
        OpenedPacket opened = fake_open(to_open.back());
        link.opened(&opened, now());
    }
    // The client's challengeACK, and the server's answer to the offer in it.
    void join_v2() {
        link.link_up(now());
        // A server_online without a resume nonce: the full join.
        link.received(online_line(""), now());
        REQUIRE(link.send(ChallengeAckCommand{kUuid, "nonce", 4}, server_key, now()));
        Json::Value ack = fake_open(written.back()).inner;
        auto offer = parse_v2_offer(ack);
        REQUIRE(offer);
        auto sw = server.answer(*offer, kUuid, "nonce", "SHA256:client", server_key.fingerprint());
        REQUIRE(sw);
        for (const auto& line : sw->lines) early.push_back(line);
        answer = v2_answer_json(sw->answer);
    }
    void answer_offer() {
        packet_in(answer);
        for (const auto& line : early) link.received(line, now());
        early.clear();
    }
    std::string server_takes(const std::string& line) {
        auto r = server.receive(line);
        REQUIRE(r.ok);
        return r.inner;
    }
    std::string online_line(const std::string& nonce) const {
        Json::Value line(Json::objectValue);
        line["type"] = "server_online";
        line["key"] = server_key.to_pem();
        if (!nonce.empty()) line["resume"] = base64_encode(nonce);
        return write_json(line);
    }
    // A redial after the v2 session is up: the key is held, server_online brings `nonce`.
    void redial(const std::string& nonce) {
        server.link_down();
        link.link_down();
        written.clear();
        link.link_up(now());
        REQUIRE(link.send(KeyCommand{kUuid, "PEM"}, server_key, now()));
        CHECK(written.empty());  // held for server_online
        link.received(online_line(nonce), now());
    }
    Json::Value answer;
    std::vector<std::string> early;
};

const std::string kNonce(16, 'n');

std::string type_of(const Command& c) { return command_type(c); }

}  // namespace

TEST_CASE("plain lines, raw packets and refusals are told apart", "[client_link]") {
    Fixture f;
    f.link.link_up(f.now());
    f.link.received(R"({"type":"server_online","key":"PEM"})", f.now());
    REQUIRE(f.online.size() == 1);
    CHECK(f.online[0] == std::string("PEM"));
    f.link.received(R"({"type":"refused","UUID":"someone else","reason":"no"})", f.now());
    CHECK(f.commands.empty());
    f.link.received(R"({"type":"refused","UUID":"op-uuid","reason":"not authorized"})", f.now());
    REQUIRE(f.commands.size() == 1);
    CHECK(std::get<RefusedCommand>(f.commands[0]).reason == "not authorized");
    f.link.received(R"({"messages":["x"],"UUID":"op-uuid","to":"bob"})", f.now());
    CHECK(f.to_open.size() == 1);
    // What the codec cannot read never reaches the session.
    f.packet_in(Json::Value(Json::objectValue));
    Json::Value bad(Json::objectValue);
    bad["type"] = "ring";
    bad["ID"] = "soon";
    f.packet_in(bad);
    CHECK(f.commands.size() == 1);
}

TEST_CASE("the challengeACK offers v2 and nothing else goes until the answer", "[client_link]") {
    Fixture f;
    f.join_v2();
    Json::Value ack = fake_open(f.written.back()).inner;
    CHECK(ack["chats"] == 4);
    CHECK(ack["v2"]["epk"].isString());
    CHECK_FALSE(f.link.send(ProbeAckCommand{kUuid}, f.server_key, f.now()));
    CHECK(f.link.protocol().empty());
    f.answer_offer();
    CHECK(f.link.protocol() == "v2");
    CHECK(f.drops.empty());
    REQUIRE(f.link.send(MsgCommand{{"hello"}, Direction::Out, kUuid, 7, 1}, f.server_key, f.now()));
    CHECK(f.written.back().rfind("{\"v2\":\"", 0) == 0);
    CHECK(f.server_takes(f.written.back()).find("hello") != std::string::npos);
}

TEST_CASE("frames that come before the answer is opened wait for it, in order", "[client_link]") {
    Fixture f;
    f.join_v2();
    const std::string s1 = f.server.send(write_json(to_json(Command{StatusCommand{{}, 4}})));
    const std::string s2 = f.server.send(write_json(to_json(Command{RingCommand{"", 9, std::nullopt, 30.0}})));
    f.link.received(s1, f.now());
    f.link.received(s2, f.now());
    CHECK(f.commands.empty());
    f.answer_offer();
    REQUIRE(f.commands.size() == 2);
    CHECK(type_of(f.commands[0]) == "status");
    CHECK(type_of(f.commands[1]) == "ring");
}

TEST_CASE("a status instead of an answer is a 2015 server: v1 it is", "[client_link]") {
    Fixture f;
    f.join_v2();
    f.packet_in(to_json(Command{StatusCommand{{}}}));
    CHECK(f.link.protocol() == "v1");
    REQUIRE(f.link.send(ProbeAckCommand{kUuid}, f.server_key, f.now()));
    CHECK(fake_open(f.written.back()).inner["type"] == "probeACK");
    CHECK(f.link.last_receipt() == 0);  // nothing will ever say it arrived
}

TEST_CASE("without v2 the challengeACK offers nothing", "[client_link]") {
    Fixture f;
    ClientLink plain({kUuid, "SHA256:client", false, 0.2, fake_seal}, f);
    plain.link_up(f.now());
    REQUIRE(plain.send(ChallengeAckCommand{kUuid, "nonce", 4}, f.server_key, f.now()));
    CHECK_FALSE(fake_open(f.written.back()).inner.isMember("v2"));
    REQUIRE(plain.send(ProbeAckCommand{kUuid}, f.server_key, f.now()));  // no answer is awaited
}

TEST_CASE("an unusable answer or a bad frame drops the link", "[client_link]") {
    Fixture f;
    f.join_v2();
    f.answer["epk"] = base64_encode(std::string(32, 'x'));  // not the server's key: the session id will not match
    f.answer_offer();
    REQUIRE(f.drops.size() == 1);
    CHECK(f.drops[0].find("unusable") != std::string::npos);
    CHECK_FALSE(f.link.up());

    Fixture g;
    g.join_v2();
    g.answer_offer();
    std::string frame = g.server.send("{\"type\":\"probe\",\"UUID\":\"op-uuid\"}");
    frame[10] = frame[10] == 'A' ? 'B' : 'A';
    g.link.received(frame, g.now());
    REQUIRE(g.drops.size() == 1);
    CHECK(g.drops[0].find("bad v2 frame") != std::string::npos);
}

TEST_CASE("a frame taken is acknowledged by the next one or bare after 0.2 s", "[client_link]") {
    Fixture f;
    f.join_v2();
    f.answer_offer();
    f.link.received(f.server.send(write_json(to_json(Command{StatusCommand{{}, 4}}))), f.now());
    REQUIRE(f.link.next_deadline());
    CHECK(*f.link.next_deadline() == Approx(f.t + 0.2));
    const std::size_t before = f.written.size();
    const double taken = f.t;
    f.at(taken + 0.1);
    CHECK(f.written.size() == before);
    f.at(taken + 0.2);
    REQUIRE(f.written.size() == before + 1);
    CHECK(f.server_takes(f.written.back()).empty());  // a bare acknowledgement
    CHECK(f.server.stream().peer_acked() == 1);
    // A bare acknowledgement is not answered, and a frame that carries one needs none.
    f.link.received(f.server.send(""), f.now());
    f.at(f.t + 1);
    CHECK(f.written.size() == before + 1);
    f.link.received(f.server.send(write_json(to_json(Command{ProbeCommand{kUuid}}))), f.now());
    REQUIRE(f.link.send(ProbeAckCommand{kUuid}, f.server_key, f.now()));
    f.at(f.t + 1);
    CHECK(f.written.size() == before + 2);  // the probeACK carried it
}

TEST_CASE("the operator's lines are delivered when the server acknowledges them", "[client_link]") {
    Fixture f;
    f.join_v2();
    f.answer_offer();
    REQUIRE(f.link.send(MsgCommand{{"one"}, Direction::Out, kUuid, 7, 1}, f.server_key, f.now()));
    const std::uint64_t r1 = f.link.last_receipt();
    REQUIRE(f.link.send(MsgCommand{{"two"}, Direction::Out, kUuid, 7, 2}, f.server_key, f.now()));
    const std::uint64_t r2 = f.link.last_receipt();
    CHECK(r1 != 0);
    CHECK(r2 != r1);
    f.server_takes(f.written[f.written.size() - 2]);
    f.link.received(f.server.send(""), f.now());
    CHECK(f.receipts == std::vector<std::uint64_t>{r1});
    f.server_takes(f.written.back());
    f.link.received(f.server.send(""), f.now());
    CHECK(f.receipts == std::vector<std::uint64_t>{r1, r2});
}

TEST_CASE("after an hour the link is dropped for new keys and the session resumes", "[client_link]") {
    Fixture f;
    f.join_v2();
    f.answer_offer();
    REQUIRE(f.link.send(MsgCommand{{"in flight"}, Direction::Out, kUuid, 7, 1}, f.server_key, f.now()));
    f.at(f.t + kRekeySeconds - 1);
    CHECK(f.drops.empty());
    f.at(f.t + 1);
    REQUIRE(f.drops.size() == 1);
    CHECK(f.drops[0].find("renewing") != std::string::npos);
    f.server.link_down();
    // The redial: the offer names the session, the server resumes it, and the line the
    // server never took is written again first.
    f.written.clear();
    f.join_v2();
    CHECK(f.answer["resumed"] == true);
    f.answer_offer();
    CHECK(f.link.protocol() == "v2");
    REQUIRE(f.written.size() == 2);  // the challengeACK, then the frame sent again
    CHECK(f.server_takes(f.written.back()).find("in flight") != std::string::npos);
    REQUIRE(f.link.next_deadline());
    CHECK(*f.link.next_deadline() == Approx(f.t + kRekeySeconds));
}

}  // namespace nlchat

namespace nlchat {

TEST_CASE("a redial with the session's secret rejoins without RSA", "[client_link][resumption]") {
    Fixture f;
    f.join_v2();
    f.answer_offer();
    const std::string secret = f.server.resumption();
    REQUIRE(secret.size() == 32);
    CHECK(f.link.v2().resumption() == secret);  // both ends derived the same
    REQUIRE(f.link.send(MsgCommand{{"in flight"}, Direction::Out, kUuid, 7, 1}, f.server_key, f.now()));
    f.redial(kNonce);
    // A plain resume instead of the key, MACed with the secret over this nonce.
    REQUIRE(f.written.size() == 1);
    std::string error;
    auto line = parse_json_object(f.written[0], error);
    REQUIRE(line);
    auto hello = parse_resume_hello(*line);
    REQUIRE(hello);
    CHECK(hello->uuid == kUuid);
    CHECK(hello->chats == 4);
    CHECK(same_mac(hello->mac, resume_hello_mac(secret, *hello, kNonce, "SHA256:client", f.server_key.fingerprint())));
    CHECK_FALSE(same_mac(hello->mac, resume_hello_mac(secret, *hello, std::string(16, 'm'), "SHA256:client",
                                                      f.server_key.fingerprint())));
    auto sw = f.server.answer_resumed(*hello, secret, kNonce, "SHA256:client", f.server_key.fingerprint());
    REQUIRE(sw);
    CHECK(sw->answer.resumed);
    f.written.clear();
    f.link.received(write_json(v2_answer_json(sw->answer)), f.now());
    CHECK(f.drops.empty());
    CHECK(f.link.protocol() == "v2");
    CHECK(f.link.rejoined());
    // The key never went; the line the server never took goes again, in a frame.
    REQUIRE(f.written.size() == 1);
    CHECK(f.server_takes(f.written[0]).find("in flight") != std::string::npos);
    // Both ends have a new secret, the same; the old one is retired.
    CHECK(f.link.v2().resumption() == f.server.resumption());
    CHECK(f.link.v2().resumption() != secret);
    for (const auto& l : sw->lines) f.link.received(l, f.now());
    CHECK(f.drops.empty());
}

TEST_CASE("a refused resume sends the held key: the full join", "[client_link][resumption]") {
    Fixture f;
    f.join_v2();
    f.answer_offer();
    f.redial(kNonce);
    REQUIRE(f.written.size() == 1);
    f.link.received(R"({"type":"resume_failed","UUID":"op-uuid"})", f.now());
    REQUIRE(f.written.size() == 2);
    CHECK(fake_open(f.written.back()).inner["type"] == "key");
    CHECK(f.link.v2().resumption().empty());  // not offered again
    // The next redial does not hold the key at all.
    f.link.link_down();
    f.written.clear();
    f.link.link_up(f.now());
    REQUIRE(f.link.send(KeyCommand{kUuid, "PEM"}, f.server_key, f.now()));
    CHECK(f.written.size() == 1);
}

TEST_CASE("without a nonce, or from another server, the held key goes", "[client_link][resumption]") {
    SECTION("no nonce in server_online") {
        Fixture f;
        f.join_v2();
        f.answer_offer();
        f.redial("");
        REQUIRE(f.written.size() == 1);
        CHECK(fake_open(f.written[0]).inner["type"] == "key");
    }
    SECTION("another server's key") {
        Fixture f;
        f.join_v2();
        f.answer_offer();
        f.server_key = test::key_4096().public_key();
        f.redial(kNonce);
        REQUIRE(f.written.size() == 1);
        CHECK(fake_open(f.written[0]).inner["type"] == "key");
    }
    SECTION("no server_online within the wait") {
        Fixture f;
        f.join_v2();
        f.answer_offer();
        f.server.link_down();
        f.link.link_down();
        f.written.clear();
        f.link.link_up(f.now());
        REQUIRE(f.link.send(KeyCommand{kUuid, "PEM"}, f.server_key, f.now()));
        CHECK(f.written.empty());
        REQUIRE(f.link.next_deadline());
        CHECK(*f.link.next_deadline() == Approx(f.t + ClientLink::kHoldKeySeconds));
        f.at(f.t + ClientLink::kHoldKeySeconds);
        REQUIRE(f.written.size() == 1);
        CHECK(fake_open(f.written[0]).inner["type"] == "key");
    }
}

TEST_CASE("an answer to the resume whose MAC fails drops the link and the secret", "[client_link][resumption]") {
    Fixture f;
    f.join_v2();
    f.answer_offer();
    const std::string secret = f.server.resumption();
    f.redial(kNonce);
    std::string error;
    auto hello = parse_resume_hello(*parse_json_object(f.written[0], error));
    REQUIRE(hello);
    // Someone without the secret answers (here: with another one).
    auto sw =
        f.server.answer_resumed(*hello, std::string(32, 'x'), kNonce, "SHA256:client", f.server_key.fingerprint());
    REQUIRE(sw);
    f.link.received(write_json(v2_answer_json(sw->answer)), f.now());
    REQUIRE(f.drops.size() == 1);
    CHECK(f.link.protocol().empty());
    CHECK(f.link.v2().resumption().empty());
}

}  // namespace nlchat
