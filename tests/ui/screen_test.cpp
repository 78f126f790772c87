// SPDX-License-Identifier: GPL-3.0-or-later
// Golden-screen tests: the whole screen drawn into a TextSurface and compared with
// tests/ui/golden/NAME.txt. After an intended change of layout, refresh them with
// `make golden` (NLCHAT_UPDATE_GOLDEN=1) and review the diff like code.
#include "ui/screen.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "core/codec/json_util.h"
#include "tests/core/test_keys.h"
#include "ui/keymap.h"
#include "ui/text_surface.h"
#include "ui/text_width.h"

using namespace nlchat;
using namespace nlchat::ui;

namespace {

struct NullEffects : ClientEffects {
    bool send(const Command&) override { return true; }
    void give_up(const std::string&) override {}
    void changed() override {}
    void alert() override {}
};

std::string golden_path(const std::string& name) {
    std::string file = __FILE__;
    return file.substr(0, file.rfind('/')) + "/golden/" + name + ".txt";
}

// Compares with the golden file, or rewrites it when NLCHAT_UPDATE_GOLDEN is set.
void check_golden(const std::string& name, const TextSurface& s) {
    std::string path = golden_path(name);
    if (std::getenv("NLCHAT_UPDATE_GOLDEN")) {
        std::ofstream(path) << s.text();
        SUCCEED("rewrote " + path);
        return;
    }
    std::ifstream in(path);
    REQUIRE(in.good());
    std::stringstream want;
    want << in.rdbuf();
    INFO("golden " << path << "; got:\n" << s.text());
    CHECK(s.text() == want.str());
}

struct Scene {
    NullEffects fx;
    Now now{1000, 1764190800};  // 21:00:00 UTC
    ClientSession session;
    UiState ui;
    InputLine input;

    Scene() : session(settings(), test::key_2048().public_key(), test::key_4096().public_key(), fx) {
        setenv("TZ", "UTC", 1);
        tzset();
        ui.fingerprint = "SHA256:AbCdEfGhIjKlMnOp";
        session.link_up(now);
        in(StatusCommand{{{"Web", "Connected"}, {"Phone", "down"}}});
    }
    static ClientSettings settings() {
        ClientSettings s;
        s.uuid = "me";
        s.max_chats = 16;  // as many as a server allows, for the screens with many panes
        return s;
    }
    void in(const Command& c) { session.command(c, now); }
    void later(double seconds) {
        now.mono += seconds;
        now.wall += seconds;
    }
    TextSurface draw(int w, int h) {
        TextSurface s(w, h, ui.ascii);
        draw_screen(s, session, ui, input, now);
        return s;
    }
    void open_chat() {
        in(RingCommand{"", 12, std::nullopt, 60});
        session.accept_ring(std::nullopt, now);
        in(RingAckAckCommand{"me", 12});
    }
};

}  // namespace

TEST_CASE("golden: waiting for callers", "[ui][golden]") {
    Scene sc;
    sc.later(3);
    check_golden("idle_100x30", sc.draw(100, 30));
}

TEST_CASE("golden: two rings waiting, the second selected", "[ui][golden]") {
    Scene sc;
    sc.in(RingCommand{"", 12, std::nullopt, 60});
    sc.later(5);
    sc.in(RingCommand{"", 13, std::nullopt, 60});
    sc.ui.selected_ring = 13;
    sc.later(1.5);
    auto s = sc.draw(80, 24);
    CHECK(s.text().find("ring 12  0:54") != std::string::npos);
    check_golden("rings_80x24", s);
}

TEST_CASE("golden: a chat with wide characters on the smallest screen", "[ui][golden]") {
    Scene sc;
    sc.open_chat();
    sc.in(MsgCommand{{"hi. I can't sleep \xf0\x9f\x98\x9e and I don't know who else to talk to"}, Direction::In, "me"});
    sc.later(30);
    sc.session.send_message(sc.session.chat()->serial, "I'm here. Take your time \xe2\x80\x94 what's keeping you up?",
                            sc.now);
    sc.later(20);
    sc.in(
        MsgCommand{{"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x82\x82\xe5\xa4\xa7\xe4\xb8\x88\xe5\xa4\xab\xef\xbc\x9f "
                    "exams, mostly"},
                   Direction::In,
                   "me"});
    sc.in(ChatStateCommand{"me", Direction::In, "typing"});
    sc.input.insert("that sounds hard");
    auto s = sc.draw(60, 16);
    // Nothing runs past the edge, whatever the characters.
    std::istringstream lines(s.text());
    std::string line;
    while (std::getline(lines, line)) CHECK(display_width(line) <= 60);
    check_golden("chat_60x16", s);
}

