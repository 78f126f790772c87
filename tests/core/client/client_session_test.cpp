// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of the operator client's session machine with a fake clock.
#include "core/client/client_session.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "tests/core/test_keys.h"

using namespace nlchat;

namespace {

struct Recorder : ClientEffects {
    std::vector<Command> sent;
    std::uint64_t receipt = 0;  // what last_receipt() says (v2: one per line sent)
    std::vector<std::string> gave_up;
    int changes = 0, alerts = 0;
    bool link = true;  // false: the wiring has no link to write to
    bool send(const Command& c) override {
        if (link) sent.push_back(c);
        return link;
    }
    void give_up(const std::string& why) override { gave_up.push_back(why); }
    void changed() override { ++changes; }
    void alert() override { ++alerts; }
    std::uint64_t last_receipt() const override { return receipt; }

    template <class T> std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& c : sent)
            if (std::holds_alternative<T>(c)) out.push_back(std::get<T>(c));
        return out;
    }
    std::vector<std::string> types() const {
        std::vector<std::string> out;
        for (const auto& c : sent) out.push_back(command_type(c));
        return out;
    }
};

const PublicKey& server_pub() { return test::key_4096().public_key(); }

struct Fixture {
    Recorder fx;
    ClientSettings settings;
    Now now{500, 1764190000};
    std::unique_ptr<ClientSession> s;

    explicit Fixture(bool pinned = true, std::string welcome = "") {
        settings.uuid = "me";
        settings.welcome = std::move(welcome);
        s = std::make_unique<ClientSession>(settings, test::key_2048().public_key(),
                                            pinned ? std::optional<PublicKey>(server_pub()) : std::nullopt, fx);
    }
    void in(const Command& c) { s->command(c, now); }
    void advance(double seconds) {
        now.mono += seconds;
        now.wall += seconds;
        s->tick(now);
    }
    void join() {
        s->link_up(now);
        s->server_online(server_pub().to_pem(), now);
        in(ChallengeCommand{"me", "n1"});
        in(StatusCommand{{{"Web", "Connected"}}});
        REQUIRE(s->link() == LinkState::Joined);
    }
    // The serial of the chat in focus (0 with none), the one the screen would type in.
    std::uint64_t focused() const { return s->chat() ? s->chat()->serial : 0; }
};

}  // namespace

TEST_CASE("joining: key, the challenge answered, then status", "[client]") {
    Fixture f;
    f.s->link_up(f.now);
    f.s->server_online(server_pub().to_pem(), f.now);
    CHECK(f.s->link() == LinkState::Joining);
    f.in(ChallengeCommand{"me", "nonce-7"});
    auto acks = f.fx.all<ChallengeAckCommand>();
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].nonce == "nonce-7");
    f.in(StatusCommand{{{"Web", "Connected"}}});
    CHECK(f.s->link() == LinkState::Joined);
    REQUIRE(f.s->services().size() == 1);
    CHECK(f.s->services()[0].name == "Web");
    auto keys = f.fx.all<KeyCommand>();
    REQUIRE_FALSE(keys.empty());
    CHECK(keys[0].uuid == "me");
    CHECK(keys[0].key == test::key_2048().public_key().to_pem());
}

TEST_CASE("a seed server: no server_online, no challenge", "[client]") {
    Fixture f;
    f.s->link_up(f.now);  // with a pinned key the client speaks first
    CHECK(f.fx.types() == std::vector<std::string>{"key"});
    f.in(StatusCommand{{}});
    CHECK(f.s->link() == LinkState::Joined);
    // server_online without a key is fine when the key is pinned; key is not sent twice.
    f.s->server_online(std::nullopt, f.now);
    CHECK(f.s->link() == LinkState::Joined);
    CHECK(f.fx.all<KeyCommand>().size() == 1);
    // On a new link it is sent again.
    f.s->link_down(f.now);
    f.s->link_up(f.now);
    CHECK(f.fx.all<KeyCommand>().size() == 2);
}

