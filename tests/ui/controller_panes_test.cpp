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
    REQUIRE(f.session.chat()->id == std::optional<std::int64_t>(9));  // chat 7's number, free again
    f.c.ui().max_scroll = 30;                                         // as the last draw left it
    f.c.ui().pane_rows = 11;
    f.press(code(key::PageUp));
    CHECK(f.c.ui().scroll == 10);
    f.press(code(key::ctrl('n')));
    CHECK(f.c.ui().scroll == 0);
    CHECK(f.c.ui().pane_scroll.at(f.session.chats()[1].serial) == 10);
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
    f.type("hi");               // refused: the pane is read-only
    f.press(code(key::Enter));
    CHECK(f.sent_texts().empty());
    f.press(code(key::ctrl('n')));  // back to the live chat; the earlier one stays on view
    CHECK_FALSE(f.c.ui().past_focus);
    CHECK(f.c.ui().past);
    f.press(code(key::Enter));  // nothing typed there follows the focus
    CHECK(f.sent_texts().empty());
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

// The row of the screen that holds `text` (-1 if none).
int row_of(const std::string& screen, const std::string& text) {
    std::size_t at = screen.find(text);
    if (at == std::string::npos) return -1;
    return static_cast<int>(std::count(screen.begin(), screen.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

const std::string kMark = "\xe2\x96\xb6";  // the focus pointer

}  // namespace

TEST_CASE("nine chats folded into tabs: Alt-9 shows pane 9 with the mark, and typing goes there",
          "[ui][controller][panes][issue24]") {
    Fixture f(9);
    chats(f, 9);
    std::string screen = f.draw(100, 30).text();
    CHECK(screen.find(kMark + " 1 Chat") != std::string::npos);
    for (int pane : {9, 8, 5, 1}) {
        f.press(code(key::Alt1 + pane - 1));
        screen = f.draw(100, 30).text();
        INFO(screen);
        // Marked on screen, in full: its title with the mark, its lines, its tab.
        CHECK(screen.find(kMark + " " + std::to_string(pane) + " Chat") != std::string::npos);
        CHECK(screen.find("hello from " + std::to_string(pane)) != std::string::npos);
        CHECK(screen.find("[" + std::to_string(pane) + "]") != std::string::npos);
        for (int other = 1; other <= 9; ++other)
            if (other != pane) CHECK(screen.find("hello from " + std::to_string(other)) == std::string::npos);
        // ...and it is where the typed line goes.
        f.type("to " + std::to_string(pane));
        f.press(code(key::Enter));
        CHECK(f.sent_to(pane) == std::vector<std::string>{"to " + std::to_string(pane)});
    }
    CHECK(f.sent_texts().size() == 4);
}

TEST_CASE("each pane keeps its own half-typed line; Enter sends it to its own chat only",
          "[ui][controller][panes][issue24]") {
    Fixture f;
    chats(f, 3);
    f.type("half a sentence for one");
    f.press(code(key::ctrl('n')));
    CHECK(f.c.input().empty());  // pane 2's own line
    f.type("for two");
    f.press(code(key::Alt1 + 2));
    f.type("for three, not sent yet");
    f.press(code(key::Alt1 + 1));
    CHECK(f.c.input().text() == "for two");
    f.press(code(key::Enter));
    f.press(code(key::ctrl('p')));
    CHECK(f.c.input().text() == "half a sentence for one");
    f.press(code(key::Enter));
    CHECK(f.sent_to(1) == std::vector<std::string>{"half a sentence for one"});
    CHECK(f.sent_to(2) == std::vector<std::string>{"for two"});
    CHECK(f.sent_to(3).empty());
    f.press(code(key::Alt1 + 2));
    CHECK(f.c.input().text() == "for three, not sent yet");
    // The screen's input line is the focused pane's.
    CHECK(f.draw().text().find("> for three, not sent yet") != std::string::npos);
    // A pane's own history: Up in pane 1 brings back pane 1's line, not another's.
    f.press(code(key::Alt1));
    f.press(code(key::Up));
    CHECK(f.c.input().text() == "half a sentence for one");
}

TEST_CASE("typing is told only to the chat typed in, never from a read-only pane", "[ui][controller][panes][issue24]") {
    Fixture f;
    chats(f, 3);
    // Chats 1 and 2 end (their callers leave, the operator closes them); 3 goes on.
    for (std::int64_t id : {1, 2}) {
        f.in(ChatStateCommand{"me", Direction::In, "gone", id});
        f.press(code(key::Alt1 + static_cast<int>(id) - 1));
        f.press(code(key::F8));
        f.press(text("y"));
    }
    REQUIRE(f.session.chats().size() == 1);
    f.fx.sent.clear();
    f.press(code(key::F5));  // the earlier chat, read-only, beside chat 3, with the focus
    f.type("oops");
    CHECK(f.states().empty());  // chat 3's caller is not told the operator types
    f.press(code(key::Enter));
    CHECK(f.sent_texts().empty());
    // In chat 3's own pane it is told, to chat 3 only; going elsewhere leaves it paused.
    f.press(code(key::ctrl('n')));
    f.type("hi");
    CHECK(f.states() == std::vector<std::string>{"composing@3"});
    f.later(6);
    CHECK(f.states() == std::vector<std::string>{"composing@3", "paused@3"});
}

TEST_CASE("stacked panes page by their own height, one line overlapping", "[ui][controller][panes][issue24]") {
    Fixture f;
    chats(f, 3);
    for (int i = 1; i <= 60; ++i) f.caller_says(1, "line " + std::to_string(i));
    // 100x40: each of three stacked panes shows 9 lines of chat.
    std::string screen = f.draw(100, 40).text();
    CHECK(row_of(screen, "line 60\n") - row_of(screen, "line 52\n") == 8);
    CHECK(row_of(screen, "line 51\n") == -1);
    f.press(code(key::PageUp));
    screen = f.draw(100, 40).text();
    INFO(screen);
    // Nothing is skipped: what was the top line is now the bottom one.
    CHECK(row_of(screen, "line 52\n") - row_of(screen, "line 44\n") == 8);
    CHECK(row_of(screen, "line 53\n") == -1);
    CHECK(row_of(screen, "line 43\n") == -1);
    f.press(code(key::PageUp));
    f.press(code(key::PageDown));
    screen = f.draw(100, 40).text();
    CHECK(row_of(screen, "line 52\n") - row_of(screen, "line 44\n") == 8);
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

TEST_CASE("pane numbers stay with their chats while they are open", "[ui][controller][panes][issue24]") {
    Fixture f;
    chats(f, 3);
    f.press(code(key::Alt1 + 1));
    f.press(code(key::F8));
    f.press(text("y"));  // chat 2 ends; chat 3 is still pane 3
    std::string screen = f.draw().text();
    INFO(screen);
    CHECK(screen.find("3 Chat") != std::string::npos);
    CHECK(screen.find("2 Chat") == std::string::npos);
    f.press(code(key::Alt1 + 2));
    f.type("to three");
    f.press(code(key::Enter));
    CHECK(f.sent_to(3) == std::vector<std::string>{"to three"});
    f.press(code(key::Alt1 + 1));
    CHECK(f.c.ui().message == "no chat pane 2");
    // A new chat takes the lowest free number, and is shown in its place.
    f.open_chat_with_id(4);
    f.caller_says(4, "hello from 4");
    f.press(code(key::Alt1 + 1));
    f.type("to four");
    f.press(code(key::Enter));
    CHECK(f.sent_to(4) == std::vector<std::string>{"to four"});
    screen = f.draw().text();
    CHECK(row_of(screen, "1 Chat") < row_of(screen, "2 Chat"));
    CHECK(row_of(screen, "2 Chat") < row_of(screen, "3 Chat"));
}

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

TEST_CASE("side-by-side titles drop whole parts rather than cut a word", "[ui][controller][panes][issue24]") {
    Fixture f;
    f.allow_chats(16);
    for (std::int64_t ring : {21, 22}) {
        f.in(RingCommand{"", ring, std::nullopt, 60, "Web"});
        REQUIRE(f.session.accept_ring(ring, f.now));
        f.in(RingAckAckCommand{"me", ring, ring});
        f.caller_says(ring, "hi");
    }
    f.press(code(key::F4));
    const std::string since = "since " + clock_time(f.now.wall);
    for (int width : {100, 90, 80, 70}) {
        std::string screen = f.draw(width, 30).text();
        std::string titles = screen.substr(screen.find('\n') + 1);
        titles = titles.substr(0, titles.find('\n'));
        INFO(titles);
        // Each part whole or not there at all.
        for (const char* part : {"since ", "ring ", "Web"}) {
            for (std::size_t at = titles.find(part); at != std::string::npos; at = titles.find(part, at + 1)) {
                std::string rest = titles.substr(at);
                if (std::string(part) == "since ") CHECK(rest.rfind(since, 0) == 0);
                if (std::string(part) == "ring ")
                    CHECK((rest.rfind("ring 21", 0) == 0 || rest.rfind("ring 22", 0) == 0));
            }
        }
        CHECK(titles.find("1 Chat") != std::string::npos);
        CHECK(titles.find("2 Chat") != std::string::npos);
        CHECK(titles.find("1 new") != std::string::npos);  // pane 2's count outlives the rest
    }
}
