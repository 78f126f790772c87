// SPDX-License-Identifier: GPL-3.0-or-later
// The v2 session's key schedule, frames and stream: what opens, what never does, and
// exactly-once delivery across a change of keys (a resume).
#include "core/link/session_frames.h"

#include <catch2/catch.hpp>

#include "core/codec/base64.h"

using namespace nlchat;

namespace {

SessionTranscript transcript() {
    return SessionTranscript{std::string(32, 'c'), std::string(32, 's'), "op-uuid",
                             "challenge-nonce",    "SHA256:client",      "SHA256:server"};
}

SessionKeys keys(char seed) { return derive_session_keys(std::string(32, seed), transcript()); }

// The raw bytes of a frame line, and a line made of raw bytes.
std::string raw_of(const std::string& line) { return *base64_decode(line.substr(7, line.size() - 9)); }
std::string line_of(const std::string& raw) { return "{\"v2\":\"" + base64_encode(raw) + "\"}"; }

}  // namespace

TEST_CASE("the key schedule binds every transcript field and gives distinct keys", "[v2][frames]") {
    const SessionKeys k = keys('x');
    CHECK(k.client_to_server.size() == 32);
    CHECK(k.server_to_client.size() == 32);
    CHECK(k.session_id.size() == 16);
    CHECK(k.client_to_server != k.server_to_client);
    CHECK(keys('x').client_to_server == k.client_to_server);  // deterministic
    CHECK(keys('y').client_to_server != k.client_to_server);  // the shared secret counts
    for (int field = 0; field < 6; ++field) {
        SessionTranscript t = transcript();
        std::string* f[] = {&t.client_ephemeral, &t.server_ephemeral,   &t.client_uuid,
                            &t.challenge,        &t.client_fingerprint, &t.server_fingerprint};
        *f[field] += "!";
        INFO("field " << field);
        CHECK(derive_session_keys(std::string(32, 'x'), t).client_to_server != k.client_to_server);
    }
    // Fields are length-prefixed: moving a byte from one field to the next changes the hash.
    SessionTranscript a = transcript(), b = transcript();
    a.client_uuid = "ab", a.challenge = "c";
    b.client_uuid = "a", b.challenge = "bc";
    CHECK(transcript_hash(a) != transcript_hash(b));
}

TEST_CASE("frames open once, in order, and carry their seq and ack", "[v2][frames]") {
    const SessionKeys k = keys('x');
    FrameSealer sealer(k.client_to_server, FrameDirection::ClientToServer);
    FrameOpener opener(k.client_to_server, FrameDirection::ClientToServer);
    const std::string one = sealer.seal(Frame{1, 0, R"({"type":"msg"})"});
    const std::string two = sealer.seal(Frame{2, 7, ""});
    CHECK(one.rfind("{\"v2\":\"", 0) == 0);
    auto f1 = opener.open(one);
    REQUIRE(f1);
    CHECK(f1->seq == 1);
    CHECK(f1->ack == 0);
    CHECK(f1->inner == R"({"type":"msg"})");
    auto f2 = opener.open(two);
    REQUIRE(f2);
    CHECK(f2->ack == 7);
    CHECK(f2->inner.empty());  // a bare acknowledgement
    CHECK(opener.last_seq() == 2);
    CHECK_FALSE(opener.open(two));  // a replay
    CHECK_FALSE(opener.open(one));  // an earlier one
    // A nonce is never used twice: sealing a seq that did not grow is a bug.
    CHECK_THROWS(sealer.seal(Frame{2, 0, "again"}));
}

