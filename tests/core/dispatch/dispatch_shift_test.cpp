// SPDX-License-Identifier: GPL-3.0-or-later
// The shift in the dispatch (nlchat-protocol(7), THE SHIFT): away, support requests, the
// read-along and its whispers, hand-overs, the board and the figures.
#include <algorithm>

#include "tests/core/dispatch/dispatch_fixture.h"

using namespace nlchat;
using namespace nlchat::test;

namespace {

// Records the figures the dispatch writes, beside everything else.
struct FigureRecorder : Recorder {
    struct Figure {
        std::string kind, service, outcome;
        double waited = 0;
        std::int64_t handovers = 0, support = 0;
    };
    std::vector<Figure> figures;
    void ring_figure(const std::string& svc, double, double waited, const std::string& outcome) override {
        figures.push_back({"ring", svc, outcome, waited, 0, 0});
    }
    void chat_figure(const std::string& svc, double, double lasted, const std::string& ended_by, std::int64_t handovers,
                     std::int64_t support) override {
        figures.push_back({"chat", svc, ended_by, lasted, handovers, support});
    }
};

// Three operators on a shift: Alice (1, "op-a"), Bob (2, "op-b"), and Sam the supervisor
// (3, "op-s"), each with a client that reads chat ids and takes the shift.
struct Shift {
    FigureRecorder fx;
    DispatchConfig config;
    Now now{1000, 1764190000};
    int nonces = 0;
    std::unique_ptr<Dispatch> d;

    explicit Shift(DispatchConfig c = {}) : config(std::move(c)) {
        config.max_chats_per_operator = 4;
        config.away_reminder = 300;
        make();
    }
    void make() {
        d = std::make_unique<Dispatch>(
            config, test::key_4096().public_key(), fx, [this] { return "nonce-" + std::to_string(++nonces); }, "salt",
            1);
        const std::string a = key_2048().public_key().fingerprint(), b = other_key_2048().public_key().fingerprint(),
                          s = key_4096().public_key().fingerprint();
        d->set_authorized_keys({a, b, s});
        d->set_profiles({{a, {"Alice", false}}, {b, {"Bob", false}}, {s, {"Sam", true}}});
    }
    void send(ConnId conn, const std::string& uuid, const Command& cmd) {
        d->operator_packet(conn, uuid, to_json(cmd), now);
    }
    void join(ConnId conn, const std::string& uuid, const PrivateKey& key, bool shift = true,
              std::optional<std::int64_t> chats = 4) {
        d->operator_connected(conn, now);
        send(conn, uuid, KeyCommand{uuid, key.public_key().to_pem()});
        auto challenges = fx.to<ChallengeCommand>(conn);
        REQUIRE_FALSE(challenges.empty());
        send(conn, uuid, ChallengeAckCommand{uuid, challenges.back().nonce, chats});
        if (shift) send(conn, uuid, ShiftCommand{uuid});
    }
    void alice(bool shift = true) { join(1, "op-a", key_2048(), shift); }
    void bob(bool shift = true) { join(2, "op-b", other_key_2048(), shift); }
    void sam(bool shift = true) { join(3, "op-s", key_4096(), shift); }
    void service_online() {
        d->service_connected(kWeb, now);
        Json::Value line(Json::objectValue);
        line["type"] = "service_online";
        line["service"] = "Web";
        d->service_line(kWeb, line, now);
    }
    void caller_says(const std::string& address, const std::string& text) {
        Json::Value line(Json::objectValue);
        line["type"] = "msg";
        line["address"] = address;
        line["msg"] = Json::Value(Json::arrayValue);
        line["msg"].append(text);
        line["I/O"] = "in";
        d->service_line(kWeb, line, now);
    }
    void operator_says(ConnId conn, const std::string& uuid, std::int64_t chat, const std::string& text) {
        send(conn, uuid, MsgCommand{{text}, Direction::Out, uuid, chat});
    }
    void advance(double seconds) {
        now.mono += seconds;
        now.wall += seconds;
        d->tick(now);
    }
    // Alice in chat 1 with caller c1.
    void alice_in_chat() {
        service_online();
        alice();
        caller_says("c1", "hello");
        send(1, "op-a", RingAckCommand{"op-a", 1});
        REQUIRE(fx.to<RingAckAckCommand>(1).back().chat == 1);
    }
    // Every whisper-like command sent to `conn` for chat `chat`.
    std::vector<std::string> whispers_to(ConnId conn) const {
        std::vector<std::string> out;
        for (const auto& w : fx.to<WhisperCommand>(conn)) out.push_back(w.text);
        return out;
    }
};

}  // namespace

