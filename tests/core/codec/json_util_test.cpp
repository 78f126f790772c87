// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/json_util.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("strict JSON reading accepts one object", "[json]") {
    std::string error;
    auto v = parse_json_object(R"({"a":[1,"x"],"b":{"c":null}})", error);
    REQUIRE(v);
    CHECK((*v)["a"][1].asString() == "x");
    auto raw = parse_json_object("{\"t\":\"h\xc3\xa9\"}", error);
    REQUIRE(raw);
    CHECK((*raw)["t"].asString() == "h\xc3\xa9");
}

TEST_CASE("strict JSON reading refuses everything else", "[json]") {
    std::string error;
    for (const char* bad : {"", "[1]", "5", "\"s\"", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":1,\"a\":2}", "{a:1}",
                            "{\"a\":1,}", "{'a':1}", "// c\n{}", "{\"a\":NaN}", "{\"a\":\"\xff\"}"}) {
        INFO(bad);
        CHECK_FALSE(parse_json_object(bad, error));
        CHECK_FALSE(error.empty());
    }
    CHECK_FALSE(parse_json_object(std::string(100, '[') + std::string(100, ']'), error));
    std::string deep = "{\"a\":" + std::string(500, '[') + std::string(500, ']') + "}";
    CHECK_FALSE(parse_json_object(deep, error));
}

TEST_CASE("written JSON is compact ASCII that Python would write", "[json]") {
    Json::Value v(Json::objectValue);
    v["t"] = "h\xc3\xa9 \xf0\x9f\x98\x8a";
    v["n"] = 12;
    std::string text = write_json(v);
    CHECK(text == R"({"n":12,"t":"h\u00e9 \ud83d\ude0a"})");
    std::string error;
    auto back = parse_json_object(text, error);
    REQUIRE(back);
    CHECK(*back == v);
}