TEST_CASE("trust on first use: the operator decides, then the key is used", "[client][keys]") {
    Fixture f(false);
    f.s->link_up(f.now);
    CHECK(f.fx.sent.empty());
    f.s->server_online(server_pub().to_pem(), f.now);
    CHECK(f.s->link() == LinkState::AwaitingTrust);
    REQUIRE(f.s->offered_server_key());
    CHECK(f.s->offered_server_key()->fingerprint() == server_pub().fingerprint());
    CHECK(f.fx.sent.empty());
    f.s->trust_server_key(true, f.now);
    CHECK(f.fx.types() == std::vector<std::string>{"key"});
    CHECK(*f.s->server_key() == server_pub());

    Fixture g(false);
    g.s->link_up(g.now);
    g.s->server_online(server_pub().to_pem(), g.now);
    g.s->trust_server_key(false, g.now);
    CHECK(g.s->link() == LinkState::Refused);
    CHECK(g.fx.gave_up.size() == 1);
}

TEST_CASE("a changed server key is refused loudly", "[client][keys]") {
    Fixture f;
    f.s->link_up(f.now);
    f.s->server_online(test::other_key_2048().public_key().to_pem(), f.now);
    CHECK(f.s->link() == LinkState::ServerKeyChanged);
    REQUIRE(f.fx.gave_up.size() == 1);
    CHECK(f.fx.gave_up[0].find("changed") != std::string::npos);
    CHECK(f.fx.gave_up[0].find(server_pub().fingerprint()) != std::string::npos);
    // A later lost link does not hide the warning.
    f.s->link_down(f.now);
    CHECK(f.s->link() == LinkState::ServerKeyChanged);
}

TEST_CASE("no key from the server and none pinned: a clear refusal", "[client][keys]") {
    Fixture f(false);
    f.s->link_up(f.now);
    f.s->server_online(std::nullopt, f.now);
    CHECK(f.s->link() == LinkState::Refused);
    CHECK(f.s->refusal().find("--server-key") != std::string::npos);
}

TEST_CASE("refused by the server: the reason is kept and the client gives up", "[client]") {
    Fixture f;
    f.s->link_up(f.now);
    f.in(RefusedCommand{"me", "this key is not authorized"});
    CHECK(f.s->link() == LinkState::Refused);
    CHECK(f.s->refusal() == "this key is not authorized");
    CHECK(f.fx.gave_up == std::vector<std::string>{"this key is not authorized"});
}

TEST_CASE("replaced by another terminal: quiet, with the chat marked, until taken back", "[client][takeover]") {
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7});
    REQUIRE(f.s->chat());
    f.in(RefusedCommand{"me", "this key is now connected from another terminal", "replaced"});
    CHECK(f.s->link() == LinkState::Replaced);
    CHECK(f.fx.gave_up.size() == 1);
    CHECK(f.s->chat()->lines.back().text == "this chat continues in the other terminal");
    // A lost link changes nothing: no redial is wanted.
    f.s->link_down(f.now);
    CHECK(f.s->link() == LinkState::Replaced);
    CHECK(f.s->take_back(f.now));
    CHECK(f.s->link() == LinkState::Down);
    CHECK_FALSE(f.s->take_back(f.now));  // only from Replaced
    // Too many takeovers is the same state: the operator decides when to try again.
    f.s->link_up(f.now);
    f.in(RefusedCommand{"me", "try again in 40 s", "too_many_takeovers"});
    CHECK(f.s->link() == LinkState::Replaced);
    // A plain refusal is final.
    Fixture g;
    g.s->link_up(g.now);
    g.in(RefusedCommand{"me", "not authorized"});
    CHECK_FALSE(g.s->take_back(g.now));
}

TEST_CASE("a tick at the very deadline the session named acts on it", "[client]") {
    // Found by the simulation: with the last word heard at a time like this one, 20 s of
    // silence fell due at its sum with 20, which rounds so that the difference rounds below
    // 20 again: the tick found nothing due, and the wiring's timer fired at once, for ever.
    Fixture f;
    f.now.mono = std::nextafter(116.0, 200.0);
    f.join();
    const auto due = f.s->next_deadline(f.now);
    REQUIRE(due);
    f.now.mono = *due;
    f.s->tick(f.now);
    CHECK(f.s->link() == LinkState::Silent);
    CHECK(*f.s->next_deadline(f.now) > f.now.mono);
}

