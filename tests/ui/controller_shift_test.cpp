// SPDX-License-Identifier: GPL-3.0-or-later
// The shift's keys through ui::Controller (nlchat-protocol(7), THE SHIFT): F9, Ctrl-R,
// Ctrl-O with its two prompts, Ctrl-X, Ctrl-G, and F2/F3/Tab over requests and
// hand-overs; and the focus rule with read-along panes, where what is typed is a whisper.
#include <catch2/catch.hpp>

#include "tests/ui/controller_fixture.h"
#include "ui/controller.h"

using namespace nlchat;
using namespace nlchat::ui;
using namespace nlchat::ui::test_ui;

namespace {

// A server that reads chat ids and offers the shift, taken and answered.
void on_shift(Fixture& f, const std::string& role = "operator") {
    StatusCommand st{{{"Web", "Connected"}}};
    st.chats = 4;
    st.shift = true;
    f.in(st);
    REQUIRE(f.fx.all<ShiftCommand>().size() == 1);
    f.in(ShiftCommand{"me", "Alice", role, false});
    f.fx.sent.clear();
}

bool has(const TextSurface& s, const std::string& text) { return s.text().find(text) != std::string::npos; }

}  // namespace

TEST_CASE("controller: without the shift its keys say so and send nothing", "[ui][controller][shift]") {
    Fixture f;
    f.allow_chats(4);
    f.open_chat_with_id(7);
    f.fx.sent.clear();
    for (int k : {static_cast<int>(key::F9), key::ctrl('r'), key::ctrl('o'), key::ctrl('g')}) {
        f.press(code(k));
        CHECK(f.c.ui().message == "this server does not offer the shift");
        CHECK(f.c.mode() == Mode::Normal);
    }
    CHECK(f.fx.sent.empty());
    auto s = f.draw();
    CHECK_FALSE(has(s, "AWAY"));
}

TEST_CASE("controller: F9 away and back, as the server says", "[ui][controller][shift]") {
    Fixture f;
    on_shift(f);
    f.press(code(key::F9));
    REQUIRE(f.fx.all<AwayCommand>().size() == 1);
    CHECK(f.fx.all<AwayCommand>()[0].away);
    CHECK_FALSE(has(f.draw(), "AWAY"));  // not before the server says so
    f.in(ShiftCommand{"me", "Alice", "operator", true, 75});
    CHECK(has(f.draw(), "AWAY for 1:15 (F9: back)"));
    f.press(code(key::F9));
    CHECK_FALSE(f.fx.all<AwayCommand>()[1].away);
    // The link down: said, not queued.
    f.session.link_down(f.now);
    f.fx.sent.clear();
    f.press(code(key::F9));
    CHECK(f.c.ui().message == "the link is down: that cannot be done now");
    CHECK(f.fx.sent.empty());
}

TEST_CASE("controller: Ctrl-R asks for support in the chat in focus; again ends it", "[ui][controller][shift]") {
    Fixture f;
    on_shift(f);
    f.open_chat_with_id(7);
    f.open_chat_with_id(8);
    f.press(code(key::ctrl('n')));  // chat 8 in focus
    f.fx.sent.clear();
    f.press(code(key::ctrl('r')));
    REQUIRE(f.fx.all<SupportCommand>().size() == 1);
    CHECK(f.fx.all<SupportCommand>()[0].chat == 8);
    f.in(SupportStateCommand{"me", 8, "asked", std::nullopt, 2});
    CHECK(has(f.draw(), "support: asked (shown to 2)"));
    f.in(SupportStateCommand{"me", 8, "reading", "Bob"});
    f.in(WhisperCommand{"me", 8, "ask about sleep", "Bob"});
    auto s = f.draw();
    CHECK(has(s, "support: Bob reads along"));
    CHECK(has(s, "Helper [support: Bob] ask about sleep"));
    f.press(code(key::ctrl('r')));
    CHECK(f.c.mode() == Mode::Question);
    CHECK(has(f.draw(), "End the support in this chat? y = yes, n = no"));
    f.press(text("n"));
    CHECK(f.fx.all<SupportEndCommand>().empty());
    f.press(code(key::ctrl('r')));
    f.press(text("y"));
    REQUIRE(f.fx.all<SupportEndCommand>().size() == 1);
    CHECK(f.fx.all<SupportEndCommand>()[0].chat == 8);
    // Ctrl-X ends it without asking.
    f.press(code(key::ctrl('x')));
    CHECK(f.fx.all<SupportEndCommand>().size() == 2);
    CHECK(f.fx.all<MsgCommand>().empty());
}

