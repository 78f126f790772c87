// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/raw_packet.h"

#include <catch2/catch.hpp>
#include <set>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"
#include "tests/core/test_keys.h"

using namespace nlchat;

namespace {

const PrivateKey& key() { return test::key_2048(); }
const PublicKey& pub() { return test::key_2048().public_key(); }

// Builds a wrapper around blocks we choose, to reach each receiver check.
std::string wrap(const std::vector<std::string>& plain_blocks, const std::string& to = "alice",
                 const std::string& uuid = "u") {
    Json::Value w(Json::objectValue);
    w["messages"] = Json::Value(Json::arrayValue);
    for (const auto& b : plain_blocks) w["messages"].append(base64_encode(pub().encrypt_block(b)));
    w["UUID"] = uuid;
    w["to"] = to;
    return write_json(w);
}

std::string replace_first_block(const std::string& line, const std::string& new_b64) {
    std::string error;
    auto w = parse_json_object(line, error);
    REQUIRE(w);
    (*w)["messages"][0] = new_b64;
    return write_json(*w);
}

}  // namespace

TEST_CASE("seal and open round-trip a one-block command", "[packet]") {
    std::string inner = R"({"type":"probe","UUID":"abc"})";
    std::string line = seal(inner, pub(), "abc", Role::Bob);
    CHECK(line.find('\n') == std::string::npos);
    std::string error;
    auto w = parse_json_object(line, error);
    REQUIRE(w);
    CHECK((*w)["to"].asString() == "bob");
    CHECK((*w)["UUID"].asString() == "abc");
    REQUIRE((*w)["messages"].size() == 1);
    CHECK((*w)["messages"][0].asString().size() == 344);  // 256 bytes in padded base64
    OpenResult r = open(line, key(), Role::Bob);
    REQUIRE(r.packet);
    CHECK(r.packet->uuid == "abc");
    CHECK(r.packet->json == inner);
    CHECK(r.packet->inner["type"].asString() == "probe");
}

TEST_CASE("blocks are cut by bytes, even inside a UTF-8 character", "[packet]") {
    // Put the 4-byte emoji at bytes 212..215 so the first block boundary (214) cuts it.
    std::string prefix = R"({"type":"msg","msg":[")";
    std::string filler(212 - prefix.size(), 'a');
    std::string inner =
        prefix + filler + "\xf0\x9f\x98\x8a" + std::string(300, 'b') + "\xe2\x80\x94" + R"("],"I/O":"out","UUID":"u"})";
    std::string line = seal(inner, pub(), "u", Role::Alice);
    std::string error;
    auto w = parse_json_object(line, error);
    REQUIRE(w);
    CHECK((*w)["messages"].size() == (inner.size() + 213) / 214);
    OpenResult r = open(line, key(), Role::Alice);
    REQUIRE(r.packet);
    CHECK(r.packet->json == inner);
    CHECK(r.packet->inner["msg"][0].asString() == filler + "\xf0\x9f\x98\x8a" + std::string(300, 'b') + "\xe2\x80\x94");
}

TEST_CASE("an exact multiple of the block size makes no empty block", "[packet]") {
    std::string inner = R"({"x":")" + std::string(428 - 8, 'z') + R"("})";
    REQUIRE(inner.size() == 428);
    std::string line = seal(inner, pub(), "u", Role::Alice);
    std::string error;
    CHECK((*parse_json_object(line, error))["messages"].size() == 2);
    CHECK(open(line, key(), Role::Alice).packet);
}

TEST_CASE("4096-bit keys use 470-byte blocks", "[packet]") {
    const PrivateKey& big = test::key_4096();
    std::string inner = R"({"x":")" + std::string(900, 'q') + R"("})";
    std::string line = seal(inner, big.public_key(), "u", Role::Bob);
    std::string error;
    auto w = parse_json_object(line, error);
    CHECK((*w)["messages"].size() == 2);
    CHECK((*w)["messages"][0].asString().size() == 684);  // 512 bytes in base64
    OpenResult r = open(line, big, Role::Bob);
    REQUIRE(r.packet);
    CHECK(r.packet->json == inner);
}

