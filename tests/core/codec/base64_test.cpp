// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/base64.h"

#include <catch2/catch.hpp>

using nlchat::base64_decode;
using nlchat::base64_encode;

TEST_CASE("base64 encodes the RFC 4648 test vectors", "[base64]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("base64 decodes what it encodes, for every byte value", "[base64]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (size_t len = 0; len <= all.size(); len += 37) {
        auto back = base64_decode(base64_encode(all.substr(0, len)));
        REQUIRE(back);
        CHECK(*back == all.substr(0, len));
    }
}

TEST_CASE("base64 decoding is strict", "[base64]") {
    CHECK(base64_decode("Zm9vYmFy") == std::optional<std::string>("foobar"));
    CHECK_FALSE(base64_decode("Zm9vYg"));      // missing padding
    CHECK_FALSE(base64_decode("Zm9v\nYmFy"));  // whitespace
    CHECK_FALSE(base64_decode("Zm9vYmF-"));    // URL-safe alphabet
    CHECK_FALSE(base64_decode("Zg=a"));        // data after padding
    CHECK_FALSE(base64_decode("Zg==Zg=="));    // padding in the middle
    CHECK_FALSE(base64_decode("Zh=="));        // non-zero unused bits
    CHECK_FALSE(base64_decode("Zm9="));        // non-zero unused bits
    CHECK_FALSE(base64_decode("===="));
    CHECK_FALSE(base64_decode("A==="));
    CHECK(base64_decode("") == std::optional<std::string>(""));
}