TEST_CASE("controller: Ctrl-O asks to whom, then a note, for the chat it was pressed in", "[ui][controller][shift]") {
    Fixture f;
    on_shift(f);
    f.open_chat_with_id(7);
    f.open_chat_with_id(8);
    f.type("half a line");
    f.press(code(key::ctrl('o')));
    CHECK(f.c.mode() == Mode::Entry);
    CHECK(has(f.draw(), "Hand this chat over to whom?"));
    CHECK(f.c.input().text().empty());  // the prompt's own line, not the chat's
    f.type("Bob");
    f.press(code(key::Enter));
    CHECK(has(f.draw(), "A note for the colleague"));
    f.type("exam stress");
    f.press(code(key::Enter));
    CHECK(f.c.mode() == Mode::Normal);
    REQUIRE(f.fx.all<HandoverCommand>().size() == 1);
    auto h = f.fx.all<HandoverCommand>()[0];
    CHECK(h.chat == 7);
    CHECK(h.to == std::optional<std::string>("Bob"));
    CHECK(h.note == std::optional<std::string>("exam stress"));
    CHECK(f.c.input().text() == "half a line");  // the chat's line untouched
    CHECK(f.fx.all<MsgCommand>().empty());
    // While it is open, Ctrl-O asks to cancel it.
    f.in(HandoverStateCommand{"me", 7, "offered", std::nullopt, 1});
    CHECK(has(f.draw(), "hand-over to Bob: offered (shown to 1, Ctrl-O cancels)"));
    f.press(code(key::ctrl('o')));
    CHECK(has(f.draw(), "Cancel the hand-over of this chat? y = yes, n = no"));
    f.press(text("y"));
    REQUIRE(f.fx.all<HandoverCancelCommand>().size() == 1);
    f.in(HandoverStateCommand{"me", 7, "cancelled"});
    // To anyone, no note; Esc gives up.
    f.press(code(key::ctrl('o')));
    f.press(code(key::Escape));
    CHECK(f.c.mode() == Mode::Normal);
    CHECK(f.fx.all<HandoverCommand>().size() == 1);
    f.press(code(key::ctrl('o')));
    f.press(code(key::Enter));
    f.press(code(key::Enter));
    h = f.fx.all<HandoverCommand>().back();
    CHECK_FALSE(h.to);
    CHECK_FALSE(h.note);
    // Done: the pane says to whom, and takes no more lines.
    f.in(HandoverStateCommand{"me", 7, "done", "Bob"});
    auto s = f.draw();
    CHECK(has(s, "Chat (handed over to Bob)"));
    CHECK(has(s, "handed over to Bob: the chat is theirs now"));
    f.press(code(key::Enter));
    CHECK(f.fx.all<MsgCommand>().empty());
}

