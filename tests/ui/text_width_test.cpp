// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/text_width.h"

#include <catch2/catch.hpp>

using namespace nlchat::ui;

TEST_CASE("display width counts columns, not bytes or code points", "[ui][width]") {
    CHECK(display_width("hello") == 5);
    CHECK(display_width("h\xc3\xa9llo") == 5);                         // é
    CHECK(display_width("e\xcc\x81") == 1);                            // e + combining acute
    CHECK(display_width("\xe6\x97\xa5\xe6\x9c\xac") == 4);             // 日本
    CHECK(display_width("\xf0\x9f\x98\x8a") == 2);                     // 😊
    CHECK(display_width("\xe2\x9d\xa4\xef\xb8\x8f") == 2);             // ❤️ (VS16)
    CHECK(graphemes("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd").size() == 1);  // 👍🏽 is one cluster
}

TEST_CASE("control characters and bad UTF-8 never reach the terminal", "[ui][width]") {
    auto gs = graphemes(
        "a\x1b[31mb\x07\xc2\x9b"
        "c\xff");
    std::string joined;
    for (const auto& g : gs) joined += g.text;
    CHECK(joined.find('\x1b') == std::string::npos);
    CHECK(joined.find('\x07') == std::string::npos);
    CHECK(joined.find("\xc2\x9b") == std::string::npos);
    CHECK(joined == "a?[31mb??c\xef\xbf\xbd");
}

TEST_CASE("wrapping breaks between words and inside long words", "[ui][width]") {
    CHECK(wrap("the quick brown fox", 10) == std::vector<std::string>{"the quick", "brown fox"});
    CHECK(wrap("abcdefghij", 4) == std::vector<std::string>{"abcd", "efgh", "ij"});
    CHECK(wrap("one\ntwo", 10) == std::vector<std::string>{"one", "two"});
    CHECK(wrap("", 10) == std::vector<std::string>{""});
    // Wide characters are never split across the edge.
    CHECK(wrap("\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5", 5) ==
          std::vector<std::string>{"\xe6\x97\xa5\xe6\x97\xa5", "\xe6\x97\xa5"});
    for (const auto& line : wrap("a \xf0\x9f\x98\x8a\xf0\x9f\x98\x8a\xf0\x9f\x98\x8a b c d e f", 5))
        CHECK(display_width(line) <= 5);
}

TEST_CASE("fit cuts to a width", "[ui][width]") {
    CHECK(fit("hello", 3) == "hel");
    CHECK(fit("\xe6\x97\xa5\xe6\x97\xa5", 3) == "\xe6\x97\xa5");
    CHECK(fit("hi", 10) == "hi");
}