TEST_CASE("replaced: through hours of quiet the session sends nothing and wants no redial", "[client][takeover]") {
    // The replaced nlchat must not dial back (that would take the link from the other
    // terminal and start a fight): the session gives up once, keeps no deadline of its
    // own, and a lost link, however often the wiring reports one, changes nothing.
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7});
    f.fx.sent.clear();
    f.in(RefusedCommand{"me", "this key is now connected from another terminal", "replaced"});
    REQUIRE(f.s->link() == LinkState::Replaced);
    REQUIRE(f.fx.gave_up.size() == 1);
    for (int minute = 0; minute < 6 * 60; ++minute) {
        CHECK_FALSE(f.s->next_deadline(f.now));
        f.s->link_down(f.now);
        f.advance(60);
    }
    CHECK(f.fx.sent.empty());
    CHECK(f.fx.gave_up.size() == 1);
    CHECK(f.s->link() == LinkState::Replaced);
    CHECK(f.s->refusal() == "this key is now connected from another terminal");
}

TEST_CASE("probes are answered at once", "[client]") {
    Fixture f;
    f.join();
    f.fx.sent.clear();
    f.in(ProbeCommand{"me"});
    CHECK(f.fx.types() == std::vector<std::string>{"probeACK"});
    f.in(ProbeCommand{"someone-else"});
    CHECK(f.fx.sent.size() == 1);
}

TEST_CASE("silence: after 20 s the client says so and sends key every 10 s", "[client]") {
    Fixture f;
    f.join();
    f.fx.sent.clear();
    CHECK(*f.s->next_deadline(f.now) == Approx(f.now.mono + 20));
    f.advance(19);
    CHECK(f.s->link() == LinkState::Joined);
    f.advance(1);
    CHECK(f.s->link() == LinkState::Silent);
    CHECK(f.fx.types() == std::vector<std::string>{"key"});
    f.advance(9);
    CHECK(f.fx.sent.size() == 1);
    f.advance(1);
    CHECK(f.fx.sent.size() == 2);
    // A word that is not status does not end it; status does.
    f.in(ProbeCommand{"me"});
    CHECK(f.s->link() == LinkState::Silent);
    f.in(StatusCommand{{}});
    CHECK(f.s->link() == LinkState::Joined);
    f.advance(15);
    CHECK(f.fx.all<KeyCommand>().size() == 2);
}

TEST_CASE("our own sends do not count as the server's word", "[client]") {
    Fixture g;
    g.join();
    for (int i = 0; i < 5; ++i) {
        g.advance(4.5);
        g.s->quit();
    }
    CHECK(g.s->link() == LinkState::Silent);
}

TEST_CASE("rings: queue oldest first, countdown from expires_in, then time", "[client][ring]") {
    Fixture f;
    f.join();
    f.in(RingCommand{"", 12, f.now.wall + 999, 30});
    f.in(RingCommand{"", 13, f.now.wall + 40, std::nullopt});
    f.in(RingCommand{"", 14, std::nullopt, std::nullopt});
    REQUIRE(f.s->rings().size() == 3);
    CHECK(f.s->rings()[0].id == 12);
    CHECK(f.s->rings()[0].expires_at == Approx(f.now.mono + 30));  // expires_in wins over time
    CHECK(f.s->rings()[1].expires_at == Approx(f.now.mono + 40));
    CHECK(f.s->rings()[2].expires_at == Approx(f.now.mono + 60));
    CHECK(f.fx.alerts == 3);
    f.in(RingCommand{"", 12, std::nullopt, 20});  // the same ring again: updated, no new alert
    CHECK(f.s->rings().size() == 3);
    CHECK(f.fx.alerts == 3);
    f.advance(20);
    CHECK(f.s->rings().size() == 2);
    CHECK(f.s->notices().back() == "ring 12 expired");
}

