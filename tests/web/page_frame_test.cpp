// SPDX-License-Identifier: GPL-3.0-or-later
#include "web/page_frame.h"

#include <catch2/catch.hpp>

#include "core/codec/json_util.h"

using namespace nlchat;

namespace {
ParsedPageFrame read(const char* text) {
    std::string error;
    auto v = parse_json_object(text, error);
    REQUIRE(v);
    return parse_page_frame(*v);
}
}  // namespace

TEST_CASE("the page's frames are read through one table, strictly", "[web][frame]") {
    // What chat.js sends, a new page's null token included.
    ParsedPageFrame hello = read(R"({"t":"hello","token":null,"seen":0,"resume":false})");
    REQUIRE(hello.kind == ParsedPageFrame::Kind::Ok);
    CHECK_FALSE(std::get<PageHello>(*hello.value).token);
    ParsedPageFrame back = read(R"({"t":"hello","token":"ab12","seen":7,"resume":true})");
    REQUIRE(back.kind == ParsedPageFrame::Kind::Ok);
    const auto& h = std::get<PageHello>(*back.value);
    CHECK(h.token == std::optional<std::string>("ab12"));
    CHECK(h.seen == 7);
    CHECK(h.resume);
    CHECK(std::get<PageHello>(*read(R"({"t":"hello"})").value).seen == 0);

    ParsedPageFrame msg = read(R"({"t":"msg","id":3,"text":"hi 👋"})");
    REQUIRE(msg.kind == ParsedPageFrame::Kind::Ok);
    CHECK(std::get<PageMsg>(*msg.value).id == 3);
    CHECK(std::get<PageMsg>(*msg.value).text == "hi 👋");
    CHECK(std::holds_alternative<PageEnd>(*read(R"({"t":"end"})").value));
    CHECK(std::get<PageState>(*read(R"({"t":"state","state":"composing"})").value).state == "composing");

    struct Bad {
        const char* frame;
        const char* error;
    };
    for (const Bad& bad :
         {Bad{R"({"t":"msg","text":"no id"})", "msg: missing field \"id\""},
          Bad{R"({"t":"msg","id":"x","text":"a"})", "field \"id\" is not an integer"},
          Bad{R"({"t":"msg","id":1,"text":null})", "field \"text\" is not a UTF-8 string"},
          Bad{R"({"t":"hello","resume":"yes"})", "field \"resume\" is not true or false"},
          Bad{R"({"t":"state"})", "missing field \"state\""}, Bad{R"({"type":"msg"})", "no \"t\" string"}}) {
        INFO(bad.frame);
        ParsedPageFrame p = read(bad.frame);
        CHECK(p.kind == ParsedPageFrame::Kind::Invalid);
        CHECK_THAT(p.error, Catch::Contains(bad.error));
    }
    CHECK(read(R"({"t":"dance"})").kind == ParsedPageFrame::Kind::Unknown);
}

TEST_CASE("what nlchat-web sends the page has the shapes chat.js reads, and reads back", "[web][frame]") {
    CHECK(write_json(page_json(PageEvent{"you", "hi", 4, 9})) ==
          R"({"id":4,"kind":"you","seq":9,"t":"ev","text":"hi"})");
    CHECK(write_json(page_json(PageEvent{"listener", "hello", std::nullopt, 10})) ==
          R"({"kind":"listener","seq":10,"t":"ev","text":"hello"})");
    CHECK(write_json(page_json(PageTyping{true})) == R"({"on":true,"t":"typing"})");
    CHECK(write_json(page_json(PageNotSent{5, "too long"})) == R"({"id":5,"t":"not_sent","text":"too long"})");
    CHECK(write_json(page_json(PageGone{"gone"})) == R"({"t":"gone","text":"gone"})");
    ServerFrame welcome = PageWelcome{"tok", true, "notice", 40, 3, false, true};
    CHECK(
        write_json(page_json(welcome)) ==
        R"({"ended":false,"last_id":3,"max_chars":40,"notice":"notice","resumed":true,"service_up":true,"t":"welcome",)"
        R"("token":"tok"})");
    auto again = parse_server_frame(page_json(welcome));
    REQUIRE(again.kind == Typed<ServerFrame>::Kind::Ok);
    CHECK(page_json(*again.value) == page_json(welcome));
}
