// SPDX-License-Identifier: GPL-3.0-or-later
// The screen's logic without a terminal: every mode and key of ui::Controller, driven
// against a real ClientSession whose commands are recorded.
#include "ui/controller.h"

#include <catch2/catch.hpp>

#include "tests/ui/controller_fixture.h"

using namespace nlchat;
using namespace nlchat::ui;
using namespace nlchat::ui::test_ui;

TEST_CASE("controller: typing and Enter send to the open chat, and only to one", "[ui][controller]") {
    Fixture f;
    CHECK(f.c.mode() == Mode::Normal);
    // With no chat open there is nobody to write to: nothing typed is kept for a chat
    // that opens later (it was not written for that caller).
    f.type("hello");
    CHECK(f.c.input().empty());
    CHECK(f.c.ui().message == "no chat open: there is nobody to write to yet");
    f.press(code(key::Enter));
    CHECK(f.sent_texts().empty());
    CHECK(f.c.ui().message == "no chat open: nothing was sent");

    f.open_chat();
    CHECK(f.c.input().empty());
    f.type("hello");
    f.press(code(key::Enter));
    CHECK(f.sent_texts() == std::vector<std::string>{"hello"});
    CHECK(f.c.input().empty());
    CHECK(f.c.ui().message.empty());
    // Typing says "composing" to the caller.
    f.type("x");
    CHECK_FALSE(f.fx.all<ChatStateCommand>().empty());
    // Enter on an empty line sends nothing.
    f.press(code(key::ctrl('u')));
    f.press(code(key::Enter));
    CHECK(f.sent_texts().size() == 1);

    f.in(ChatStateCommand{"me", Direction::In, "gone"});
    f.type("too late");
    f.press(code(key::Enter));
    CHECK(f.sent_texts().size() == 1);
    CHECK(f.c.ui().message == "the chat has ended: F8 closes it");
    CHECK(f.c.input().text() == "too late");  // kept where it was typed, never sent elsewhere
}

TEST_CASE("controller: rings are taken, passed over and ignored by key", "[ui][controller]") {
    Fixture f;
    f.press(code(key::F2));
    CHECK(f.c.ui().message == "no ring to take");
    f.press(code(key::F3));
    CHECK(f.c.ui().message == "no ring to ignore");
    f.in(RingCommand{"", 4, std::nullopt, 60});
    f.in(RingCommand{"", 5, std::nullopt, 60});
    CHECK(f.draw().text().find("\xe2\x96\xb6 ring 4") != std::string::npos);  // the oldest is selected
    f.press(code(key::Tab));
    CHECK(f.c.ui().selected_ring == std::optional<std::int64_t>(5));
    CHECK(f.draw().text().find("\xe2\x96\xb6 ring 5") != std::string::npos);
    f.press(code(key::Tab));
    CHECK(f.c.ui().selected_ring == std::optional<std::int64_t>(4));  // wraps
    f.press(code(key::Tab));
    f.press(code(key::F3));  // ignores ring 5, on this screen only
    REQUIRE(f.session.rings().size() == 1);
    CHECK(f.session.rings()[0].id == 4);
    CHECK(f.fx.sent.empty());
    f.press(code(key::F2));
    auto acks = f.fx.all<RingAckCommand>();
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].id == 4);
}

TEST_CASE("F2 after a ring chosen with Tab goes back to the oldest ring, the one waiting longest",
          "[ui][controller][issue24]") {
    Fixture f;
    f.allow_chats(3);
    for (std::int64_t ring : {1, 2, 3}) f.in(RingCommand{"", ring, std::nullopt, 60});
    f.press(code(key::Tab));  // ring 2
    f.press(code(key::F2));
    f.in(RingAckAckCommand{"me", 2, 2});
    f.press(code(key::F2));  // nlchat(1): "the oldest unless Tab chose another"
    auto acks = f.fx.all<RingAckCommand>();
    REQUIRE(acks.size() == 2);
    CHECK(acks[0].id == 2);
    CHECK(acks[1].id == 1);
    // A ring chosen with Tab that goes away (taken elsewhere) leaves the oldest selected,
    // not whichever ring slid into its place.
    f.in(RingAckAckCommand{"me", 1, 1});
    for (std::int64_t ring : {4, 5, 6}) f.in(RingCommand{"", ring, std::nullopt, 60});
    f.press(code(key::Tab));  // ring 4, after 3
    f.in(RingAckAckCommand{"other", 4});
    f.press(code(key::F3));
    REQUIRE(f.session.rings().size() == 2);
    CHECK(f.session.rings()[0].id == 5);  // ring 3 was the oldest and it is the one ignored
}