TEST_CASE("controller: a request for support in the queue; F2 reads along; typed words are whispers",
          "[ui][controller][shift]") {
    Fixture f;
    on_shift(f, "supervisor");
    f.open_chat_with_id(3);
    f.in(RingCommand{"", 4, std::nullopt, 60});
    f.in(SupportRequestCommand{"me", 12, "Bob", 720, "open"});
    f.in(HandoverOfferCommand{"me", 13, "Carol", "exam stress", "Web", 60, 45.0, "open"});
    auto s = f.draw();
    CHECK(has(s, "SUPPORT Bob"));
    CHECK(has(s, "chat 12 min"));
    CHECK(has(s, "HAND-OVER from Carol"));
    CHECK(has(s, "\"exam stress\""));
    CHECK(has(s, "chat 1 min, 0:45 left"));
    // Tab goes from the ring to the request, then the hand-over, then back to the ring.
    f.press(code(key::Tab));
    CHECK(selected_offer_index(f.session, f.c.ui()) == std::optional<std::size_t>(0));
    f.press(code(key::Tab));
    CHECK(selected_offer_index(f.session, f.c.ui()) == std::optional<std::size_t>(1));
    f.press(code(key::F3));  // hidden here
    CHECK(f.session.shift().offers.size() == 1);
    CHECK_FALSE(selected_offer_index(f.session, f.c.ui()));  // the ring again
    f.press(code(key::Tab));
    REQUIRE(selected_offer_index(f.session, f.c.ui()) == std::optional<std::size_t>(0));
    f.fx.sent.clear();
    f.press(code(key::F2));
    REQUIRE(f.fx.all<SupportAcceptCommand>().size() == 1);
    CHECK(f.fx.all<RingAckCommand>().empty());
    ReadalongCommand ra{"me", 12, "open", "Bob", "Web"};
    ra.history = {{"caller", "hello"}};
    f.in(ra);
    // The read-along is a pane of its own; the focus stays on chat 3 until moved.
    const std::uint64_t read = f.session.readalongs().at(0).chat.serial;
    CHECK(f.c.whisper_target() == 0);
    f.press(code(key::Alt1 + f.session.readalongs()[0].chat.pane - 1));
    CHECK(f.c.whisper_target() == read);
    CHECK(f.c.typing_target() == 0);
    s = f.draw();
    CHECK(f.c.ui().focus_mark.serial == read);
    CHECK(has(s, "Reading along: Bob's chat (whispers only)"));
    CHECK(has(s, "prior Caller hello"));
    f.fx.sent.clear();
    f.type("ask about sleep");
    f.press(code(key::Enter));
    REQUIRE(f.fx.all<WhisperCommand>().size() == 1);
    CHECK(f.fx.all<WhisperCommand>()[0].chat == 12);
    CHECK(f.fx.all<WhisperCommand>()[0].text == "ask about sleep");
    CHECK(f.fx.all<MsgCommand>().empty());
    CHECK(f.fx.all<ChatStateCommand>().empty());  // nobody is told of typing
    CHECK(has(f.draw(), "You    [whisper to Bob] ask about sleep"));
    // F8 is not for it; Ctrl-X leaves, then closes it.
    f.press(code(key::F8));
    CHECK(f.c.ui().message == "this is a read-along, not your chat: Ctrl-X leaves it");
    f.press(code(key::ctrl('x')));
    REQUIRE(f.fx.all<SupportEndCommand>().size() == 1);
    f.type("too late");
    f.press(code(key::Enter));
    CHECK(f.fx.all<WhisperCommand>().size() == 1);
    CHECK(f.c.input().text() == "too late");  // refused, kept
    f.press(code(key::ctrl('x')));
    CHECK(f.session.readalongs().empty());
    CHECK(f.c.typing_target() == f.session.chat()->serial);
    CHECK(f.fx.all<MsgCommand>().empty());
}

TEST_CASE("controller: a whisper while the link is down is refused and kept", "[ui][controller][shift]") {
    Fixture f;
    on_shift(f, "supervisor");
    f.in(SupportRequestCommand{"me", 12, "Bob", 5, "open"});
    f.press(code(key::F2));
    f.in(ReadalongCommand{"me", 12, "open", "Bob"});
    REQUIRE(f.c.whisper_target() != 0);  // the only pane
    f.session.link_down(f.now);
    f.fx.sent.clear();
    f.type("hold on");
    f.press(code(key::Enter));
    CHECK(f.fx.sent.empty());
    CHECK(f.c.input().text() == "hold on");
    CHECK(f.c.ui().message == "the link is down: that cannot be done now: the whisper was not sent");
}

TEST_CASE("controller: Ctrl-G shows the board to a supervisor", "[ui][controller][shift]") {
    Fixture op;
    on_shift(op);
    op.press(code(key::ctrl('g')));
    CHECK(op.c.ui().message == "the board is for supervisors");
    Fixture f;
    on_shift(f, "supervisor");
    f.open_chat_with_id(3);
    f.press(code(key::ctrl('g')));
    CHECK(f.c.mode() == Mode::Board);
    CHECK(has(f.draw(), "waiting for the server's board"));
    BoardCommand b;
    b.uuid = "me";
    b.operators = {{"Alice", "supervisor", "available", 1, 60}, {"Bob", "operator", "away", 0, 300}};
    b.rings = {{12, "Web", 10}};
    b.requests = {{7, "Bob", 30, std::string("Alice")}};
    b.rung = 5, b.answered = 4, b.missed = 1, b.handovers = 2, b.support = 3;
    f.in(b);
    f.now.mono += 5;
    auto s = f.draw(120, 30);
    CHECK(has(s, "SHIFT BOARD"));
    CHECK(has(s, "Alice         supervisor  available  1 chat   1:05"));
    CHECK(has(s, "Bob           operator    away       0 chats  5:05"));
    CHECK(has(s, "ring 12  Web  0:15"));
    CHECK(has(s, "chat 7  from Bob  0:35  read by Alice"));
    CHECK(has(s, "rung 5 \xc2\xb7 answered 4 \xc2\xb7 missed 1 \xc2\xb7 hand-overs 2 \xc2\xb7 support 3"));
    // Typing waits while it is open; Ctrl-G closes it.
    f.type("x");
    CHECK(f.c.ui().message == "the board is open: Ctrl-G or Esc closes it");
    CHECK(f.c.input().text().empty());
    f.press(code(key::ctrl('g')));
    CHECK(f.c.mode() == Mode::Normal);
}
