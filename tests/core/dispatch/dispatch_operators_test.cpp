// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, operator side: authentication, liveness and grace, rings taken, operators ending chats.
#include "dispatch_fixture.h"

using namespace nlchat;
using namespace nlchat::test;

TEST_CASE("a new connection first gets server_online with the server's key", "[dispatch]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    REQUIRE(f.fx.plain.size() == 1);
    CHECK(f.fx.plain[0].second["type"] == "server_online");
    CHECK(f.fx.plain[0].second["key"] == test::key_4096().public_key().to_pem());
}

TEST_CASE("an authorized operator proves its key, joins and gets status", "[dispatch][auth]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    CHECK(f.fx.types_to(1) == std::vector<std::string>{"challenge", "status"});
    CHECK(f.fx.to<ChallengeCommand>(1)[0].nonce == "nonce-1");
    auto status = f.fx.to<StatusCommand>(1)[0];
    REQUIRE(status.services.size() == 1);
    CHECK(status.services[0].name == "Web");
    CHECK(status.services[0].status == "Connected");
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("an unlisted key is refused in plaintext with a reason, and closed", "[dispatch][auth]") {
    Fixture f;
    f.d->set_authorized_keys({test::other_key_2048().public_key().fingerprint()});
    f.d->operator_connected(1, f.now);
    f.fx.clear();
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    // Nothing is encrypted to a key that is not authorized (the stranger chose it).
    CHECK(f.fx.sealed.empty());
    REQUIRE(f.fx.plain.size() == 1);
    const Json::Value& refused = f.fx.plain[0].second;
    CHECK(refused["type"] == "refused");
    CHECK(refused["UUID"] == "op-a");
    CHECK(refused["reason"].asString().find("not authorized") != std::string::npos);
    CHECK(refused["reason"].asString().find(test::key_2048().public_key().fingerprint()) != std::string::npos);
    CHECK(f.fx.closed == std::vector<ConnId>{1});
    CHECK(f.d->pool_size() == 0);
    CHECK_FALSE(f.d->joined(1));
    // An empty UUID with an unlisted key: plaintext too.
    f.d->operator_connected(2, f.now);
    f.fx.clear();
    f.send(2, "", KeyCommand{"", test::key_2048().public_key().to_pem()});
    CHECK(f.fx.sealed.empty());
    CHECK(f.fx.plain.size() == 1);
}

TEST_CASE("a key taken off the list is cut off at once, and its chat ends as a disconnect's would",
          "[dispatch][auth]") {
    Fixture f;
    f.open_chat();
    f.join(2, "op-b", test::other_key_2048());
    // op-c is half way through the challenge with the key about to be revoked.
    f.d->operator_connected(3, f.now);
    f.send(3, "op-c", KeyCommand{"op-c", test::key_2048().public_key().to_pem()});
    CHECK(f.d->joined(1));
    f.fx.clear();
    f.d->set_authorized_keys({test::other_key_2048().public_key().fingerprint()});
    auto refused = f.fx.to<RefusedCommand>(1);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].reason.find("no longer authorized") != std::string::npos);
    CHECK(f.fx.closed == std::vector<ConnId>{1, 3});
    CHECK_FALSE(f.d->joined(1));
    CHECK(f.d->pool_size() == 1);
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_client_dropped});
    CHECK(f.fx.service_types(kWeb) == std::vector<std::string>{"msg", "disassociate"});
    CHECK(f.fx.logged("key no longer authorized; disconnected"));
    // op-b, still listed, is untouched; the revoked key cannot come back.
    CHECK(f.fx.to<RefusedCommand>(2).empty());
    f.d->operator_connected(4, f.now);
    f.fx.clear();
    f.send(4, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    CHECK(f.fx.plain.size() == 1);
    CHECK(f.fx.closed == std::vector<ConnId>{4});
}