TEST_CASE("accepting: the oldest by default; the race's result is shown", "[client][ring]") {
    Fixture f(true, "Hello, you're through to Nightline.");
    f.join();
    f.in(RingCommand{"", 12, std::nullopt, 60});
    f.in(RingCommand{"", 13, std::nullopt, 60});
    f.fx.sent.clear();
    CHECK(f.s->accept_ring(std::nullopt, f.now));
    auto acks = f.fx.all<RingAckCommand>();
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].id == 12);
    CHECK_FALSE(f.s->accept_ring(12, f.now));  // already asked
    f.in(RingAckAckCommand{"other-op", 12});
    CHECK(f.s->notices().back() == "ring 12 taken by another operator");
    CHECK(f.s->rings().size() == 1);
    CHECK(f.s->accept_ring(13, f.now));
    f.in(RingAckAckCommand{"me", 13});
    CHECK(f.s->notices().back() == "you have ring 13");
    REQUIRE(f.s->chat());
    CHECK(*f.s->chat()->ring_id == 13);
    // The welcome message went out and is shown.
    CHECK(f.fx.all<MsgCommand>().back().msg == std::vector<std::string>{"Hello, you're through to Nightline."});
    CHECK(f.s->chat()->lines.back().who == ChatLine::Who::Me);
    // In a chat, rings still arrive, but accepting one is refused with a word.
    f.in(RingCommand{"", 14, std::nullopt, 60});
    CHECK(f.s->rings().size() == 1);
    CHECK_FALSE(f.s->accept_ring(std::nullopt, f.now));
    CHECK(f.s->notices().back().find("end the current chat") != std::string::npos);
    // A ring nobody took ends for everyone.
    f.in(RingAckAckCommand{"", 14});
    CHECK(f.s->rings().empty());
    CHECK(f.s->notices().back().find("ring 14 ended") != std::string::npos);
    CHECK(f.s->ignore_ring(std::nullopt) == false);
}

TEST_CASE("chat: messages both ways, caller states, typing and pauses", "[client][chat]") {
    Fixture f;
    f.join();
    f.in(RingCommand{"", 1, std::nullopt, 60});
    f.s->accept_ring(std::nullopt, f.now);
    f.in(RingAckAckCommand{"me", 1});
    f.in(MsgCommand{{"hello", "is anyone there?"}, Direction::In, "me"});
    const Chat& chat = *f.s->chat();
    REQUIRE(chat.lines.size() == 2);
    CHECK(chat.lines[0].who == ChatLine::Who::Caller);
    CHECK(chat.lines[1].text == "is anyone there?");
    f.in(ChatStateCommand{"me", Direction::In, "typing"});
    CHECK(f.s->chat()->caller_state == "typing");
    f.fx.sent.clear();
    f.s->typing(f.focused(), f.now);
    f.advance(1);
    f.s->typing(f.focused(), f.now);  // still typing: no second composing
    CHECK(f.fx.types() == std::vector<std::string>{"chat_state"});
    CHECK(f.fx.all<ChatStateCommand>()[0].state == "composing");
    f.advance(5);
    CHECK(f.fx.all<ChatStateCommand>().back().state == "paused");
    CHECK(f.s->send_message(f.focused(), "I'm here.", f.now));
    CHECK(f.fx.all<MsgCommand>().back().io == Direction::Out);
    CHECK(f.s->chat()->lines.back().who == ChatLine::Who::Me);
    CHECK_FALSE(f.s->send_message(f.focused(), "", f.now));
}

TEST_CASE("the caller leaving ends the chat; ending files it read-only", "[client][chat]") {
    Fixture f;
    f.join();
    f.in(RingCommand{"", 1, std::nullopt, 60});
    f.s->accept_ring(std::nullopt, f.now);
    f.in(RingAckAckCommand{"me", 1});
    f.in(ChatStateCommand{"me", Direction::In, "gone"});
    CHECK(f.s->chat()->ended);
    CHECK(f.s->chat()->lines.back().text == "the caller left the chat");
    CHECK_FALSE(f.s->send_message(f.focused(), "hello?", f.now));
    f.fx.sent.clear();
    CHECK(f.s->end_chat(f.now));
    CHECK(f.fx.types() == std::vector<std::string>{"disassociate"});
    CHECK_FALSE(f.s->chat());
    REQUIRE(f.s->past_chats().size() == 1);
    CHECK(f.s->past_chats()[0].ended);
    CHECK_FALSE(f.s->end_chat(f.now));
}