TEST_CASE("every receiver check fails with no packet and its own detail", "[packet]") {
    std::string good = seal(R"({"type":"probe"})", pub(), "u", Role::Alice);
    std::string good_b64 = base64_encode(pub().encrypt_block("x"));
    std::string full(214, 'a');
    OpenLimits small;
    small.max_blocks = 2;

    struct Case {
        const char* what;
        std::string line;
        OpenLimits limits;
    };
    std::vector<Case> cases = {
        {"not JSON", "garbage", {}},
        {"invalid UTF-8", "{\"messages\":[],\"UUID\":\"\xff\",\"to\":\"alice\"}", {}},
        {"not an object", "[1,2]", {}},
        {"no messages", R"({"UUID":"u","to":"alice"})", {}},
        {"messages not a list", R"({"messages":"abc","UUID":"u","to":"alice"})", {}},
        {"UUID not a string", R"({"messages":[],"UUID":5,"to":"alice"})", {}},
        {"no to", R"({"messages":[],"UUID":"u"})", {}},
        {"to the other role", seal(R"({"type":"probe"})", pub(), "u", Role::Bob), {}},
        {"UUID too long", wrap({"{}"}, "alice", std::string(200, 'u')), {}},
        {"no blocks", R"({"messages":[],"UUID":"u","to":"alice"})", {}},
        {"too many blocks", wrap({full, full, "{}"}), small},
        {"block not a string", R"({"messages":[5],"UUID":"u","to":"alice"})", {}},
        {"block not base64", replace_first_block(good, "!!!!"), {}},
        {"block base64 without padding", replace_first_block(good, good_b64.substr(0, good_b64.size() - 2)), {}},
        {"block of 255 bytes", replace_first_block(good, base64_encode(std::string(255, '\x01'))), {}},
        {"block not below the modulus", replace_first_block(good, base64_encode(std::string(256, '\xff'))), {}},
        {"block for another key",
         replace_first_block(good, base64_encode(test::other_key_2048().public_key().encrypt_block("{}"))),
         {}},
        {"short block before the last", wrap({"{\"a\":", "1}"}), {}},
        {"joined bytes not UTF-8", wrap({"{\"a\":\"\xc3\x28\"}"}), {}},
        {"inner not JSON", wrap({"not json"}), {}},
        {"inner not an object", wrap({"[1]"}), {}},
    };
    std::set<std::string> details;
    for (const Case& c : cases) {
        INFO(c.what);
        OpenResult r = open(c.line, key(), Role::Alice, c.limits);
        CHECK_FALSE(r.packet);
        CHECK_FALSE(r.detail.empty());
        details.insert(r.detail);
    }
    // The checks are distinct (each case is caught where it should be), yet the caller
    // sees one outcome: no packet, and only kOpenFailed is ever shown to a peer.
    CHECK(details.size() >= 10);
    CHECK(open(good, key(), Role::Alice).packet);
}

TEST_CASE("a block cap of N admits N blocks", "[packet]") {
    std::string full(214, 'a');
    OpenLimits limits;
    limits.max_blocks = 3;
    std::string inner = R"({"x":")" + std::string(600, 'k') + R"("})";
    std::string line = seal(inner, pub(), "u", Role::Alice);
    CHECK(open(line, key(), Role::Alice, limits).packet);
    limits.max_blocks = 2;
    CHECK_FALSE(open(line, key(), Role::Alice, limits).packet);
}

TEST_CASE("role names", "[packet]") {
    CHECK(std::string(role_name(Role::Alice)) == "alice");
    CHECK(role_from_name("bob") == Role::Bob);
    CHECK_FALSE(role_from_name("carol"));
}

TEST_CASE("the wrapper escapes the UUID it carries", "[packet]") {
    std::string uuid = "a\"b\\c\xc3\xa9";
    std::string line = seal(R"({"type":"probe"})", pub(), uuid, Role::Alice);
    OpenResult r = open(line, key(), Role::Alice);
    REQUIRE(r.packet);
    CHECK(r.packet->uuid == uuid);
}