TEST_CASE("the shift is offered to a client that reads chat ids, and only taken by shift", "[dispatch][shift]") {
    Shift s;
    s.alice();
    auto status = s.fx.to<StatusCommand>(1);
    REQUIRE_FALSE(status.empty());
    CHECK(status.front().shift == true);
    auto hello = s.fx.to<ShiftCommand>(1);
    REQUIRE(hello.size() == 1);
    CHECK(hello[0].name == std::string("Alice"));
    CHECK(hello[0].role == std::string("operator"));
    CHECK(hello[0].away == false);
    s.sam();
    REQUIRE(s.fx.to<ShiftCommand>(3).size() == 1);
    CHECK(s.fx.to<ShiftCommand>(3)[0].role == std::string("supervisor"));
    CHECK(s.fx.to<BoardCommand>(3).size() == 1);  // a supervisor gets the board at once

    SECTION("a 2015 client gets no offer, and its shift is ignored") {
        s.d->operator_connected(4, s.now);
        s.send(4, "old", KeyCommand{"old", key_2048().public_key().to_pem()});
        // The same key as Alice's would take her UUID over: use a fresh UUID on Bob's key.
        s.d->operator_connected(5, s.now);
        s.send(5, "old2", KeyCommand{"old2", other_key_2048().public_key().to_pem()});
        s.send(5, "old2", ChallengeAckCommand{"old2", s.fx.to<ChallengeCommand>(5).back().nonce, std::nullopt});
        CHECK_FALSE(s.fx.to<StatusCommand>(5).back().shift);
        s.send(5, "old2", ShiftCommand{"old2"});
        s.send(5, "old2", AwayCommand{"old2", true});
        CHECK(s.fx.to<ShiftCommand>(5).empty());
    }
    SECTION("shift commands before taking the offer do nothing") {
        s.bob(false);
        s.send(2, "op-b", AwayCommand{"op-b", true});
        CHECK(s.fx.to<ShiftCommand>(2).empty());
        s.service_online();
        s.caller_says("c1", "hi");
        CHECK(s.fx.to<RingCommand>(2).size() == 1);  // not away: rung as before
    }
}

TEST_CASE("an operator who is away is not rung; all away gives the no-listeners reply", "[dispatch][shift]") {
    Shift s;
    s.service_online();
    s.alice();
    s.bob();
    s.send(1, "op-a", AwayCommand{"op-a", true});
    CHECK(s.fx.to<ShiftCommand>(1).back().away == true);
    s.caller_says("c1", "hi");
    CHECK(s.fx.to<RingCommand>(1).empty());
    REQUIRE(s.fx.to<RingCommand>(2).size() == 1);
    // Its ringACK is not taken.
    s.send(1, "op-a", RingAckCommand{"op-a", 1});
    CHECK(s.d->open_rings() == 1);
    // Back: the open ring comes to it.
    s.send(1, "op-a", AwayCommand{"op-a", false});
    CHECK(s.fx.to<RingCommand>(1).size() == 1);
    s.send(1, "op-a", RingAckCommand{"op-a", 1});
    CHECK(s.d->open_rings() == 0);

    SECTION("every one away: not rung, told there is nobody") {
        s.send(1, "op-a", AwayCommand{"op-a", true});
        s.send(2, "op-b", AwayCommand{"op-b", true});
        s.fx.clear();
        s.caller_says("c2", "anyone?");
        CHECK(s.d->open_rings() == 0);
        CHECK(s.fx.texts_for(kWeb, "c2") == std::vector<std::string>{s.config.text_no_operators});
        REQUIRE_FALSE(s.fx.figures.empty());
        CHECK(s.fx.figures.back().outcome == "no_listeners");
    }
    SECTION("reminders come while it lasts") {
        s.send(2, "op-b", AwayCommand{"op-b", true});
        s.advance(200);
        s.send(2, "op-b", ProbeAckCommand{"op-b"});
        CHECK(s.fx.to<ReminderCommand>(2).empty());
        s.advance(101);
        s.send(2, "op-b", ProbeAckCommand{"op-b"});
        REQUIRE(s.fx.to<ReminderCommand>(2).size() == 1);
        CHECK(s.fx.to<ReminderCommand>(2)[0].away_for >= 300);
        CHECK(s.d->next_deadline());
    }
    SECTION("away survives a restart of the server, kept by key") {
        s.send(2, "op-b", AwayCommand{"op-b", true});
        auto records = s.d->snapshot();
        s.make();
        s.d->restore(records, s.now);
        s.fx.clear();
        s.service_online();
        s.join(7, "op-b-again", other_key_2048());
        REQUIRE(s.fx.to<ShiftCommand>(7).size() == 1);
        CHECK(s.fx.to<ShiftCommand>(7)[0].away == true);
        s.alice();
        s.caller_says("c9", "hi");
        CHECK(s.fx.to<RingCommand>(7).empty());
        CHECK(s.fx.to<RingCommand>(1).size() == 1);
    }
}