TEST_CASE("controller: scrolling stays within what the last draw could show", "[ui][controller]") {
    Fixture f;
    f.c.ui().max_scroll = 25;  // as draw_screen leaves it
    f.c.ui().pane_rows = 11;   // a page is the pane's height less one line
    f.press(code(key::PageUp));
    CHECK(f.c.ui().scroll == 10);
    f.press(code(key::PageUp));
    f.press(code(key::PageUp));
    CHECK(f.c.ui().scroll == 25);  // not 30: no PgDn is wasted undoing it
    f.press(code(key::PageDown));
    CHECK(f.c.ui().scroll == 15);
    f.press(code(key::ctrl('b')));
    CHECK(f.c.ui().scroll == 0);
    f.press(code(key::ctrl('t')));
    CHECK(f.c.ui().scroll == 25);
    f.press(code(key::PageDown));  // moves at once after Ctrl-T
    CHECK(f.c.ui().scroll == 15);
    // Home and End move the chat with the line empty, the cursor otherwise.
    f.press(code(key::Home));
    CHECK(f.c.ui().scroll == 25);
    f.press(code(key::End));
    CHECK(f.c.ui().scroll == 0);
    f.open_chat();
    f.type("ab");
    f.press(code(key::Home));
    CHECK(f.c.ui().scroll == 0);
    CHECK(f.c.input().cursor() == 0);
    f.press(code(key::End));
    CHECK(f.c.input().cursor() == 2);
}

TEST_CASE("controller: questions take only y, n and Esc; each answer does what it asked", "[ui][controller]") {
    Fixture f;
    f.press(code(key::F8));
    CHECK(f.c.ui().message == "no chat to end");
    CHECK(f.c.mode() == Mode::Normal);
    f.open_chat();
    f.press(code(key::F8));
    CHECK(f.c.mode() == Mode::Question);
    // Other keys are not typed, not sent and do not answer.
    f.press(text("x"));
    f.press(code(key::Enter));
    f.press(code(key::F10));
    CHECK(f.c.mode() == Mode::Question);
    CHECK(f.c.ui().prompt == UiState::Prompt::EndChat);
    CHECK(f.c.input().empty());
    f.press(text("n"));
    CHECK(f.c.mode() == Mode::Normal);
    CHECK(f.fx.all<DisassociateCommand>().empty());
    f.press(code(key::F8));
    f.press(code(key::Escape));
    CHECK(f.fx.all<DisassociateCommand>().empty());
    f.press(code(key::F8));
    f.press(text("Y"));
    CHECK(f.fx.all<DisassociateCommand>().size() == 1);
    CHECK(f.session.past_chats().size() == 1);

    // Quit: n stays, y is the wiring's to carry out.
    f.press(code(key::F10));
    CHECK_FALSE(f.press(text("n")).quit);
    f.press(code(key::F10));
    CHECK(f.press(text("y")).quit);

    // The server-key question comes from the wiring; its answer goes back to it.
    f.c.ask(UiState::Prompt::TrustServer);
    CHECK(f.c.mode() == Mode::Question);
    auto out = f.press(text("n"));
    REQUIRE(out.trust);
    CHECK_FALSE(*out.trust);
    f.c.ask(UiState::Prompt::TrustServer);
    out = f.press(text("y"));
    REQUIRE(out.trust);
    CHECK(*out.trust);
}

TEST_CASE("controller: help closes on any key, which does nothing else", "[ui][controller]") {
    Fixture f;
    f.press(code(key::F1));
    CHECK(f.c.mode() == Mode::Help);
    CHECK(f.c.ui().help);
    f.press(code(key::F10));
    CHECK(f.c.mode() == Mode::Normal);
    CHECK(f.c.ui().prompt == UiState::Prompt::None);  // F10 only closed the help
    f.press(code(key::F1));
    f.press(text("q"));
    CHECK(f.c.input().empty());
}

TEST_CASE("controller: a canned response goes into the input line, never straight out", "[ui][controller]") {
    Fixture f;
    f.open_chat();
    f.c.ui().canned = {{"hello", "Hello, I'm here."}, {"time", "Take your time."}, {"bye", "Take care."}};
    f.press(code(key::F6));
    CHECK(f.c.mode() == Mode::Canned);
    f.press(code(key::Up));  // already at the top
    CHECK(f.c.ui().canned_selected == 0);
    f.press(code(key::Down));
    f.press(code(key::Down));
    f.press(code(key::Down));  // already at the bottom
    CHECK(f.c.ui().canned_selected == 2);
    f.press(code(key::Up));
    f.press(code(key::Enter));
    CHECK(f.c.mode() == Mode::Normal);
    CHECK(f.c.input().text() == "Take your time.");
    CHECK(f.sent_texts().empty());
    f.press(code(key::F6));
    f.press(code(key::Escape));
    CHECK(f.c.mode() == Mode::Normal);
    f.press(code(key::F6));
    f.press(code(key::F6));
    CHECK(f.c.mode() == Mode::Normal);
    f.press(code(key::Enter));
    CHECK(f.sent_texts() == std::vector<std::string>{"Take your time."});
}

