// SPDX-License-Identifier: GPL-3.0-or-later
// The shift in the operator client's session (nlchat-protocol(7), THE SHIFT), against a
// pretend server that follows the manual: its commands are fed in, what the client sends
// is recorded, the clock is fake.
#include <catch2/catch.hpp>

#include "core/client/client_session.h"
#include "tests/core/test_keys.h"

using namespace nlchat;

namespace {

struct Recorder : ClientEffects {
    std::vector<Command> sent;
    int alerts = 0;
    bool link = true;
    bool send(const Command& c) override {
        if (link) sent.push_back(c);
        return link;
    }
    void give_up(const std::string&) override {}
    void changed() override {}
    void alert() override { ++alerts; }
    template <class T> std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& c : sent)
            if (std::holds_alternative<T>(c)) out.push_back(std::get<T>(c));
        return out;
    }
};

struct Fixture {
    Recorder fx;
    Now now{500, 1764190000};
    std::unique_ptr<ClientSession> s;

    explicit Fixture(std::size_t max_chats = 4, std::string welcome = "") {
        ClientSettings settings;
        settings.uuid = "me";
        settings.max_chats = max_chats;
        settings.welcome = std::move(welcome);
        s = std::make_unique<ClientSession>(settings, test::key_2048().public_key(), test::key_4096().public_key(), fx);
    }
    void in(const Command& c) { s->command(c, now); }
    void later(double seconds) {
        now.mono += seconds;
        now.wall += seconds;
        s->tick(now);
    }
    // A join whose status reads chat ids and, with `shift`, offers the shift.
    void join(std::optional<bool> shift = true, std::optional<std::int64_t> chats = 4) {
        s->link_up(now);
        s->server_online(test::key_4096().public_key().to_pem(), now);
        in(ChallengeCommand{"me", "n1"});
        StatusCommand st{{{"Web", "Connected"}}};
        st.chats = chats;
        st.shift = shift;
        in(st);
        REQUIRE(s->link() == LinkState::Joined);
    }
    // Joined, the offer taken and answered.
    void on_shift(const std::string& role = "operator", bool away = false) {
        join();
        ShiftCommand answer{"me", "Alice", role, away};
        in(answer);
        REQUIRE(s->shift_on());
        fx.sent.clear();
    }
    std::uint64_t open_chat(std::int64_t id) {
        in(RingCommand{"", id, std::nullopt, 60});
        REQUIRE(s->accept_ring(id, now));
        in(RingAckAckCommand{"me", id, id});
        for (const auto& c : s->chats())
            if (c.id == id) return c.serial;
        FAIL("no chat " << id);
        return 0;
    }
    const Chat& chat(std::int64_t id) const {
        for (const auto& c : s->chats())
            if (c.id == id) return c;
        throw std::runtime_error("no chat");
    }
    std::size_t msgs() const { return fx.all<MsgCommand>().size(); }
};

std::vector<std::string> notes(const Chat& chat) {
    std::vector<std::string> out;
    for (const auto& l : chat.lines)
        if (l.who == ChatLine::Who::Note) out.push_back(l.text);
    return out;
}

}  // namespace

TEST_CASE("shift: the offer is taken once per join, and only when made", "[client][shift]") {
    Fixture f;
    f.join();
    REQUIRE(f.fx.all<ShiftCommand>().size() == 1);
    CHECK(f.fx.all<ShiftCommand>()[0].uuid == "me");
    CHECK_FALSE(f.fx.all<ShiftCommand>()[0].name);  // the client's hello carries the UUID alone
    // Another status on the same connection (a broadcast, or the same again): not again.
    StatusCommand again{{{"Web", "Connected"}}};
    again.chats = 4;
    again.shift = true;
    f.in(again);
    f.in(StatusCommand{{{"Web", "Down"}}});
    CHECK(f.fx.all<ShiftCommand>().size() == 1);
    CHECK_FALSE(f.s->shift_on());  // no answer yet
    f.in(ShiftCommand{"me", "Alice", "operator", false});
    CHECK(f.s->shift_on());
    CHECK(f.s->shift().name == "Alice");
    // A new connection: the server forgot, so it is taken again.
    f.s->link_down(f.now);
    CHECK(f.s->set_away(true, f.now) == "the link is down: that cannot be done now");
    f.join();
    CHECK(f.fx.all<ShiftCommand>().size() == 2);
    CHECK_FALSE(f.s->shift_on());
}