TEST_CASE("a request for support goes to the supervisor, who reads along and whispers", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.sam();
    s.operator_says(1, "op-a", 1, "how are you?");
    s.caller_says("c1", "not good");
    s.advance(1);
    s.send(1, "op-a", SupportCommand{"op-a", 1});
    auto state = s.fx.to<SupportStateCommand>(1);
    REQUIRE(state.size() == 1);
    CHECK(state[0].state == "asked");
    CHECK(state[0].seen_by == 1);
    // The supervisor sees it; Bob, with a supervisor on the shift, does not.
    REQUIRE(s.fx.to<SupportRequestCommand>(3).size() == 1);
    CHECK(s.fx.to<SupportRequestCommand>(3)[0].from == "Alice");
    CHECK(s.fx.to<SupportRequestCommand>(2).empty());
    // Bob may not answer it.
    s.send(2, "op-b", SupportAcceptCommand{"op-b", 1});
    REQUIRE(s.fx.to<ReadalongCommand>(2).size() == 1);
    CHECK(s.fx.to<ReadalongCommand>(2)[0].state == "ended");

    s.send(3, "op-s", SupportAcceptCommand{"op-s", 1});
    auto open = s.fx.to<ReadalongCommand>(3);
    REQUIRE(open.size() == 1);
    CHECK(open[0].state == "open");
    CHECK(open[0].operator_name == std::string("Alice"));
    REQUIRE(open[0].history.size() == 3);
    CHECK(open[0].history[0].text == "hello");
    CHECK(open[0].history[1].from == "operator");
    CHECK(open[0].history[2].text == "not good");
    CHECK(s.fx.to<SupportStateCommand>(1).back().state == "reading");
    CHECK(s.fx.to<SupportStateCommand>(1).back().by == std::string("Sam"));

    // Live lines both ways reach the reader.
    s.caller_says("c1", "i cannot sleep");
    s.operator_says(1, "op-a", 1, "that sounds hard");
    auto reads = s.fx.to<ReadCommand>(3);
    REQUIRE(reads.size() == 2);
    CHECK(reads[0].from == "caller");
    CHECK(reads[1].text == "that sounds hard");

    // A whisper reaches Alice, marked, and never the service bus.
    const std::size_t bus_before = s.fx.service.size();
    s.send(3, "op-s", WhisperCommand{"op-s", 1, "ask about tonight"});
    REQUIRE(s.whispers_to(1) == std::vector<std::string>{"ask about tonight"});
    CHECK(s.fx.to<WhisperCommand>(1)[0].from == std::string("Sam"));
    CHECK(s.fx.service.size() == bus_before);
    for (const auto& [conn, line] : s.fx.service) CHECK(line.toStyledString().find("ask about") == std::string::npos);
    // Bob, not reading, cannot whisper.
    s.send(2, "op-b", WhisperCommand{"op-b", 1, "psst"});
    CHECK(s.whispers_to(1).size() == 1);

    SECTION("the operator ends the read-along") {
        s.send(1, "op-a", SupportEndCommand{"op-a", 1});
        CHECK(s.fx.to<ReadalongCommand>(3).back().state == "ended");
        CHECK(s.fx.to<SupportStateCommand>(1).back().state == "ended");
        s.caller_says("c1", "after");
        CHECK(s.fx.to<ReadCommand>(3).size() == 2);
        s.send(3, "op-s", WhisperCommand{"op-s", 1, "late"});
        CHECK(s.whispers_to(1).size() == 1);
    }
    SECTION("a disconnect ends it; the figure says the operator ended the chat") {
        s.send(1, "op-a", DisconnectCommand{"op-a"});
        CHECK(s.fx.to<ReadalongCommand>(3).back().state == "ended");
        auto chat = std::find_if(s.fx.figures.begin(), s.fx.figures.end(), [](auto& f) { return f.kind == "chat"; });
        REQUIRE(chat != s.fx.figures.end());
        CHECK(chat->outcome == "operator");
    }
    SECTION("the chat ending ends it, and the figure counts the request") {
        s.send(1, "op-a", DisassociateCommand{"op-a", 1});
        CHECK(s.fx.to<ReadalongCommand>(3).back().state == "ended");
        auto chat = std::find_if(s.fx.figures.begin(), s.fx.figures.end(), [](auto& f) { return f.kind == "chat"; });
        REQUIRE(chat != s.fx.figures.end());
        CHECK(chat->support == 1);
        CHECK(chat->outcome == "operator");
    }
}