TEST_CASE("open mode accepts any key, still with the challenge", "[dispatch][auth]") {
    DispatchConfig c;
    c.allow_any_key = true;
    Fixture f(c);
    f.d->set_authorized_keys({});
    f.join(1, "op-a");
    CHECK(f.fx.to<ChallengeCommand>(1).size() == 1);
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("key sent twice before answering gets the same challenge twice", "[dispatch][auth]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    auto challenges = f.fx.to<ChallengeCommand>(1);
    REQUIRE(challenges.size() == 2);
    CHECK(challenges[0].nonce == challenges[1].nonce);
    f.send(1, "op-a", ChallengeAckCommand{"op-a", challenges[0].nonce});
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("a wrong challenge answer is refused", "[dispatch][auth]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    f.send(1, "op-a", ChallengeAckCommand{"op-a", "nonce-9"});
    CHECK(f.fx.to<RefusedCommand>(1).size() == 1);
    CHECK(f.fx.closed == std::vector<ConnId>{1});
    CHECK(f.d->pool_size() == 0);
    // A challengeACK with no challenge outstanding changes nothing.
    f.d->operator_connected(2, f.now);
    f.send(2, "op-a", ChallengeAckCommand{"op-a", "nonce-1"});
    CHECK(f.d->pool_size() == 0);
}

TEST_CASE("a UUID is bound to its key and its connection", "[dispatch][auth]") {
    Fixture f;
    f.join(1, "op-a");
    // Another key for the same UUID is refused.
    f.d->operator_connected(2, f.now);
    f.send(2, "op-a", KeyCommand{"op-a", test::other_key_2048().public_key().to_pem()});
    CHECK(f.fx.to<RefusedCommand>(2).size() == 1);
    // Commands for op-a from a connection that has not joined as op-a are dropped.
    f.d->operator_connected(3, f.now);
    f.send(3, "op-a", DisconnectCommand{"op-a"});
    f.join(4, "op-b", test::other_key_2048());
    f.send(4, "op-a", DisconnectCommand{"op-a"});
    CHECK(f.d->pool_size() == 2);
    CHECK(f.fx.logged("does not own"));
    // A wrapper UUID that differs from the inner one is dropped too.
    f.send(1, "op-b", ProbeAckCommand{"op-a"});
    CHECK(f.fx.logged("wrapper and inner UUID differ"));
}

TEST_CASE("a connection that never joins is closed after the handshake timeout", "[dispatch]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    REQUIRE(f.d->next_deadline());
    CHECK(*f.d->next_deadline() == Approx(f.now.mono + 30));
    f.advance(29);
    CHECK(f.fx.closed.empty());
    f.advance(1);
    CHECK(f.fx.closed == std::vector<ConnId>{1});
}

TEST_CASE("the first ringACK wins; the loser is told; held texts follow in order", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.join(2, "op-b", test::other_key_2048());
    f.caller_says("c1", "one");
    f.caller_says("c1", "two");
    f.send(2, "op-b", RingAckCommand{"op-b", 1});
    f.send(1, "op-a", RingAckCommand{"op-a", 1});  // late: changes nothing
    for (ConnId c : {1, 2}) {
        auto acks = f.fx.to<RingAckAckCommand>(c);
        REQUIRE(acks.size() == 1);
        CHECK(acks[0].uuid == "op-b");
        CHECK(acks[0].id == 1);
    }
    CHECK(texts(f.fx.to<MsgCommand>(2)) == std::vector<std::string>{"one", "two"});
    CHECK(f.fx.to<MsgCommand>(1).empty());
    // The chat works both ways.
    f.caller_says("c1", "three");
    CHECK(texts(f.fx.to<MsgCommand>(2)).back() == "three");
    f.send(2, "op-b", MsgCommand{{"hello, I'm listening"}, Direction::Out, "op-b"});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "hello, I'm listening");
    // An unknown ring ID is harmless.
    f.send(1, "op-a", RingAckCommand{"op-a", 99});
    CHECK(f.d->open_rings() == 0);
}

TEST_CASE("a busy operator still sees rings but cannot take one; all busy is said", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "first");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.caller_says("c2", "second");
    CHECK(f.fx.to<RingCommand>(1).size() == 2);
    CHECK(f.fx.texts_for(kWeb, "c2") == std::vector<std::string>{f.config.text_all_busy});
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    CHECK(f.d->open_rings() == 1);
    CHECK(f.fx.to<RingAckAckCommand>(1).size() == 1);
    // A second operator joining gets the open ring, with the time left.
    f.advance_answering(10, {{1, "op-a"}});
    f.join(2, "op-b", test::other_key_2048());
    auto rings = f.fx.to<RingCommand>(2);
    REQUIRE(rings.size() == 1);
    CHECK(rings[0].id == 2);
    CHECK(*rings[0].expires_in == Approx(50));
    f.send(2, "op-b", RingAckCommand{"op-b", 2});
    CHECK(texts(f.fx.to<MsgCommand>(2)) == std::vector<std::string>{"second"});
}