TEST_CASE("golden: scrolled back, with the end-chat question", "[ui][golden]") {
    Scene sc;
    sc.open_chat();
    for (int i = 1; i <= 30; ++i) {
        sc.in(MsgCommand{{"line " + std::to_string(i)}, Direction::In, "me"});
        sc.later(10);
    }
    sc.ui.scroll = 10;
    sc.ui.prompt = UiState::Prompt::EndChat;
    check_golden("scrolled_80x24", sc.draw(80, 24));
}

TEST_CASE("golden: the help overlay lists every key from the key table", "[ui][golden]") {
    Scene sc;
    sc.ui.help = true;
    auto s = sc.draw(100, 30);
    for (const auto& b : key_bindings())
        if (!b.shift) CHECK(s.text().find(b.help) != std::string::npos);
    check_golden("help_100x30", s);
}

TEST_CASE("the help overlay on the shift still names every key at 100x30", "[ui][shift]") {
    Scene sc;
    StatusCommand st{{{"Web", "Connected"}}};
    st.chats = 4;
    st.shift = true;
    sc.in(st);
    sc.in(ShiftCommand{"me", std::string("Sam"), std::string("supervisor"), false});
    REQUIRE(sc.session.shift_on());
    sc.ui.help = true;
    const std::string text = sc.draw(100, 30).text();
    CHECK(text.find("more)") == std::string::npos);  // nothing cut off
    for (const auto& b : key_bindings()) {
        INFO(b.key_name);
        CHECK(text.find(b.key_name) != std::string::npos);
        if (b.action < Action::Left) CHECK(text.find(b.help) != std::string::npos);
    }
}

TEST_CASE("golden: the link down, and a refused key", "[ui][golden]") {
    Scene sc;
    sc.session.link_down(sc.now);
    sc.later(12);
    check_golden("down_80x24", sc.draw(80, 24));
    Scene r;
    r.in(RefusedCommand{"me", "this key (SHA256:xyz) is not authorized on this server; ask an admin to add it"});
    check_golden("refused_80x24", r.draw(80, 24));
}

TEST_CASE("golden: the canned-response picker", "[ui][golden]") {
    Scene sc;
    sc.ui.canned = {{"1 welcome", "Hi, you're through to Nightline.\nWhat's on your mind?"},
                    {"2 sign off", "Thanks for talking tonight. Take care."}};
    sc.ui.canned_open = true;
    sc.ui.canned_selected = 1;
    check_golden("canned_80x24", sc.draw(80, 24));
}

TEST_CASE("a tiny window says so instead of overlapping", "[ui]") {
    Scene sc;
    auto s = sc.draw(15, 3);
    CHECK(s.text().rfind("nlchat: window", 0) == 0);
}

TEST_CASE("golden: the ASCII fallback, with a caller's words it cannot show marked", "[ui][golden]") {
    Scene sc;
    sc.ui.ascii = true;
    sc.open_chat();
    sc.in(RingCommand{"", 13, std::nullopt, 60});
    sc.in(MsgCommand{{"Zo\xc3\xab here \xf0\x9f\x98\x8a \xc3\xa7"
                      "a va? \xe6\x97\xa5\xe6\x9c\xac"},
                     Direction::In,
                     "me"});
    sc.in(ChatStateCommand{"me", Direction::In, "typing"});
    sc.later(2);
    auto s = sc.draw(80, 24);
    // Nothing but ASCII on screen, except the lines the terminal draws itself.
    std::string text = s.text();
    std::string without_lines;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 3, "\xe2\x94\x82") == 0) {
            without_lines += '|';
            i += 2;
        } else {
            without_lines += text[i];
        }
    }
    for (unsigned char c : without_lines) CHECK((c == '\n' || (c >= 0x20 && c < 0x7f)));
    // Each character it cannot show is one marked cell per column, so the layout holds.
    CHECK(text.find("Zo? here ?? ?a va? ????") != std::string::npos);
    CHECK(text.find("caller is typing...") != std::string::npos);
    CHECK(text.find("> ring 13") != std::string::npos);
    check_golden("ascii_80x24", s);
}

