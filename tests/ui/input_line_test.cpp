// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/input_line.h"

#include <catch2/catch.hpp>

using nlchat::ui::InputLine;

TEST_CASE("editing moves by visible character, even over emoji and accents", "[ui][input]") {
    InputLine in;
    in.insert(
        "a\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"
        "e\xcc\x81z");  // a 👍🏽 é z
    in.left();
    in.left();
    in.backspace();  // removes the thumbs-up with its skin tone
    CHECK(in.text() == "ae\xcc\x81z");
    in.erase();  // removes é (e + combining accent) whole
    CHECK(in.text() == "az");
    in.home();
    in.insert(">");
    in.end();
    in.insert("<");
    CHECK(in.text() == ">az<");
}

TEST_CASE("readline keys: Ctrl-K, Ctrl-U, Ctrl-W", "[ui][input]") {
    InputLine in;
    in.insert("hello there world");
    in.kill_word();
    CHECK(in.text() == "hello there ");
    in.home();
    in.right();
    in.kill_to_end();
    CHECK(in.text() == "h");
    in.insert("ow are you");
    in.left();
    in.kill_to_start();
    CHECK(in.text() == "u");
    CHECK(in.cursor() == 0);
}

TEST_CASE("history walks what was sent and keeps the draft", "[ui][input]") {
    InputLine in;
    in.insert("first");
    CHECK(in.take() == "first");
    in.insert("second");
    in.take();
    in.insert("draft");
    in.history_up();
    CHECK(in.text() == "second");
    in.history_up();
    CHECK(in.text() == "first");
    in.history_up();
    CHECK(in.text() == "first");
    in.history_down();
    in.history_down();
    CHECK(in.text() == "draft");
    CHECK(in.take() == "draft");
    CHECK(in.empty());
}

TEST_CASE("the view scrolls to keep the cursor visible", "[ui][input]") {
    InputLine in;
    in.insert("0123456789abcdef");
    int col = 0;
    std::string v = in.view(10, col);
    CHECK(col <= 9);
    CHECK(v.find('f') != std::string::npos);
    in.home();
    v = in.view(10, col);
    CHECK(col == 0);
    CHECK(v == "0123456789");
}