TEST_CASE("liveness: probe after 7 s, out of the pool 3 s later", "[dispatch][liveness]") {
    Fixture f;
    f.join(1, "op-a");
    CHECK(*f.d->next_deadline() == Approx(f.now.mono + 7));
    f.advance(6.9);
    CHECK(f.fx.to<ProbeCommand>(1).empty());
    f.advance(0.1);
    REQUIRE(f.fx.to<ProbeCommand>(1).size() == 1);
    CHECK(f.fx.to<ProbeCommand>(1)[0].uuid == "op-a");
    f.advance(2.9);
    CHECK(f.d->pool_size() == 1);
    f.advance(0.1);
    CHECK(f.d->pool_size() == 0);
    // Answering in time keeps it in.
    Fixture g;
    g.join(1, "op-a");
    g.advance(7);
    g.send(1, "op-a", ProbeAckCommand{"op-a"});
    g.advance(5);
    CHECK(g.d->pool_size() == 1);
}

TEST_CASE("liveness is kept per operator without walking them all: each is probed 7 s after its own last word",
          "[dispatch][liveness]") {
    Fixture f;
    f.join(1, "op-a");
    f.join(2, "op-b", test::other_key_2048());
    f.advance(5);
    f.send(1, "op-a", ProbeAckCommand{"op-a"});  // op-a speaks at 5 s: its probe moves to 12 s
    f.advance(2);
    CHECK(f.fx.to<ProbeCommand>(1).empty());
    CHECK(f.fx.to<ProbeCommand>(2).size() == 1);
    // The old deadline (7 s) is out of date; the next one is op-b's probe timeout at 10 s.
    REQUIRE(f.d->next_deadline());
    CHECK(*f.d->next_deadline() == Approx(f.now.mono + 3));
    f.advance(3);  // op-b did not answer: out of the pool; op-a is still in
    CHECK(f.d->pool_size() == 1);
    CHECK(*f.d->next_deadline() == Approx(f.now.mono + 2));
    f.advance(2);
    CHECK(f.fx.to<ProbeCommand>(1).size() == 1);
    // A connection that joined is not closed when its handshake time runs out.
    f.advance_answering(30, {{1, "op-a"}});
    CHECK(f.fx.closed.empty());
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("grace: a caller's messages are held and delivered once, in order, on return", "[dispatch][liveness]") {
    Fixture f;
    f.open_chat();
    f.advance(7);
    f.advance(3);  // missed the probe: out of the pool, grace begins
    REQUIRE(f.d->pool_size() == 0);
    std::size_t before = f.fx.to<MsgCommand>(1).size();
    f.caller_says("c1", "one");
    f.caller_says("c1", "two");
    f.caller_says("c1", "three");
    CHECK(f.fx.to<MsgCommand>(1).size() == before);
    f.advance(30);
    f.send(1, "op-a", ProbeAckCommand{"op-a"});  // a late answer on the same connection
    CHECK(f.d->pool_size() == 1);
    auto msgs = texts(f.fx.to<MsgCommand>(1));
    CHECK(std::vector<std::string>(msgs.begin() + before, msgs.end()) ==
          std::vector<std::string>{"one", "two", "three"});
    auto types = f.fx.types_to(1);
    CHECK(types[types.size() - 4] == "status");
    // Nothing is sent twice.
    f.send(1, "op-a", ProbeAckCommand{"op-a"});
    CHECK(texts(f.fx.to<MsgCommand>(1)).size() == before + 3);
}

TEST_CASE("grace: a new connection with the same key takes over the UUID", "[dispatch][liveness]") {
    Fixture f;
    f.open_chat();
    f.d->operator_closed(1, f.now);
    CHECK(f.d->pool_size() == 0);
    f.caller_says("c1", "are you there?");
    f.advance(20);
    f.join(2, "op-a");
    CHECK(texts(f.fx.to<MsgCommand>(2)) == std::vector<std::string>{"are you there?"});
    f.send(2, "op-a", MsgCommand{{"sorry, I'm back"}, Direction::Out, "op-a"});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "sorry, I'm back");
}