TEST_CASE("shift: no hello without the offer, or without chat ids", "[client][shift]") {
    SECTION("a 2015 server, or one without the offer") {
        Fixture f;
        f.join(std::nullopt, std::nullopt);
        f.join(std::nullopt);
        f.join(false);
        CHECK(f.fx.all<ShiftCommand>().empty());
        CHECK(f.s->set_away(true, f.now) == "this server does not offer the shift");
    }
    SECTION("a status that offers it but says nothing of chats") {
        Fixture f;
        f.join(true, std::nullopt);
        CHECK(f.fx.all<ShiftCommand>().empty());
    }
    SECTION("nlchat --chats 0: it reads no chat ids") {
        Fixture f(0);
        f.join(true);
        CHECK(f.fx.all<ShiftCommand>().empty());
    }
    SECTION("a shift command nobody asked for changes nothing") {
        Fixture f;
        f.join(std::nullopt);
        f.open_chat(7);
        f.in(WhisperCommand{"me", 7, "psst", "Bob"});
        f.in(SupportRequestCommand{"me", 8, "Bob", 30, "open"});
        f.in(ShiftCommand{"me", "Alice", "supervisor", true});
        CHECK(f.chat(7).lines.empty());
        CHECK(f.s->shift().offers.empty());
        CHECK_FALSE(f.s->shift_on());
        CHECK(f.fx.alerts == 1);  // the ring's
    }
}

TEST_CASE("shift: away is what the server says; a reminder rings", "[client][shift]") {
    Fixture f;
    f.on_shift();
    CHECK(f.s->set_away(true, f.now).empty());
    REQUIRE(f.fx.all<AwayCommand>().size() == 1);
    CHECK(f.fx.all<AwayCommand>()[0].away);
    CHECK_FALSE(f.s->shift().away);  // not before the server says so
    ShiftCommand away{"me", "Alice", "operator", true};
    f.in(away);
    CHECK(f.s->shift().away);
    CHECK(f.s->shift().away_since == f.now.mono);
    f.later(600);
    f.in(ReminderCommand{"me", 600});
    CHECK(f.s->notices().back() == "you have been away for 10 min (F9: back)");
    CHECK(f.fx.alerts == 1);
    // A reconnect: the server still has it away, and says for how long.
    f.s->link_down(f.now);
    f.fx.sent.clear();
    CHECK_FALSE(f.s->set_away(false, f.now).empty());
    CHECK(f.fx.sent.empty());  // not queued
    f.join();
    ShiftCommand still{"me", "Alice", "operator", true, 700};
    f.in(still);
    CHECK(f.s->shift().away);
    CHECK(f.s->shift().away_since == f.now.mono - 700);
    CHECK(f.s->set_away(false, f.now).empty());
    f.in(ShiftCommand{"me", "Alice", "operator", false});
    CHECK_FALSE(f.s->shift().away);
}