TEST_CASE("with no supervisor, a request goes to every other available operator", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.send(1, "op-a", SupportCommand{"op-a", 1});
    REQUIRE(s.fx.to<SupportRequestCommand>(2).size() == 1);
    CHECK(s.fx.to<SupportRequestCommand>(1).empty());
    // A supervisor who comes on later sees it too; the request survives a restart.
    auto records = s.d->snapshot();
    CHECK(std::any_of(records.begin(), records.end(), [](auto& r) { return r["j"] == "support"; }));
    s.make();
    s.d->restore(records, s.now);
    s.fx.clear();
    s.sam();
    REQUIRE(s.fx.to<SupportRequestCommand>(3).size() == 1);
    CHECK(s.fx.to<SupportRequestCommand>(3)[0].chat == 1);
    CHECK(s.fx.to<BoardCommand>(3).back().requests.size() == 1);
}

TEST_CASE("a chat handed to a named colleague moves with nothing lost", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.operator_says(1, "op-a", 1, "hi, I am here");
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("bob"), std::string("end of my shift")});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().state == "offered");
    auto offer = s.fx.to<HandoverOfferCommand>(2);
    REQUIRE(offer.size() == 1);
    CHECK(offer[0].from == "Alice");
    CHECK(offer[0].note == std::string("end of my shift"));
    // During the offer the chat is Alice's both ways.
    s.caller_says("c1", "still there?");
    CHECK(texts(s.fx.to<MsgCommand>(1)).back() == "still there?");
    s.operator_says(1, "op-a", 1, "yes");
    CHECK(s.fx.texts_for(kWeb, "c1").back() == "yes");

    s.send(2, "op-b", HandoverAcceptCommand{"op-b", 1});
    REQUIRE(s.fx.to<HandoverStateCommand>(1).back().state == "done");
    CHECK(s.fx.to<HandoverStateCommand>(1).back().to == std::string("Bob"));
    auto chat = s.fx.to<HandoverChatCommand>(2);
    REQUIRE(chat.size() == 1);
    CHECK(chat[0].from == "Alice");
    REQUIRE(chat[0].history.size() == 4);
    CHECK(chat[0].history[3].text == "yes");
    CHECK(s.fx.texts_for(kWeb, "c1").back() == s.config.text_handover);

    // Now the caller's words go to Bob, numbered on from Alice's (a number is never used
    // twice in a chat); Alice's are not hers.
    const std::size_t alice_msgs = s.fx.to<MsgCommand>(1).size();
    s.caller_says("c1", "who is this?");
    CHECK(s.fx.to<MsgCommand>(1).size() == alice_msgs);
    REQUIRE(texts(s.fx.to<MsgCommand>(2)) == std::vector<std::string>{"who is this?"});
    CHECK(s.fx.to<MsgCommand>(2)[0].line == 3);
    CHECK(s.fx.to<MsgCommand>(2)[0].chat == 1);
    s.operator_says(2, "op-b", 1, "I am Bob");
    CHECK(s.fx.texts_for(kWeb, "c1").back() == "I am Bob");
    // Alice's line written before she knew still reaches the caller, and Bob sees it.
    s.operator_says(1, "op-a", 1, "take care");
    CHECK(s.fx.texts_for(kWeb, "c1").back() == "take care");
    REQUIRE(s.fx.to<ReadCommand>(2).size() == 1);
    CHECK(s.fx.to<ReadCommand>(2)[0].from == "previous");
    // Alice's end of the chat is not hers to send any more.
    s.send(1, "op-a", DisassociateCommand{"op-a", 1});
    CHECK(s.d->pool_size() == 2);
    s.caller_says("c1", "ok");
    CHECK(texts(s.fx.to<MsgCommand>(2)).back() == "ok");

    SECTION("the journal gives the chat to the new operator after a restart") {
        auto records = s.d->snapshot();
        s.make();
        s.d->restore(records, s.now);
        s.fx.clear();
        s.service_online();
        s.bob();
        s.caller_says("c1", "after the restart");
        REQUIRE_FALSE(s.fx.to<MsgCommand>(2).empty());
        CHECK(texts(s.fx.to<MsgCommand>(2)).back() == "after the restart");
    }
    SECTION("the figure counts the hand-over") {
        s.send(2, "op-b", DisassociateCommand{"op-b", 1});
        auto chatfig = std::find_if(s.fx.figures.begin(), s.fx.figures.end(), [](auto& f) { return f.kind == "chat"; });
        REQUIRE(chatfig != s.fx.figures.end());
        CHECK(chatfig->handovers == 1);
        CHECK(s.d->shift_counts().handovers == 1);
    }
}

