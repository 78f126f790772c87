// SPDX-License-Identifier: GPL-3.0-or-later
// The chat panes through ui::Controller: what is typed goes to the pane marked in focus,
// each pane keeps its own half-typed line, typing is told only to the chat typed in,
// pane numbers stay with their chats, and paging follows the pane's own height. The
// screen is drawn between keys where nlchat would draw it, since the draw is what tells
// the controller the pane heights and shows where the focus mark is.
#include <catch2/catch.hpp>

#include "tests/ui/controller_fixture.h"
#include "ui/controller.h"

using namespace nlchat;
using namespace nlchat::ui;
using namespace nlchat::ui::test_ui;

TEST_CASE("controller: two chats in panes; lines go to the pane in focus, focus moves by key",
          "[ui][controller][panes]") {
    Fixture f;
    f.allow_chats(3);
    f.open_chat_with_id(7);
    f.open_chat_with_id(8);
    REQUIRE(f.session.chats().size() == 2);
    CHECK(f.session.focus() == 0);  // a new chat does not take the focus from a live one
    f.type("to seven");
    f.press(code(key::Enter));
    f.press(code(key::ctrl('n')));
    CHECK(f.session.focus() == 1);
    f.type("to eight");
    f.press(code(key::Enter));
    auto msgs = f.fx.all<MsgCommand>();
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].chat == std::optional<std::int64_t>(7));
    CHECK(msgs[1].chat == std::optional<std::int64_t>(8));
    // Alt-1 and Ctrl-P; a pane that is not there says so.
    f.press(code(key::Alt1));
    CHECK(f.session.focus() == 0);
    f.press(code(key::ctrl('p')));
    CHECK(f.session.focus() == 1);
    f.press(code(key::Alt1 + 4));
    CHECK(f.c.ui().message == "no chat pane 5");
    CHECK(f.session.focus() == 1);
    // A caller's line in the pane not in focus counts as unread until it is focused.
    f.in(MsgCommand{{"are you there?"}, Direction::In, "me", 7});
    CHECK(f.session.chats()[0].unread == 1);
    f.press(code(key::Alt1));
    CHECK(f.session.chats()[0].unread == 0);
    // Typing goes to the chat in focus; F8 ends only it.
    f.press(code(key::F8));
    f.press(text("y"));
    auto ends = f.fx.all<DisassociateCommand>();
    REQUIRE(ends.size() == 1);
    CHECK(ends[0].chat == std::optional<std::int64_t>(7));
    REQUIRE(f.session.chats().size() == 1);
    CHECK(f.session.chat()->id == std::optional<std::int64_t>(8));
    // Each pane keeps its place when the focus leaves it and comes back.
    f.open_chat_with_id(9);
    f.press(code(key::Alt1));
    f.c.ui().max_scroll = 30;  // as the last draw left it
    f.press(code(key::PageUp));
    CHECK(f.c.ui().scroll == 10);
    f.press(code(key::ctrl('n')));
    CHECK(f.c.ui().scroll == 0);
    CHECK(f.c.ui().pane_scroll.at(f.session.chats()[0].serial) == 10);
    f.press(code(key::ctrl('p')));
    CHECK(f.c.ui().scroll == 10);
    // F4 lays them side by side and back.
    f.press(code(key::F4));
    CHECK(f.c.ui().side_by_side);
    f.press(code(key::F4));
    CHECK_FALSE(f.c.ui().side_by_side);
}

