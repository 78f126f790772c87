// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/client_files.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "tests/core/test_keys.h"

using namespace nlchat;

TEST_CASE("UUIDs are random v4 and kept once made", "[client_files]") {
    std::string a = random_uuid(), b = random_uuid();
    CHECK(a != b);
    // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lower-case hex (as Python's uuid4 writes it)
    REQUIRE(a.size() == 36);
    for (size_t i = 0; i < a.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) CHECK(a[i] == '-');
        else CHECK(std::string("0123456789abcdef").find(a[i]) != std::string::npos);
    }
    CHECK(a[14] == '4');
    CHECK(std::string("89ab").find(a[19]) != std::string::npos);
    char tmpl[] = "/tmp/nlchat-files-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    std::string error;
    auto first = load_or_make_uuid(dir + "/uuid", error);
    REQUIRE(first);
    CHECK(load_or_make_uuid(dir + "/uuid", error) == first);
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("known servers: remembered, found, replaced", "[client_files]") {
    char tmpl[] = "/tmp/nlchat-files-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    std::string path = dir + "/known_servers", error;
    CHECK_FALSE(known_server_key(path, "127.0.0.1:7780"));
    REQUIRE(remember_server_key(path, "127.0.0.1:7780", test::key_2048().public_key(), error));
    REQUIRE(remember_server_key(path, "[::1]:7780", test::other_key_2048().public_key(), error));
    CHECK(*known_server_key(path, "127.0.0.1:7780") == test::key_2048().public_key());
    REQUIRE(remember_server_key(path, "127.0.0.1:7780", test::other_key_2048().public_key(), error));
    CHECK(*known_server_key(path, "127.0.0.1:7780") == test::other_key_2048().public_key());
    CHECK(*known_server_key(path, "[::1]:7780") == test::other_key_2048().public_key());
    std::system(("rm -rf '" + dir + "'").c_str());
}