TEST_CASE("shift: asking for support, and where it stands in the chat's pane", "[client][shift]") {
    Fixture f;
    f.on_shift();
    const auto serial = f.open_chat(7);
    CHECK(f.s->ask_support(serial, f.now).empty());
    REQUIRE(f.fx.all<SupportCommand>().size() == 1);
    CHECK(f.fx.all<SupportCommand>()[0].chat == 7);
    CHECK(f.s->shift().support.at(7).state == "sending");
    f.in(SupportStateCommand{"me", 7, "asked", std::nullopt, 2});
    CHECK(notes(f.chat(7)).back() == "support: asked (shown to 2)");
    f.in(SupportStateCommand{"me", 7, "asked", std::nullopt, 2});  // repeated: said once
    CHECK(notes(f.chat(7)).size() == 1);
    f.in(SupportStateCommand{"me", 7, "reading", "Bob"});
    CHECK(support_text(f.s->shift().support.at(7)) == "support: Bob reads along");
    // Bob whispers: shown as support, for this operator alone.
    f.in(WhisperCommand{"me", 7, "ask about tonight", "Bob"});
    const ChatLine& w = f.chat(7).lines.back();
    CHECK(w.who == ChatLine::Who::Whisper);
    CHECK(w.name == "Bob");
    CHECK(w.text == "ask about tonight");
    // The operator ends it.
    CHECK(f.s->end_support(serial, f.now).empty());
    REQUIRE(f.fx.all<SupportEndCommand>().size() == 1);
    CHECK(f.fx.all<SupportEndCommand>()[0].chat == 7);
    f.in(SupportStateCommand{"me", 7, "ended", "Alice"});
    CHECK(notes(f.chat(7)).back() == "support ended by Alice");
    CHECK_FALSE(f.s->shift().support.count(7));
    CHECK(f.s->end_support(serial, f.now) == "no support asked in this chat");
    CHECK(f.msgs() == 0);
}

TEST_CASE("shift: a request for support, read along, whispers never as a msg", "[client][shift]") {
    Fixture f;
    f.on_shift("supervisor");
    f.in(SupportRequestCommand{"me", 12, "Bob", 720, "open"});
    REQUIRE(f.s->shift().offers.size() == 1);
    CHECK(f.fx.alerts == 1);
    CHECK(age_text(f.now.mono - f.s->shift().offers[0].born) == "12 min");
    CHECK(f.s->take_offer(0, f.now).empty());
    REQUIRE(f.fx.all<SupportAcceptCommand>().size() == 1);
    CHECK(f.fx.all<SupportAcceptCommand>()[0].chat == 12);
    CHECK_FALSE(f.s->take_offer(0, f.now).empty());  // once
    ReadalongCommand ra{"me", 12, "open", "Bob", "Web", std::nullopt, {}};
    ra.history = {{"caller", "hello"}, {"operator", "hi, I'm listening"}};
    f.in(ra);
    CHECK(f.s->shift().offers.empty());
    CHECK(f.s->chats().empty());  // not one of ours
    REQUIRE(f.s->readalongs().size() == 1);
    const ReadAlong& r = f.s->readalongs()[0];
    CHECK(r.operator_name == "Bob");
    CHECK(r.chat.pane == 1);
    REQUIRE(r.chat.lines.size() == 3);
    CHECK(r.chat.lines[0].who == ChatLine::Who::Caller);
    CHECK(r.chat.lines[0].before);
    CHECK(r.chat.lines[1].who == ChatLine::Who::Operator);
    f.in(ReadCommand{"me", 12, "caller", "it's been hard"});
    f.in(ReadCommand{"me", 12, "operator", "tell me more"});
    CHECK(r.chat.lines.back().who == ChatLine::Who::Operator);
    CHECK_FALSE(r.chat.lines.back().before);
    // A whisper: a WhisperCommand to that chat, never a msg.
    const std::uint64_t serial = r.chat.serial;
    CHECK_FALSE(f.s->send_message(serial, "to the caller?", f.now));
    CHECK(f.s->whisper(serial, "ask about sleep", f.now).empty());
    REQUIRE(f.fx.all<WhisperCommand>().size() == 1);
    CHECK(f.fx.all<WhisperCommand>()[0].chat == 12);
    CHECK(f.fx.all<WhisperCommand>()[0].text == "ask about sleep");
    CHECK(f.s->readalong(serial)->chat.lines.back().whisper);
    CHECK(f.msgs() == 0);
    // With the link down it is refused: nothing shown as sent.
    const auto lines = f.s->readalong(serial)->chat.lines.size();
    f.fx.link = false;
    f.s->link_down(f.now);
    CHECK(f.s->whisper(serial, "again", f.now) ==
          "the link is down: that cannot be done now: the whisper was not sent");
    CHECK(f.s->readalong(serial)->chat.lines.size() == lines);
    f.fx.link = true;
    f.join();
    f.in(ShiftCommand{"me", "Alice", "supervisor", false});
    // The reader leaves.
    f.fx.sent.clear();
    CHECK(f.s->leave_readalong(serial, f.now).empty());
    REQUIRE(f.fx.all<SupportEndCommand>().size() == 1);
    CHECK(f.fx.all<SupportEndCommand>()[0].chat == 12);
    CHECK(f.s->readalong(serial)->chat.ended);
    CHECK_FALSE(f.s->whisper(serial, "late", f.now).empty());
    CHECK(f.fx.all<WhisperCommand>().empty());
    f.in(ReadCommand{"me", 12, "caller", "after"});  // not shown: the read-along is over
    CHECK(f.s->readalong(serial)->chat.lines.back().who == ChatLine::Who::Note);
    CHECK(f.s->leave_readalong(serial, f.now).empty());  // again: closes the pane
    CHECK(f.s->readalongs().empty());
    CHECK(f.msgs() == 0);
}