TEST_CASE("a hand-over to whoever takes it: first wins, the rest are closed", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.sam();
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::nullopt, std::nullopt});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().seen_by == 2);
    REQUIRE(s.fx.to<HandoverOfferCommand>(2).size() == 1);
    REQUIRE(s.fx.to<HandoverOfferCommand>(3).size() == 1);
    s.send(3, "op-s", HandoverAcceptCommand{"op-s", 1});
    CHECK(s.fx.to<HandoverOfferCommand>(2).back().state == "closed");
    s.send(2, "op-b", HandoverAcceptCommand{"op-b", 1});
    CHECK(s.fx.to<HandoverChatCommand>(2).empty());
    CHECK(s.fx.to<HandoverChatCommand>(3).size() == 1);
}

TEST_CASE("hand-over: texts held for the old operator go to the new one; offers expire", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("Bob"), std::nullopt});
    // Alice's link drops; the caller writes; Bob takes the chat.
    s.d->operator_closed(1, s.now);
    s.caller_says("c1", "are you there?");
    s.send(2, "op-b", HandoverAcceptCommand{"op-b", 1});
    auto chat = s.fx.to<HandoverChatCommand>(2);
    REQUIRE(chat.size() == 1);
    // Not in the history (Alice never had it) but sent as a line of Bob's.
    for (const auto& e : chat[0].history) CHECK(e.text != "are you there?");
    CHECK(texts(s.fx.to<MsgCommand>(2)) == std::vector<std::string>{"are you there?"});
    // Alice was not told (her link was down): she is, once back on the shift, so that her
    // client stops taking lines for the caller (nlchat-sim seed 16194).
    CHECK(s.fx.to<HandoverStateCommand>(1).back().state == "offered");
    s.join(4, "op-a", key_2048());
    auto done = s.fx.to<HandoverStateCommand>(4);
    REQUIRE(done.size() == 1);
    CHECK(done[0].chat == 1);
    CHECK(done[0].state == "done");
    CHECK(done[0].to == std::optional<std::string>("Bob"));

    SECTION("an offer nobody takes expires, and the chat stays") {
        Shift t;
        t.alice_in_chat();
        t.bob();
        t.send(1, "op-a", HandoverCommand{"op-a", 1, std::nullopt, std::nullopt});
        for (int i = 0; i < 61; ++i) {
            t.advance(1);
            t.send(1, "op-a", ProbeAckCommand{"op-a"});
            t.send(2, "op-b", ProbeAckCommand{"op-b"});
        }
        CHECK(t.fx.to<HandoverStateCommand>(1).back().state == "expired");
        CHECK(t.fx.to<HandoverOfferCommand>(2).back().state == "closed");
        t.caller_says("c1", "hello?");
        CHECK(texts(t.fx.to<MsgCommand>(1)).back() == "hello?");
    }
}

