// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/utf8.h"

#include <catch2/catch.hpp>

using nlchat::is_valid_utf8;

TEST_CASE("valid UTF-8 is accepted", "[utf8]") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ASCII"));
    CHECK(is_valid_utf8("h\xc3\xa9llo \xe2\x80\x94 \xf0\x9f\x98\x8a"));  // é — 😊
    CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));                            // U+10FFFF
    CHECK(is_valid_utf8(std::string("a\0b", 3)));
}

TEST_CASE("invalid UTF-8 is refused", "[utf8]") {
    CHECK_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
    CHECK_FALSE(is_valid_utf8("\xc3"));              // truncated sequence
    CHECK_FALSE(is_valid_utf8("\xf0\x9f\x98"));      // truncated 4-byte sequence
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, 3 bytes
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xff"));
    CHECK_FALSE(is_valid_utf8("ok\xc3\x28"));  // bad continuation
}