TEST_CASE("controller: bracketed paste", "[ui][controller][paste]") {
    SECTION("one line goes into the input line to be edited; its keys are not keys") {
        Fixture f;
        f.open_chat();
        f.press(code(key::PasteStart));
        CHECK(f.c.mode() == Mode::Pasting);
        f.type("a line with y and n");
        f.press(code(key::F10));  // a control sequence inside a paste is dropped
        f.press(code(key::PasteEnd));
        CHECK(f.c.mode() == Mode::Normal);
        CHECK(f.c.input().text() == "a line with y and n");
        CHECK(f.sent_texts().empty());
    }
    SECTION("several lines are asked about, then sent as one message") {
        Fixture f;
        f.open_chat();
        f.press(code(key::PasteStart));
        f.type("first");
        f.press(code(key::Enter));  // a newline in the paste, not a send
        f.type("second");
        f.press(code(key::Tab));
        f.type("tabbed");
        f.press(code(key::PasteEnd));
        CHECK(f.sent_texts().empty());
        CHECK(f.c.mode() == Mode::Question);
        CHECK(f.c.ui().prompt == UiState::Prompt::Paste);
        CHECK(f.c.ui().paste == "first\nsecond\ttabbed");
        f.press(text("y"));
        CHECK(f.sent_texts() == std::vector<std::string>{"first\nsecond\ttabbed"});
    }
    SECTION("a multi-line paste declined, or with no chat, sends nothing and says so") {
        Fixture f;
        f.press(code(key::PasteStart));
        f.type("one");
        f.press(code(key::Enter));
        f.type("two");
        f.press(code(key::PasteEnd));
        CHECK(f.c.mode() == Mode::Normal);  // nothing to ask: there is no chat to send it to
        CHECK(f.c.ui().message == "no chat open: the paste was not sent");
        f.press(text("y"));
        CHECK(f.sent_texts().empty());
        f.open_chat();
        f.press(code(key::PasteStart));
        f.type("x");
        f.press(code(key::Enter));
        f.press(code(key::PasteEnd));
        f.press(text("n"));
        CHECK(f.sent_texts().empty());
        CHECK(f.c.ui().paste.empty());
    }
    SECTION("a paste inside a question is pasted, not an answer") {
        Fixture f;
        f.open_chat();
        f.press(code(key::F8));
        f.press(code(key::PasteStart));
        f.type("y");
        f.press(code(key::PasteEnd));
        CHECK(f.fx.all<DisassociateCommand>().empty());
    }
}

TEST_CASE("controller: earlier chats are read-only; F7 and resize are intents", "[ui][controller]") {
    Fixture f;
    f.press(code(key::F5));
    CHECK(f.c.ui().message == "no earlier chats in this run");
    f.open_chat(1);
    f.press(code(key::F8));
    f.press(text("y"));
    f.open_chat(2);
    f.press(code(key::F8));
    f.press(text("y"));
    f.open_chat(3);
    f.press(code(key::F5));
    CHECK(f.c.ui().past == std::optional<std::size_t>(1));
    f.type("hello");  // not taken: nothing is typed in a read-only pane
    CHECK(f.c.input().empty());
    f.press(code(key::Enter));
    CHECK(f.sent_texts().empty());
    CHECK(f.c.ui().message == "this earlier chat is read-only (Ctrl-N goes to a live one, F5 closes it)");
    f.press(code(key::F5));
    CHECK(f.c.ui().past == std::optional<std::size_t>(0));
    f.press(code(key::F5));
    CHECK_FALSE(f.c.ui().past);
    f.press(code(key::Enter));  // the live chat's own line is empty: nothing goes
    CHECK(f.sent_texts().empty());

    f.press(code(key::F7));
    CHECK(f.c.ui().message == "the link is not held by another terminal");
    f.in(RefusedCommand{"me", "this key is now connected from another terminal", "replaced"});
    REQUIRE(f.session.link() == LinkState::Replaced);
    CHECK(f.press(code(key::F7)).dial);
    CHECK(f.press(code(key::Resize)).resize);
    CHECK(std::string(mode_name(f.c.mode())) == "normal");
}