TEST_CASE("a message with no chat open opens one instead of being lost", "[client][chat]") {
    Fixture f;
    f.join();
    f.in(MsgCommand{{"are you still there?"}, Direction::In, "me"});
    REQUIRE(f.s->chat());
    CHECK_FALSE(f.s->chat()->ring_id);
    CHECK(f.s->chat()->lines.back().text == "are you still there?");
}

TEST_CASE("foreign commands change nothing", "[client]") {
    Fixture f;
    f.join();
    int changes = f.fx.changes;
    f.in(MsgCommand{{"not for me"}, Direction::In, "other"});
    f.in(ChatStateCommand{"me", Direction::In, "typing"});  // no chat: ignored
    CHECK(f.s->rings().empty());
    CHECK_FALSE(f.s->chat());
    CHECK(f.fx.changes == changes);
    CHECK(f.fx.sent.size() == 2);  // join(): key at link-up, the challenge answer
}

TEST_CASE("quit sends disconnect", "[client]") {
    Fixture f;
    f.join();
    f.s->quit();
    CHECK(f.fx.types().back() == "disconnect");
}

TEST_CASE("a reply typed while the link is down waits, shown as waiting, and goes out in order", "[client][outbox]") {
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7});
    f.fx.sent.clear();
    f.s->link_down(f.now);  // the link is gone
    CHECK(f.s->send_message(f.focused(), "are you still there?", f.now));
    CHECK(f.s->send_message(f.focused(), "I'm here", f.now));
    CHECK(f.fx.all<MsgCommand>().empty());  // nothing claimed as sent
    CHECK(f.s->chat()->lines[0].fate == ChatLine::Fate::Waiting);
    CHECK(f.s->chat()->lines[1].fate == ChatLine::Fate::Waiting);
    // The link is back: both go, in order, and only then count as sent.
    f.s->link_up(f.now);
    f.in(ChallengeCommand{"me", "n2"});
    f.in(StatusCommand{{{"Web", "Connected"}}});
    auto msgs = f.fx.all<MsgCommand>();
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].msg == std::vector<std::string>{"are you still there?"});
    CHECK(msgs[1].msg == std::vector<std::string>{"I'm here"});
    CHECK(f.s->chat()->lines[0].fate == ChatLine::Fate::Sent);
    CHECK(f.s->chat()->lines[1].fate == ChatLine::Fate::Sent);
}

TEST_CASE("the session believes the link is up but the wiring has none: the line waits", "[client][outbox]") {
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7});
    f.fx.link = false;  // the connection closed; the session has not heard yet
    f.s->send_message(f.focused(), "first", f.now);
    f.fx.link = true;
    f.s->send_message(f.focused(), "second", f.now);  // waits behind the first, keeping the order
    CHECK(f.fx.all<MsgCommand>().empty());
    f.in(StatusCommand{{{"Web", "Connected"}}});
    auto msgs = f.fx.all<MsgCommand>();
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].msg[0] == "first");
}

TEST_CASE("waiting lines that can no longer be delivered say so, with the reason", "[client][outbox]") {
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7});
    f.s->link_down(f.now);
    f.s->send_message(f.focused(), "one", f.now);
    f.in(ChatStateCommand{"me", Direction::In, "gone"});
    const ChatLine& line = f.s->chat()->lines[0];
    CHECK(line.fate == ChatLine::Fate::NotDelivered);
    CHECK(line.why == "the caller had left");
    // Closed by the operator while waiting.
    Fixture g;
    g.join();
    g.in(RingAckAckCommand{"me", 8});
    g.s->link_down(g.now);
    g.s->send_message(g.focused(), "two", g.now);
    g.s->end_chat(g.now);
    CHECK(g.s->past_chats().back().lines[0].fate == ChatLine::Fate::NotDelivered);
    CHECK(g.s->past_chats().back().lines[0].why.find("closed") != std::string::npos);
}

