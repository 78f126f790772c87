// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/host_port.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("HOST:PORT forms are parsed", "[host_port]") {
    std::string error;
    auto a = parse_host_port("127.0.0.1:7780", error);
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 7780);
    auto b = parse_host_port("[::1]:0", error);
    REQUIRE(b);
    CHECK(b->host == "::1");
    CHECK(b->port == 0);
    CHECK(format_host_port(*b) == "[::1]:0");
    CHECK(format_host_port(*a) == "127.0.0.1:7780");
    CHECK(parse_host_port("localhost:65535", error)->port == 65535);
}

TEST_CASE("bad HOST:PORT forms are explained", "[host_port]") {
    std::string error;
    for (const char* bad : {"", "7780", ":7780", "host:", "host:65536", "host:-1", "host:7x", "::1:80", "[::1]80",
                            "[::1", "host:1234567"}) {
        INFO(bad);
        CHECK_FALSE(parse_host_port(bad, error));
        CHECK_FALSE(error.empty());
    }
    CHECK_FALSE(parse_host_port("::1:80", error));
    CHECK(error.find("[ADDR]:PORT") != std::string::npos);
}

TEST_CASE("peers are grouped by IPv4 address and by IPv6 /64", "[host]") {
    CHECK(address_group("127.0.0.5") == "127.0.0.5");
    CHECK(address_group("::ffff:10.1.2.3") == "10.1.2.3");
    CHECK(address_group("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64");
    CHECK(address_group("2001:db8:1:2::7") == address_group("2001:db8:1:2:ffff::1"));
    CHECK(address_group("2001:db8:1:3::7") != address_group("2001:db8:1:2::7"));
    CHECK(address_group("") == "");
}