TEST_CASE("a bad frame never opens", "[v2][frames]") {
    const SessionKeys k = keys('x');
    FrameSealer sealer(k.client_to_server, FrameDirection::ClientToServer);
    const std::string line = sealer.seal(Frame{1, 0, R"({"type":"msg","msg":["hi"]})"});
    const std::string second = sealer.seal(Frame{2, 0, "x"});
    auto fresh = [&] { return FrameOpener(k.client_to_server, FrameDirection::ClientToServer); };

    SECTION("any flipped bit of the frame's bytes") {
        const std::string raw = raw_of(line);
        for (std::size_t i = 0; i < raw.size() * 8; ++i) {
            std::string bad = raw;
            bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
            INFO("bit " << i);
            CHECK_FALSE(fresh().open(line_of(bad)));
        }
    }
    SECTION("a gap, a truncation, an oversized line, a changed wrapper") {
        CHECK_FALSE(fresh().open(second));  // seq 2 before seq 1
        const std::string raw = raw_of(line);
        for (std::size_t n : {std::size_t{0}, std::size_t{15}, std::size_t{16}, std::size_t{31}, raw.size() - 1})
            CHECK_FALSE(fresh().open(line_of(raw.substr(0, n))));
        CHECK_FALSE(fresh().open(line.substr(0, line.size() - 1)));
        CHECK_FALSE(fresh().open(R"({"v2":")" + std::string(70000, 'A') + R"("})"));
        CHECK_FALSE(fresh().open(R"({ "v2":")" + line.substr(7)));
        CHECK_FALSE(fresh().open(line + " "));
        CHECK_FALSE(fresh().open(""));
        CHECK(fresh().open(line));  // the line itself does open
    }
    SECTION("a frame of another session or of the other direction") {
        FrameOpener other(keys('y').client_to_server, FrameDirection::ClientToServer);
        CHECK_FALSE(other.open(line));
        FrameOpener reverse(k.client_to_server, FrameDirection::ServerToClient);
        CHECK_FALSE(reverse.open(line));
    }
}

TEST_CASE("a session stream delivers each inner command once, in order, across a resume", "[v2][frames]") {
    SessionStream client(true), server(false);
    REQUIRE(client.start(keys('a'), 0)->empty());
    REQUIRE(server.start(keys('a'), 0)->empty());
    // Both ways, the second of each lost when the connection breaks.
    const std::string c1 = client.send("c1"), c2 = client.send("c2"), c3 = client.send("c3");
    const std::string s1 = server.send("s1");
    (void)server.send("s2");
    auto r = server.receive(c1);
    CHECK((r.ok && r.inner == "c1"));
    r = server.receive(c2);
    CHECK((r.ok && r.inner == "c2"));
    CHECK(server.ack_due());
    r = client.receive(s1);  // acknowledges nothing of the client's yet (sealed before)
    CHECK((r.ok && r.inner == "s1"));
    CHECK(client.unacknowledged() == 3);
    (void)c3;  // lost

    // A new connection, new keys: each says what it took; each seals again the rest.
    auto client_again = client.start(keys('b'), server.taken());
    auto server_again = server.start(keys('b'), client.taken());
    REQUIRE(client_again);
    REQUIRE(server_again);
    REQUIRE(client_again->size() == 1);  // c3
    REQUIRE(server_again->size() == 1);  // s2
    r = server.receive((*client_again)[0]);
    CHECK((r.ok && r.inner == "c3"));
    r = client.receive((*server_again)[0]);
    CHECK((r.ok && r.inner == "s2"));
    // An old key's frame is refused now.
    CHECK_FALSE(server.receive(c1).ok);
    CHECK(client.ack_due());
    r = server.receive(client.send("c4"));  // carries the acknowledgement of s2
    CHECK((r.ok && r.inner == "c4"));
    CHECK_FALSE(client.ack_due());
    CHECK(server.unacknowledged() == 0);
    CHECK(server.ack_due());
    // A bare acknowledgement empties the client's queue and does not ask for another.
    r = client.receive(server.send(""));
    CHECK((r.ok && r.inner.empty()));
    CHECK(client.unacknowledged() == 0);
    CHECK_FALSE(client.ack_due());
    CHECK_FALSE(server.ack_due());
}

TEST_CASE("a session stream refuses an acknowledgement of what it never sent", "[v2][frames]") {
    SessionStream client(true), server(false);
    REQUIRE(client.start(keys('a'), 0));
    REQUIRE(server.start(keys('a'), 0));
    FrameSealer forger(keys('a').server_to_client, FrameDirection::ServerToClient);
    CHECK_FALSE(client.receive(forger.seal(Frame{1, 5, "s1"})).ok);  // acks seq 5 of 0 sent
    // Refused before it counts as taken: a resume asks for it again, so its command is
    // not lost (found from outside: the frame's seq was counted, its command dropped).
    CHECK(client.taken() == 0);
    FrameSealer honest(keys('a').server_to_client, FrameDirection::ServerToClient);
    CHECK(client.receive(honest.seal(Frame{1, 0, "s1"})).ok);
    CHECK(client.taken() == 1);
    // A resume claiming more than was sent, too.
    CHECK_FALSE(client.start(keys('b'), 1));
    (void)client.send("c1");
    CHECK(client.start(keys('b'), 1));
}