TEST_CASE("an own line is sent, then delivered when the server acknowledges its receipt (v2)", "[client][v2]") {
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7});
    f.fx.receipt = 41;
    REQUIRE(f.s->send_message(f.focused(), "first", f.now));
    f.fx.receipt = 42;
    REQUIRE(f.s->send_message(f.focused(), "second", f.now));
    const auto& lines = f.s->chat()->lines;
    CHECK(lines[lines.size() - 2].fate == ChatLine::Fate::Sent);
    f.s->delivered(42);
    CHECK(lines.back().fate == ChatLine::Fate::Delivered);
    CHECK(lines[lines.size() - 2].fate == ChatLine::Fate::Sent);  // each by its own receipt
    f.s->delivered(41);
    CHECK(lines[lines.size() - 2].fate == ChatLine::Fate::Delivered);
    // The chat ends before the acknowledgement of its last words: the filed chat is marked.
    f.fx.receipt = 43;
    REQUIRE(f.s->send_message(f.focused(), "goodbye", f.now));
    REQUIRE(f.s->end_chat(f.now));
    f.s->delivered(43);
    CHECK(f.s->past_chats().back().lines.back().fate == ChatLine::Fate::Delivered);
    // A v1 link gives no receipts: nothing becomes delivered.
    f.in(RingAckAckCommand{"me", 8});
    f.fx.receipt = 0;
    REQUIRE(f.s->send_message(f.focused(), "on v1", f.now));
    f.s->delivered(0);
    CHECK(f.s->chat()->lines.back().fate == ChatLine::Fate::Sent);
}

TEST_CASE("a line the server did not deliver is marked so, by its number, even after its receipt", "[client][outbox]") {
    Fixture f;
    f.join();
    // A server that never said "chats" (2015) gets msg exactly as before: no number.
    f.in(RingAckAckCommand{"me", 7});
    REQUIRE(f.s->send_message(f.focused(), "to a 2015 server", f.now));
    REQUIRE_FALSE(f.fx.all<MsgCommand>().empty());
    CHECK_FALSE(f.fx.all<MsgCommand>().back().line);
    CHECK_FALSE(to_json(f.fx.all<MsgCommand>().back()).isMember("line"));
    REQUIRE(f.s->end_chat(f.now));

    // This one reads extensions: each line carries its own number.
    StatusCommand status{{{"Web", "Connected"}}};
    status.chats = 2;
    f.in(status);
    f.in(RingAckAckCommand{"me", 8, 8});
    f.fx.receipt = 50;
    REQUIRE(f.s->send_message(f.focused(), "kept", f.now));
    f.fx.receipt = 51;
    REQUIRE(f.s->send_message(f.focused(), "far too long", f.now));
    auto msgs = f.fx.all<MsgCommand>();
    REQUIRE(msgs.size() == 3);
    REQUIRE(msgs[1].line);
    REQUIRE(msgs[2].line);
    CHECK(*msgs[1].line != *msgs[2].line);
    CHECK(msgs[2].chat == std::optional<std::int64_t>(8));
    // The frame that acknowledges it also says it went no further: the line ends up
    // marked as not delivered, with the server's reason, and the line before stays.
    f.s->delivered(51);
    f.s->delivered(50);
    f.in(UndeliveredCommand{"me", *msgs[2].line, "longer than 8192 bytes, the server's limit", 8});
    const auto& lines = f.s->chat()->lines;
    CHECK(lines.back().fate == ChatLine::Fate::NotDelivered);
    CHECK(lines.back().why == "the server did not deliver it: longer than 8192 bytes, the server's limit");
    CHECK(lines[lines.size() - 2].fate == ChatLine::Fate::Delivered);
    // A number for no line of ours changes nothing.
    int changes = f.fx.changes;
    f.in(UndeliveredCommand{"me", 999, "whatever", 8});
    CHECK(f.fx.changes == changes);
}