TEST_CASE("notes said at start stay on the empty chat pane", "[ui]") {
    Scene sc;
    sc.ui.notes = {"The locale C is not UTF-8, so nlchat uses C.UTF-8 for its characters.",
                   "canned/x.txt is not UTF-8: skipped"};
    auto s = sc.draw(100, 30).text();
    CHECK(s.find("The locale C is not UTF-8") != std::string::npos);
    CHECK(s.find("canned/x.txt is not UTF-8: skipped") != std::string::npos);
    sc.open_chat();
    CHECK(sc.draw(100, 30).text().find("The locale C") == std::string::npos);
}

TEST_CASE("the operator's own lines say when they wait for the link or were not delivered", "[ui]") {
    Scene sc;
    sc.open_chat();
    sc.session.link_down(sc.now);
    sc.session.send_message(sc.session.chat()->serial, "still there?", sc.now);
    auto s = sc.draw(100, 30).text();
    CHECK(s.find("still there?  [waiting for the link]") != std::string::npos);
    sc.in(ChatStateCommand{"me", Direction::In, "gone"});
    s = sc.draw(100, 30).text();
    CHECK(s.find("still there?  [NOT DELIVERED: the caller had left]") != std::string::npos);
}

namespace {

// Three chats on a server that gives chat ids (rings 21, 22, 23), with lines in each; the
// first in focus, the third with lines the operator has not seen.
void three_chats(Scene& sc) {
    StatusCommand status{{{"Web", "Connected"}}};
    status.chats = 3;
    sc.in(status);
    const char* first[] = {"hello? is anyone there", "I just need to talk to someone", "it's been a long week"};
    for (std::int64_t ring : {21, 22, 23}) {
        sc.in(RingCommand{"", ring, std::nullopt, 60});
        REQUIRE(sc.session.accept_ring(ring, sc.now));
        sc.in(RingAckAckCommand{"me", ring, ring});
        sc.in(MsgCommand{{first[ring - 21]}, Direction::In, "me", ring});
        sc.later(40);
    }
    sc.session.send_message(sc.session.chat()->serial, "I'm here. What's on your mind?", sc.now);
    sc.later(10);
    sc.in(MsgCommand{{"exams, mostly"}, Direction::In, "me", 21});
    sc.in(MsgCommand{{"and my flatmate"}, Direction::In, "me", 23});
    sc.in(MsgCommand{{"sorry, that came out wrong"}, Direction::In, "me", 23});
    sc.in(ChatStateCommand{"me", Direction::In, "typing", 22});
    sc.later(5);
}

}  // namespace

TEST_CASE("golden: two chats stacked, the first in focus", "[ui][golden][panes]") {
    Scene sc;
    StatusCommand status{{{"Web", "Connected"}}};
    status.chats = 2;
    sc.in(status);
    for (std::int64_t ring : {31, 32}) {
        sc.in(RingCommand{"", ring, std::nullopt, 60, "Web"});
        REQUIRE(sc.session.accept_ring(ring, sc.now));
        sc.in(RingAckAckCommand{"me", ring, ring});
        sc.later(30);
    }
    sc.in(MsgCommand{{"hi, can I talk about something?"}, Direction::In, "me", 31});
    sc.session.send_message(sc.session.chat()->serial, "Of course. I'm listening.", sc.now);
    sc.in(MsgCommand{{"hello"}, Direction::In, "me", 32});
    auto s = sc.draw(100, 30);
    CHECK(s.text().find("\xe2\x96\xb6 1 Chat") != std::string::npos);  // the focus mark, not colour alone
    CHECK(s.text().find("1 new") != std::string::npos);                // the pane not in focus counts
    check_golden("panes_stacked_100x30", s);
}

TEST_CASE("golden: three chats side by side on a wide screen", "[ui][golden][panes]") {
    Scene sc;
    three_chats(sc);
    sc.ui.side_by_side = true;
    check_golden("panes_side_200x50", sc.draw(200, 50));
}