TEST_CASE("hand-overs that cannot be", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("ALICE"), std::nullopt});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().reason == std::string("that is you"));
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("Carol"), std::nullopt});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().state == "failed");
    CHECK(s.fx.to<HandoverStateCommand>(1).back().reason->find("Carol") != std::string::npos);
    s.send(2, "op-b", AwayCommand{"op-b", true});
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("Bob"), std::nullopt});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().reason == std::string("Bob is away"));
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::nullopt, std::string(300, 'x')});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().state == "failed");
    // Bob cannot hand over Alice's chat, nor take one not offered to him.
    s.send(2, "op-b", HandoverCommand{"op-b", 1, std::string("Alice"), std::nullopt});
    CHECK(s.fx.to<HandoverStateCommand>(2).back().reason == std::string("not a chat of yours"));
    s.send(2, "op-b", HandoverAcceptCommand{"op-b", 1});
    CHECK(s.fx.to<HandoverChatCommand>(2).empty());
}

TEST_CASE("the board shows the shift as it is, and the figures what happened", "[dispatch][shift]") {
    Shift s;
    s.service_online();
    s.alice();
    s.bob();
    s.sam();
    s.caller_says("c1", "hi");
    s.caller_says("c2", "hi");
    s.send(1, "op-a", RingAckCommand{"op-a", 1});
    s.send(2, "op-b", AwayCommand{"op-b", true});
    s.advance(2);
    auto boards = s.fx.to<BoardCommand>(3);
    REQUIRE_FALSE(boards.empty());
    const BoardCommand& b = boards.back();
    REQUIRE(b.operators.size() == 3);
    CHECK(b.operators[0].name == "Alice");
    CHECK(b.operators[0].chats == 1);
    CHECK(b.operators[0].state == "available");
    CHECK(b.operators[1].name == "Bob");
    CHECK(b.operators[1].state == "away");
    REQUIRE(b.rings.size() == 1);
    CHECK(b.rings[0].age == 2);
    CHECK(b.rung == 2);
    CHECK(b.answered == 1);
    // The caller of ring 2 leaves; c1's chat ends; a ring times out.
    Json::Value left(Json::objectValue);
    left["type"] = "disassociate";
    left["address"] = "c2";
    s.d->service_line(kWeb, left, s.now);
    s.caller_says("c3", "hello");
    for (int i = 0; i < 61; ++i) {
        s.advance(1);
        for (auto [conn, uuid] : {std::pair<ConnId, const char*>{1, "op-a"}, {2, "op-b"}, {3, "op-s"}})
            s.send(conn, uuid, ProbeAckCommand{uuid});
    }
    s.send(1, "op-a", DisassociateCommand{"op-a", 1});
    std::vector<std::string> outcomes;
    for (const auto& f : s.fx.figures) outcomes.push_back(f.kind + ":" + f.outcome);
    CHECK(outcomes == std::vector<std::string>{"ring:answered", "ring:withdrawn", "ring:timed_out", "chat:operator"});
    for (const auto& f : s.fx.figures) CHECK(f.service == "Web");
    CHECK(s.d->shift_counts().missed == 1);
    s.advance(2);
    CHECK(s.fx.to<BoardCommand>(3).back().missed == 1);
}