TEST_CASE("a caller line the server sends again after its restart is shown once", "[client][chat]") {
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7, 7});
    f.in(MsgCommand{{"hello"}, Direction::In, "me", 7, 1});
    f.in(MsgCommand{{"are you there?"}, Direction::In, "me", 7, 2});
    // The server restarted before it had it on disk that they arrived: both again, then on.
    f.in(RingAckAckCommand{"me", 7, 7});  // the same chat again: it goes on where it is
    f.in(MsgCommand{{"hello"}, Direction::In, "me", 7, 1});
    f.in(MsgCommand{{"are you there?"}, Direction::In, "me", 7, 2});
    f.in(MsgCommand{{"hello?"}, Direction::In, "me", 7, 3});
    REQUIRE(f.s->chats().size() == 1);
    std::vector<std::string> shown;
    for (const auto& l : f.s->chat()->lines)
        if (l.who == ChatLine::Who::Caller) shown.push_back(l.text);
    CHECK(shown == std::vector<std::string>{"hello", "are you there?", "hello?"});
}

TEST_CASE("a chat ended while the link is down: the server is told when it is back, first", "[client][chat]") {
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7, 7});
    f.in(MsgCommand{{"hello"}, Direction::In, "me", 7, 1});
    f.fx.link = false;
    f.s->link_down(f.now);
    REQUIRE(f.s->end_chat(f.now));  // it could not be said: it waits
    f.fx.link = true;
    f.fx.sent.clear();
    f.s->link_up(f.now);
    f.in(ChallengeCommand{"me", "n2"});
    f.in(StatusCommand{{{"Web", "Connected"}}, 2});
    REQUIRE_FALSE(f.fx.all<DisassociateCommand>().empty());
    CHECK(f.fx.all<DisassociateCommand>()[0].chat == 7);
    // What the server sent for that chat before it heard joins the ended chat's history:
    // no new chat is opened for a caller the operator has let go.
    f.in(MsgCommand{{"thank you, bye"}, Direction::In, "me", 7, 2});
    CHECK(f.s->chats().empty());
    REQUIRE(f.s->past_chats().size() == 1);
    CHECK(f.s->past_chats()[0].lines.back().text == "thank you, bye");
}

TEST_CASE("a 2015 server's line after the only chat ended opens a new chat", "[client][chat]") {
    // Found by the simulation: a ring whose ringACKACK a crash of the server swallowed had
    // its first text shown in the chat before it, another caller's.
    Fixture f;
    f.join();
    f.in(RingAckAckCommand{"me", 7});
    f.in(MsgCommand{{"first caller"}, Direction::In, "me"});
    f.in(ChatStateCommand{"me", Direction::In, "gone"});
    REQUIRE(f.s->chat());
    REQUIRE(f.s->chat()->ended);
    f.in(MsgCommand{{"second caller"}, Direction::In, "me"});
    REQUIRE(f.s->chats().size() == 1);
    CHECK(f.s->chat()->lines.size() == 1);
    CHECK(f.s->chat()->lines[0].text == "second caller");
    CHECK(f.s->past_chats().back().lines.back().text == "the caller left the chat");
}

TEST_CASE("on the v2 session the operator's lines are numbered, whatever the status says", "[client][v2]") {
    Fixture f;
    f.join();  // a status without "chats"
    f.s->link_is_v2();
    f.in(RingAckAckCommand{"me", 7});
    REQUIRE(f.s->send_message(f.focused(), "numbered", f.now));
    REQUIRE(f.fx.all<MsgCommand>().back().line);
}

TEST_CASE("busy opening packets: a sign of life, only while joined", "[client]") {
    Fixture f;
    f.s->busy(f.now);
    CHECK(f.fx.all<ProbeAckCommand>().empty());  // no link yet
    f.join();
    f.s->busy(f.now);
    CHECK(f.fx.all<ProbeAckCommand>().size() == 1);
}