TEST_CASE("shift: the operator ends the read-along; the reader is told", "[client][shift]") {
    Fixture f;
    f.on_shift("supervisor");
    f.in(SupportRequestCommand{"me", 12, "Bob", 5, "open"});
    f.in(SupportRequestCommand{"me", 13, "Carol", 5, "open"});
    f.in(SupportRequestCommand{"me", 13, "Carol", 5, "closed"});  // someone else took it
    REQUIRE(f.s->shift().offers.size() == 1);
    f.s->take_offer(0, f.now);
    f.in(ReadalongCommand{"me", 12, "open", "Bob", std::nullopt, std::nullopt, {}});
    f.in(ReadalongCommand{"me", 12, "ended", std::nullopt, std::nullopt, "ended_by_operator", {}});
    REQUIRE(f.s->readalongs().size() == 1);
    CHECK(f.s->readalongs()[0].chat.ended);
    CHECK(f.s->readalongs()[0].chat.lines.back().text == "the read-along ended: ended by operator (Ctrl-X closes)");
    // A request no longer open: said, and its entry goes.
    f.in(SupportRequestCommand{"me", 14, "Dan", 5, "open"});
    f.s->take_offer(0, f.now);
    f.in(ReadalongCommand{"me", 14, "ended", std::nullopt, std::nullopt, "taken", {}});
    CHECK(f.s->shift().offers.empty());
    CHECK(f.s->notices().back() == "no read-along: taken");
}

TEST_CASE("shift: handing a chat over, and what becomes of it here", "[client][shift]") {
    Fixture f;
    f.on_shift();
    const auto serial = f.open_chat(7);
    CHECK(f.s->hand_over(serial, std::string("Bob"), "ask about the exam", f.now).empty());
    REQUIRE(f.fx.all<HandoverCommand>().size() == 1);
    auto h = f.fx.all<HandoverCommand>()[0];
    CHECK(h.chat == 7);
    CHECK(h.to == std::optional<std::string>("Bob"));
    CHECK(h.note == std::optional<std::string>("ask about the exam"));
    CHECK_FALSE(f.s->hand_over(serial, std::nullopt, "", f.now).empty());  // one at a time
    f.in(HandoverStateCommand{"me", 7, "offered", std::nullopt, 1});
    CHECK(notes(f.chat(7)).back() == "hand-over to Bob: offered (shown to 1, Ctrl-O cancels)");
    // Until done, the chat is ours.
    CHECK(f.s->send_message(serial, "still here", f.now));
    f.in(HandoverStateCommand{"me", 7, "done", "Bob"});
    const Chat& c = f.chat(7);
    CHECK(c.ended);
    CHECK(c.handed_to == "Bob");
    CHECK(notes(c).back() == "handed over to Bob: the chat is theirs now (F8 closes this pane)");
    CHECK_FALSE(f.s->send_message(serial, "no more", f.now));
    CHECK(c.lines[c.lines.size() - 2].fate == ChatLine::Fate::Sent);  // what went, still says so
    // Closing its pane tells nobody: the chat is Bob's.
    f.fx.sent.clear();
    f.in(MsgCommand{{"late"}, Direction::In, "me", 7});
    CHECK(f.s->end_chat(f.now));
    CHECK(f.fx.all<DisassociateCommand>().empty());
    CHECK(f.s->past_chats().back().handed_to == "Bob");
}

