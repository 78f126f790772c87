#include "client/client_files.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <regex>

#include "tests/core/test_keys.h"

using namespace nlchat;

TEST_CASE("UUIDs are random v4 and kept once made", "[client_files]") {
    std::string a = random_uuid(), b = random_uuid();
    CHECK(a != b);
    CHECK(std::regex_match(a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
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