TEST_CASE("a reconnecting client is sent again what is open for it; its read-along goes on", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.sam();
    s.send(1, "op-a", SupportCommand{"op-a", 1});
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("Bob"), std::string("note")});
    // Bob and Sam reconnect (a new connection each, with the same UUID): each is sent the
    // open request or offer it was shown.
    s.d->operator_closed(2, s.now);
    s.d->operator_closed(3, s.now);
    s.fx.clear();
    s.join(4, "op-b", other_key_2048());
    s.join(5, "op-s", key_4096());
    REQUIRE(s.fx.to<HandoverOfferCommand>(4).size() == 1);
    CHECK(s.fx.to<HandoverOfferCommand>(4)[0].note == std::string("note"));
    CHECK(s.fx.to<HandoverOfferCommand>(4)[0].expires_in > 0);
    REQUIRE(s.fx.to<SupportRequestCommand>(5).size() == 1);
    CHECK(s.fx.to<SupportRequestCommand>(5)[0].state == "open");
    // Bob came back while no supervisor was on the shift: the request is shown to him too.
    CHECK(s.fx.to<SupportRequestCommand>(4).size() == 1);
    // Sam reads along, drops and comes back: the read-along goes on.
    s.send(5, "op-s", SupportAcceptCommand{"op-s", 1});
    s.d->operator_closed(5, s.now);
    s.join(6, "op-s", key_4096());
    CHECK(s.fx.to<ReadalongCommand>(6).empty());
    s.caller_says("c1", "still here");
    REQUIRE(s.fx.to<ReadCommand>(6).size() == 1);
    s.send(6, "op-s", WhisperCommand{"op-s", 1, "still with you"});
    CHECK(s.whispers_to(1) == std::vector<std::string>{"still with you"});
}

TEST_CASE("the previous operator's lines reach the caller only until it knew", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("Bob"), std::nullopt});
    s.send(2, "op-b", HandoverAcceptCommand{"op-b", 1});
    s.send(1, "op-a", MsgCommand{{"in flight"}, Direction::Out, "op-a", 1, 1});
    CHECK(s.fx.texts_for(kWeb, "c1").back() == "in flight");
    for (int i = 0; i < 11; ++i) {
        s.advance(1);
        s.send(1, "op-a", ProbeAckCommand{"op-a"});
        s.send(2, "op-b", ProbeAckCommand{"op-b"});
    }
    s.send(1, "op-a", MsgCommand{{"much later"}, Direction::Out, "op-a", 1, 2});
    CHECK(s.fx.texts_for(kWeb, "c1").back() != "much later");
    REQUIRE_FALSE(s.fx.to<UndeliveredCommand>(1).empty());
    CHECK(s.fx.to<UndeliveredCommand>(1).back().line == 2);
    CHECK(s.fx.to<UndeliveredCommand>(1).back().reason == "the chat was handed over to Bob");
    CHECK(s.fx.to<HandoverStateCommand>(1).back().state == "done");
}

TEST_CASE("an operator away from its link when its chat is handed over is told when back", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.bob();
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("Bob"), std::nullopt});
    s.d->operator_closed(1, s.now);
    s.send(2, "op-b", HandoverAcceptCommand{"op-b", 1});
    s.fx.clear();
    s.alice();
    auto states = s.fx.to<HandoverStateCommand>(1);
    REQUIRE(states.size() == 1);
    CHECK(states[0].state == "done");
    CHECK(states[0].to == std::string("Bob"));
    // What its link sends again from before it knew still reaches the caller.
    s.send(1, "op-a", MsgCommand{{"typed before"}, Direction::Out, "op-a", 1, 5});
    CHECK(s.fx.texts_for(kWeb, "c1").back() == "typed before");
}

TEST_CASE("the asker hears when more have seen its request; a chat ending ends an offer", "[dispatch][shift]") {
    Shift s;
    s.alice_in_chat();
    s.send(1, "op-a", SupportCommand{"op-a", 1});
    CHECK(s.fx.to<SupportStateCommand>(1).back().seen_by == 0);
    s.bob();
    CHECK(s.fx.to<SupportStateCommand>(1).back().seen_by == 1);
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::nullopt, std::nullopt});
    s.send(1, "op-a", HandoverCommand{"op-a", 1, std::string("alice"), std::nullopt});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().state == "offered");  // the open one, again
    s.send(1, "op-a", DisassociateCommand{"op-a", 1});
    CHECK(s.fx.to<HandoverStateCommand>(1).back().state == "cancelled");
    CHECK(s.fx.to<HandoverStateCommand>(1).back().reason == std::string("the chat ended"));
    CHECK(s.fx.to<HandoverOfferCommand>(2).back().state == "closed");
}