TEST_CASE("shift: a hand-over that fails, expires or is cancelled leaves the chat", "[client][shift]") {
    Fixture f;
    f.on_shift();
    const auto serial = f.open_chat(7);
    f.s->hand_over(serial, std::nullopt, "", f.now);
    auto h = f.fx.all<HandoverCommand>().back();
    CHECK_FALSE(h.to);
    CHECK_FALSE(h.note);
    f.in(HandoverStateCommand{"me", 7, "failed", std::nullopt, std::nullopt, "nobody_available"});
    CHECK(notes(f.chat(7)).back() == "hand-over failed: nobody available; the chat stays with you");
    f.s->hand_over(serial, std::string("Bob"), "", f.now);
    f.in(HandoverStateCommand{"me", 7, "expired"});
    CHECK(notes(f.chat(7)).back() == "hand-over expired: nobody took it; the chat stays with you");
    f.s->hand_over(serial, std::string("Bob"), "", f.now);
    f.in(HandoverStateCommand{"me", 7, "offered", std::nullopt, 1});
    CHECK(f.s->cancel_handover(serial, f.now).empty());
    REQUIRE(f.fx.all<HandoverCancelCommand>().size() == 1);
    f.in(HandoverStateCommand{"me", 7, "cancelled"});
    CHECK(notes(f.chat(7)).back() == "hand-over cancelled; the chat stays with you");
    CHECK_FALSE(f.chat(7).ended);
    CHECK(f.s->send_message(serial, "still mine", f.now));
    CHECK(f.s->hand_over(serial, std::nullopt, std::string(201, 'x'), f.now) ==
          "the note is longer than 200 bytes: nothing was sent");
}

TEST_CASE("shift: a hand-over offered, taken, and the chat with its history", "[client][shift]") {
    Fixture f(4, "Hello, I'm here.");
    f.on_shift();
    HandoverOfferCommand offer{"me", 9, "Bob", "ask about the exam", "Web", 300, 60.0, "open"};
    f.in(offer);
    REQUIRE(f.s->shift().offers.size() == 1);
    CHECK(f.s->shift().offers[0].kind == ShiftOffer::Kind::Handover);
    CHECK(f.fx.alerts == 1);
    CHECK(f.s->take_offer(0, f.now).empty());
    REQUIRE(f.fx.all<HandoverAcceptCommand>().size() == 1);
    CHECK(f.fx.all<HandoverAcceptCommand>()[0].chat == 9);
    HandoverChatCommand hc{"me", 9, "Bob", "ask about the exam", "Web", {}};
    hc.history = {{"caller", "hi"}, {"operator", "hello, I'm Bob"}};
    f.in(hc);
    CHECK(f.s->shift().offers.empty());
    const Chat& c = f.chat(9);
    CHECK(c.handed_from == "Bob");
    CHECK(c.service == "Web");
    REQUIRE(c.lines.size() == 3);
    CHECK(c.lines[0].who == ChatLine::Who::Caller);
    CHECK(c.lines[0].before);
    CHECK(c.lines[1].who == ChatLine::Who::Previous);
    CHECK(c.lines[2].text == "above: the chat before you had it. Handed over to you by Bob: \"ask about the exam\"");
    CHECK(f.msgs() == 0);  // no welcome to a caller in mid-conversation
    // Then the texts Bob had not had, numbered, and Bob's last line.
    MsgCommand pending{{"are you still there?"}, Direction::In, "me", 9, 4};
    f.in(pending);
    f.in(ReadCommand{"me", 9, "previous", "I'm passing you to a colleague"});
    CHECK(c.lines[3].who == ChatLine::Who::Caller);
    CHECK_FALSE(c.lines[3].before);
    CHECK(c.lines[4].who == ChatLine::Who::Previous);
    // It is ours: lines go to it.
    CHECK(f.s->send_message(c.serial, "I'm here", f.now));
    CHECK(f.fx.all<MsgCommand>().back().chat == std::optional<std::int64_t>(9));
}

