// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/der.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("DER lengths use the short and long forms minimally", "[der]") {
    CHECK(der::tlv(der::kNull, "") == std::string("\x05\x00", 2));
    CHECK(der::tlv(der::kOctetString, std::string(127, 'x')).substr(0, 2) == "\x04\x7f");
    CHECK(der::tlv(der::kOctetString, std::string(128, 'x')).substr(0, 3) == "\x04\x81\x80");
    CHECK(der::tlv(der::kOctetString, std::string(256, 'x')).substr(0, 4) == std::string("\x04\x82\x01\x00", 4));
}

TEST_CASE("the DER reader walks what the writer wrote", "[der]") {
    std::string data = der::tlv(der::kInteger, "\x01") + der::tlv(der::kOctetString, std::string(300, 'y'));
    der::Reader r(data);
    std::string_view c;
    CHECK_FALSE(r.read(der::kSequence, c));  // wrong tag consumes nothing
    REQUIRE(r.read(der::kInteger, c));
    CHECK(c == "\x01");
    REQUIRE(r.read(der::kOctetString, c));
    CHECK(c.size() == 300);
    CHECK(r.at_end());
}

TEST_CASE("the DER reader refuses truncated and hostile lengths", "[der]") {
    std::string_view c;
    uint8_t tag;
    for (std::string bad : {std::string("\x30", 1), std::string("\x30\x05\x00", 3), std::string("\x30\x80\x00\x00", 4),
                            std::string("\x30\x85\x01\x00\x00\x00\x00", 7), std::string("\x30\x84\xff\xff\xff\xff", 6),
                            std::string("\x1f\x01\x00", 3)}) {
        der::Reader r(bad);
        CHECK_FALSE(r.read_any(tag, c));
    }
}