TEST_CASE("golden: two chats and an earlier one at 80x24", "[ui][golden][panes]") {
    Scene sc;
    sc.open_chat();
    sc.in(MsgCommand{{"thanks for listening"}, Direction::In, "me"});
    sc.session.end_chat(sc.now);
    StatusCommand status{{{"Web", "Connected"}}};
    status.chats = 2;
    sc.in(status);
    for (std::int64_t ring : {41, 42}) {
        sc.in(RingCommand{"", ring, std::nullopt, 60});
        REQUIRE(sc.session.accept_ring(ring, sc.now));
        sc.in(RingAckAckCommand{"me", ring, ring});
        sc.in(MsgCommand{{"hi"}, Direction::In, "me", ring});
    }
    sc.ui.past = 0;
    sc.ui.past_focus = true;
    auto s = sc.draw(80, 24);
    CHECK(s.text().find("Earlier chat (read-only)") != std::string::npos);
    check_golden("panes_earlier_80x24", s);
}

TEST_CASE("golden: three chats fold into tabs at 60x16", "[ui][golden][panes]") {
    Scene sc;
    three_chats(sc);
    auto s = sc.draw(60, 16);
    CHECK(s.text().find("[1]") != std::string::npos);
    CHECK(s.text().find("3 (3 new)") != std::string::npos);  // all of chat 23's lines came out of focus
    check_golden("panes_tabs_60x16", s);
}

TEST_CASE("the status bar shows the age of the server's last word only once it is 10 s old", "[ui]") {
    Scene sc;
    sc.later(9.5);
    auto fresh = sc.draw(100, 30).text();
    CHECK(fresh.substr(0, fresh.find('\n')).find("ago") == std::string::npos);
    sc.later(2.5);
    auto old = sc.draw(100, 30).text();
    CHECK(old.substr(0, old.find('\n')).find("online \xc2\xb7 0:12 ago") != std::string::npos);
}

namespace {

// `count` chats (ids 1..count) on a server that allows 16, each caller with a line, so
// that every pane not in focus has one new line.
void many_chats(Scene& sc, int count) {
    StatusCommand status{{{"Web", "Connected"}}};
    status.chats = 16;
    sc.in(status);
    for (std::int64_t id = 1; id <= count; ++id) {
        sc.in(RingCommand{"", id, std::nullopt, 60, "Web"});
        REQUIRE(sc.session.accept_ring(id, sc.now));
        sc.in(RingAckAckCommand{"me", id, id});
        sc.in(MsgCommand{{"hello from " + std::to_string(id)}, Direction::In, "me", id});
    }
}

}  // namespace

TEST_CASE("golden: nine chats at 100x30, pane 9 in focus: short tabs, all shown", "[ui][golden][panes]") {
    Scene sc;
    many_chats(sc, 9);
    sc.session.focus_chat(8);
    auto s = sc.draw(100, 30);
    CHECK(s.text().find("[9]") != std::string::npos);
    CHECK(s.text().find("\xe2\x96\xb6 9 Chat") != std::string::npos);
    CHECK(sc.ui.focus_mark.serial == sc.session.chats()[8].serial);
    check_golden("panes_nine_tabs_100x30", s);
}

TEST_CASE("golden: sixteen chats at 40x12 scroll their tabs to the one in focus", "[ui][golden][panes]") {
    Scene sc;
    many_chats(sc, 16);
    sc.session.focus_chat(12);
    auto s = sc.draw(40, 12);
    CHECK(s.text().find("[13]") != std::string::npos);
    CHECK(s.text().find("\xe2\x96\xb6 13 Chat") != std::string::npos);
    check_golden("panes_sixteen_tabs_40x12", s);
    // The mark is drawn where the report says, for the pane in focus.
    const auto& mark = sc.ui.focus_mark;
    CHECK(mark.number == 13);
    CHECK(s.text().find("\xe2\x96\xb6 13") != std::string::npos);
}

TEST_CASE("golden: two chats side by side at 70x20, titles short by whole parts", "[ui][golden][panes]") {
    Scene sc;
    many_chats(sc, 2);
    sc.ui.side_by_side = true;
    check_golden("panes_side_70x20", sc.draw(70, 20));
}

TEST_CASE("an earlier chat of one line says so in the singular", "[ui]") {
    Scene sc;
    sc.open_chat();
    sc.in(MsgCommand{{"bye"}, Direction::In, "me"});
    sc.session.end_chat(sc.now);
    auto s = sc.draw(100, 30).text();
    CHECK(s.find("21:00 (1 line)") != std::string::npos);
    CHECK(s.find("lines)") == std::string::npos);
}