TEST_CASE("controller: the server's limit holds; a 2015 server allows one chat", "[ui][controller][panes]") {
    Fixture f;  // its status said nothing about chats
    CHECK(f.session.chat_limit() == 1);
    f.open_chat(1);
    f.in(RingCommand{"", 2, std::nullopt, 60});
    CHECK_FALSE(f.session.accept_ring(2, f.now));
    CHECK(f.session.notices().back() == "end the current chat before taking another caller");
    CHECK(f.fx.all<RingAckCommand>().size() == 1);

    Fixture g;
    g.allow_chats(2);
    g.open_chat_with_id(1);
    g.open_chat_with_id(2);
    g.in(RingCommand{"", 3, std::nullopt, 60});
    CHECK_FALSE(g.session.accept_ring(3, g.now));
    CHECK(g.session.notices().back() == "you have 2 chats open, the most this server allows: end one first");
    // The challengeACK offered chats.
    Fixture h;
    h.session.link_up(h.now);
    h.session.server_online(test::key_4096().public_key().to_pem(), h.now);
    h.in(ChallengeCommand{"me", "n2"});
    auto acks = h.fx.all<ChallengeAckCommand>();
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].chats == std::optional<std::int64_t>(4));
}

TEST_CASE("controller: an earlier chat opens beside the live one and is read-only", "[ui][controller][panes]") {
    Fixture f;
    f.open_chat(1);
    f.press(code(key::F8));
    f.press(text("y"));
    f.open_chat(2);
    f.press(code(key::F5));
    CHECK(f.c.ui().past == std::optional<std::size_t>(0));
    CHECK(f.c.ui().past_focus);
    REQUIRE(f.session.chat());  // the live chat is still open, beside it
    f.type("hi");
    f.press(code(key::Enter));
    CHECK(f.sent_texts().empty());
    f.press(code(key::ctrl('n')));  // back to the live chat; the earlier one stays on view
    CHECK_FALSE(f.c.ui().past_focus);
    CHECK(f.c.ui().past);
    f.press(code(key::Enter));
    CHECK(f.sent_texts() == std::vector<std::string>{"hi"});
    f.press(code(key::F5));  // focus the earlier pane again
    CHECK(f.c.ui().past_focus);
    f.press(code(key::F5));  // past the first: closed
    CHECK_FALSE(f.c.ui().past);
    CHECK_FALSE(f.c.ui().past_focus);
}

namespace {

// `count` chats on a server that allows 16 (nlchatd --max-chats-per-operator 16), with
// nlchat's --chats at `count`: chat ids 1 to count, each caller saying "hello from N".
void chats(Fixture& f, int count) {
    f.allow_chats(16);
    for (int id = 1; id <= count; ++id) {
        f.open_chat_with_id(id);
        f.caller_says(id, "hello from " + std::to_string(id));
    }
}

}  // namespace

TEST_CASE("the limit names whose it is: nlchat's --chats or the server's", "[ui][controller][panes][issue24]") {
    Fixture f(2);  // nlchat --chats 2, the server allows 16
    chats(f, 2);
    f.in(RingCommand{"", 3, std::nullopt, 60});
    f.press(code(key::F2));
    CHECK(f.session.notices().back() == "you have 2 chats open, the most nlchat's --chats allows: end one first");
    Fixture g(9);  // the server allows 2
    g.allow_chats(2);
    g.open_chat_with_id(1);
    g.open_chat_with_id(2);
    g.in(RingCommand{"", 3, std::nullopt, 60});
    g.press(code(key::F2));
    CHECK(g.session.notices().back() == "you have 2 chats open, the most this server allows: end one first");
    CHECK(g.fx.all<RingAckCommand>().size() == 2);
}

TEST_CASE("Esc, then a digit a moment later, focuses that pane as Alt and the digit do",
          "[ui][controller][panes][issue24]") {
    Fixture f;
    chats(f, 3);
    f.press(code(key::Escape));
    f.now.mono += 0.05;  // two writes 50 ms apart, as a terminal or tmux may deliver them
    f.press(text("3"));
    CHECK(f.session.focus() == 2);
    CHECK(f.c.input().empty());
    f.press(code(key::Escape));
    f.now.mono += 0.3;
    f.press(text("1"));
    CHECK(f.session.focus() == 0);
    // Long after the Esc, a digit is a digit.
    f.press(code(key::Escape));
    f.now.mono += 2;
    f.press(text("2"));
    CHECK(f.session.focus() == 0);
    CHECK(f.c.input().text() == "2");
}