TEST_CASE("grace: the UUID moves to a new connection even while the old one is open", "[dispatch][liveness]") {
    Fixture f;
    f.join(1, "op-a");
    f.join(2, "op-a");
    CHECK(f.fx.closed == std::vector<ConnId>{1});
    f.send(1, "op-a", DisconnectCommand{"op-a"});  // the old connection no longer counts
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("grace runs out: the caller is told and the service gets disassociate", "[dispatch][liveness]") {
    Fixture f;
    f.open_chat();
    f.d->operator_closed(1, f.now);
    f.advance(59.9);
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_ringing);
    f.advance(0.1);
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_client_dropped);
    CHECK(f.fx.service_types(kWeb).back() == "disassociate");
    // The caller starts afresh; nobody is connected now.
    f.caller_says("c1", "hello?");
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_no_operators);
}

TEST_CASE("the operator ends the chat: the service is told", "[dispatch][chat]") {
    Fixture f;
    f.open_chat();
    f.send(1, "op-a", DisassociateCommand{"op-a"});
    CHECK(f.fx.service.back().second["type"] == "disassociate");
    CHECK(f.fx.service.back().second["address"] == "c1");
    // The operator is free again: a new caller rings and it can take it.
    f.caller_says("c2", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    CHECK(f.fx.to<RingAckAckCommand>(1).back().uuid == "op-a");
    // Writing after the end is answered with "gone", not a crash.
    f.send(1, "op-a", DisassociateCommand{"op-a"});
    f.send(1, "op-a", MsgCommand{{"hello?"}, Direction::Out, "op-a"});
    CHECK(f.fx.to<ChatStateCommand>(1).back().state == "gone");
}

TEST_CASE("disconnect removes the operator at once and its caller is told", "[dispatch][chat]") {
    Fixture f;
    f.open_chat();
    f.send(1, "op-a", DisconnectCommand{"op-a"});
    CHECK(f.d->pool_size() == 0);
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_client_dropped);
    CHECK(f.fx.service.back().second["type"] == "disassociate");
    CHECK(f.fx.closed == std::vector<ConnId>{1});
}

TEST_CASE("the newest connection of a key takes the UUID over; the old one is told why", "[dispatch][takeover]") {
    Fixture f;
    f.open_chat();  // op-a on connection 1, in a chat with c1
    f.fx.clear();
    f.join(2, "op-a");  // the same key in a second terminal
    auto refused = f.fx.to<RefusedCommand>(1);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].code == std::optional<std::string>("replaced"));
    CHECK(refused[0].reason.find("another terminal") != std::string::npos);
    CHECK(f.fx.closed == std::vector<ConnId>{1});
    CHECK(f.d->joined(2));
    CHECK(f.d->pool_size() == 1);
    // The chat follows the operator to the connection that won.
    f.caller_says("c1", "still there?");
    CHECK(texts(f.fx.to<MsgCommand>(2)) == std::vector<std::string>{"still there?"});
    f.send(2, "op-a", MsgCommand{{"yes"}, Direction::Out, "op-a"});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "yes");
}

TEST_CASE("takeovers are bounded: two terminals cannot fight for ever", "[dispatch][takeover]") {
    Fixture f;
    f.join(1, "op-a");
    ConnId next = 2;
    for (int i = 0; i < 3; ++i) {
        f.join(next, "op-a");
        CHECK(f.d->joined(next));
        ++next;
        f.advance(1);
    }
    // The fourth within the minute is refused at `key`, before any challenge.
    f.fx.clear();
    f.d->operator_connected(next, f.now);
    f.send(next, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    auto refused = f.fx.to<RefusedCommand>(next);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].code == std::optional<std::string>("too_many_takeovers"));
    CHECK(refused[0].reason.find("try again in") != std::string::npos);
    CHECK(f.fx.to<ChallengeCommand>(next).empty());
    CHECK(f.d->joined(next - 1));  // the one holding the UUID keeps it
    // A minute after the first takeover, one more is allowed.
    f.advance_answering(58, {{next - 1, "op-a"}});
    ++next;
    f.join(next, "op-a");
    CHECK(f.d->joined(next));
    // A UUID whose connection has already dropped out of the pool is simply taken back,
    // without counting: that is a client coming back, not a fight.
    for (int t = 0; t < 20; ++t) f.advance(1);  // no probe answers: op-a leaves the pool
    CHECK(f.d->pool_size() == 0);
    for (int i = 0; i < 5; ++i) {
        ++next;
        f.join(next, "op-a");
        CHECK(f.d->joined(next));
        for (int t = 0; t < 20; ++t) f.advance(1);
    }
}