TEST_CASE("shift: an offer closes, expires, or is hidden", "[client][shift]") {
    Fixture f;
    f.on_shift();
    f.in(HandoverOfferCommand{"me", 9, "Bob", std::nullopt, "Web", 0, 30.0, "open"});
    f.in(HandoverOfferCommand{"me", 10, "Carol", std::nullopt, "Web", 0, 60.0, "open"});
    f.in(SupportRequestCommand{"me", 11, "Dan", 5, "open"});
    REQUIRE(f.s->shift().offers.size() == 3);
    CHECK(*f.s->next_deadline(f.now) <= f.now.mono + 30);
    f.later(15);
    f.in(ProbeCommand{"me"});  // the server is there
    f.later(16);
    REQUIRE(f.s->shift().offers.size() == 2);
    CHECK(f.s->notices().back() == "the hand-over from Bob expired");
    f.in(HandoverOfferCommand{"me", 10, "Carol", std::nullopt, "Web", 0, 60.0, "closed"});
    REQUIRE(f.s->shift().offers.size() == 1);
    f.fx.sent.clear();
    CHECK(f.s->hide_offer(0));
    CHECK(f.s->shift().offers.empty());
    CHECK(f.fx.sent.empty());  // hiding tells the server nothing
}

TEST_CASE("shift: the board, its ages moving on between boards", "[client][shift]") {
    Fixture f;
    f.on_shift("supervisor");
    CHECK(f.s->shift().supervisor());
    BoardCommand b;
    b.uuid = "me";
    b.operators = {{"Alice", "supervisor", "available", 1, 60}, {"Bob", "operator", "away", 0, 300}};
    b.rings = {{12, "Web", 10}};
    b.requests = {{7, "Bob", 30, std::nullopt}};
    b.rung = 5, b.answered = 4, b.missed = 1, b.handovers = 0, b.support = 1;
    f.in(b);
    REQUIRE(f.s->shift().board);
    f.later(15);
    const ShiftModel& m = f.s->shift();
    CHECK(m.board_age(m.board->rings[0].age, f.now.mono) == Approx(25));
    CHECK(m.board_age(m.board->operators[1].for_seconds, f.now.mono) == Approx(315));
    b.rings[0].age = 26;
    f.in(b);
    CHECK(m.board_age(m.board->rings[0].age, f.now.mono) == Approx(26));
}

TEST_CASE("shift: after a reconnect the server's open offers replace those kept", "[client][shift]") {
    Fixture f;
    f.on_shift();
    f.in(SupportRequestCommand{"me", 11, "Dan", 5, "open"});
    f.in(HandoverOfferCommand{"me", 12, "Bob", std::nullopt, "Web", 0, 60.0, "open"});
    REQUIRE(f.s->shift().offers.size() == 2);
    // The link drops; the request is closed meanwhile (the client never hears it).
    f.s->link_down(f.now);
    f.join();
    // Kept until the server's answer to this connection's hello...
    CHECK(f.s->shift().offers.size() == 2);
    f.in(ShiftCommand{"me", std::string("Alice"), std::string("operator"), false});
    // ...which is followed by every offer still open: only the hand-over.
    CHECK(f.s->shift().offers.empty());
    f.in(HandoverOfferCommand{"me", 12, "Bob", std::nullopt, "Web", 3, 50.0, "open"});
    REQUIRE(f.s->shift().offers.size() == 1);
    CHECK(f.s->shift().offers[0].chat == 12);
    // A later shift (away changed) on the same connection leaves the offers alone.
    f.in(ShiftCommand{"me", std::string("Alice"), std::string("operator"), true});
    CHECK(f.s->shift().offers.size() == 1);
}
