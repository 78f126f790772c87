// SPDX-License-Identifier: GPL-3.0-or-later
// The web session table with a fake clock: hello and resume, transcripts replayed once
// and in order, limits and their polite refusals, grace, bus lines to and from nlchatd.
#include "web/web_sessions.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "core/codec/bus_line.h"
#include "core/codec/json_util.h"
#include "core/dispatch/dispatch_config.h"

using namespace nlchat;

namespace {

struct Recorder : WebSessions::Effects {
    std::map<WebSessions::ConnId, std::vector<Json::Value>> frames;
    std::vector<WebSessions::ConnId> closed;
    std::vector<Json::Value> bus_lines;
    bool bus_ok = true;
    int counter = 0;

    void send(WebSessions::ConnId c, const std::string& frame) override {
        std::string error;
        auto v = parse_json_object(frame, error);
        REQUIRE(v);
        frames[c].push_back(*v);
    }
    void close(WebSessions::ConnId c, const std::string&) override { closed.push_back(c); }
    bool bus(const BusLine& line) override {
        if (bus_ok) bus_lines.push_back(bus_json(line));
        return bus_ok;
    }
    std::string random_hex(std::size_t bytes) override {
        std::string s = std::to_string(++counter);
        return std::string(bytes * 2 - s.size(), '0') + s;
    }
    void log(LogLevel, const std::string&) override {}

    // Frames of type t sent to c.
    std::vector<Json::Value> of(WebSessions::ConnId c, const std::string& t) {
        std::vector<Json::Value> out;
        for (const auto& f : frames[c])
            if (f["t"].asString() == t) out.push_back(f);
        return out;
    }
};

std::string hello(const std::string& token = "", std::uint64_t seen = 0) {
    Json::Value v(Json::objectValue);
    v["t"] = "hello";
    if (!token.empty()) v["token"] = token;
    else v["token"] = Json::Value();
    v["seen"] = Json::UInt64(seen);
    return write_json(v);
}

std::string msg(std::int64_t id, const std::string& text) {
    Json::Value v(Json::objectValue);
    v["t"] = "msg";
    v["id"] = Json::Int64(id);
    v["text"] = text;
    return write_json(v);
}

Json::Value out_msg(const std::string& address, const std::string& text) {
    Json::Value v(Json::objectValue);
    v["type"] = "msg";
    v["address"] = address;
    v["msg"].append(text);
    v["I/O"] = "out";
    return v;
}

struct Fixture {
    WebConfig config;
    Recorder rec;
    std::unique_ptr<WebSessions> web;
    double now = 100;

    Fixture() {
        config.grace = 30;
        config.messages_per_minute = 3;
        config.max_message_chars = 10;
        config.sessions_per_source = 2;
        config.max_sessions = 3;
        web = std::make_unique<WebSessions>(config, rec);
    }
    // Opens connection c from `source` and says hello; returns the welcome.
    Json::Value open(WebSessions::ConnId c, const std::string& token = "", std::uint64_t seen = 0,
                     const std::string& source = "s1") {
        web->opened(c, source, now);
        web->frame(c, hello(token, seen), now);
        auto w = rec.of(c, "welcome");
        return w.empty() ? Json::Value() : w.back();
    }
    std::string address_of_last_msg() { return rec.bus_lines.back()["address"].asString(); }
};

}  // namespace

// A line from nlchatd as the bus link hands it over: read by the codec first.
static void feed(WebSessions& web, const Json::Value& line) {
    ParsedBusLine parsed = parse_bus_line(line);
    REQUIRE(parsed.value);
    web.bus_line(*parsed.value);
}

TEST_CASE("a first message goes to the bus from a random address and is echoed", "[web]") {
    Fixture f;
    auto w = f.open(1);
    CHECK(w["resumed"].asBool() == false);
    CHECK(w["notice"].asString() == f.config.notice);
    f.web->frame(1, msg(1, "hello"), f.now);
    REQUIRE(f.rec.bus_lines.size() == 1);
    CHECK(f.rec.bus_lines[0]["type"] == "msg");
    CHECK(f.rec.bus_lines[0]["I/O"] == "in");
    CHECK(f.rec.bus_lines[0]["msg"][0] == "hello");
    CHECK(f.address_of_last_msg().rfind("web-", 0) == 0);
    CHECK(f.address_of_last_msg() != w["token"].asString());
    auto ev = f.rec.of(1, "ev");
    REQUIRE(ev.size() == 1);
    CHECK(ev[0]["kind"] == "you");
    CHECK(ev[0]["seq"] == 1);
}

TEST_CASE("server replies and listener words are told apart; typing shows and clears", "[web]") {
    Fixture f;
    f.open(1);
    f.web->frame(1, msg(1, "hi"), f.now);
    std::string a = f.address_of_last_msg();
    Json::Value ringing = out_msg(a, DispatchConfig().text_ringing);
    ringing["origin"] = "server";  // nlchatd marks its own replies
    feed(*f.web, ringing);
    Json::Value typing(Json::objectValue);
    typing["type"] = "chat_state";
    typing["address"] = a;
    typing["state"] = "composing";
    feed(*f.web, typing);
    feed(*f.web, out_msg(a, "I'm listening"));
    auto ev = f.rec.of(1, "ev");
    REQUIRE(ev.size() == 3);
    CHECK(ev[1]["kind"] == "service");
    CHECK(ev[2]["kind"] == "listener");
    auto t = f.rec.of(1, "typing");
    REQUIRE(t.size() == 1);
    CHECK(t[0]["on"].asBool());
    // The mark, not the text, decides: a listener who types the ringing text is the listener.
    feed(*f.web, out_msg(a, DispatchConfig().text_ringing));
    ev = f.rec.of(1, "ev");
    REQUIRE(ev.size() == 4);
    CHECK(ev[3]["kind"] == "listener");
}

TEST_CASE("a reconnect gets what it lacks, a reload everything, once and in order", "[web]") {
    Fixture f;
    std::string token = f.open(1)["token"].asString();
    f.web->frame(1, msg(1, "hi"), f.now);
    std::string a = f.address_of_last_msg();
    f.web->closed(1, f.now);
    for (const char* text : {"one", "two", "three"}) feed(*f.web, out_msg(a, text));
    auto w = f.open(2, token, 1);
    CHECK(w["resumed"].asBool());
    auto ev = f.rec.of(2, "ev");
    REQUIRE(ev.size() == 3);
    CHECK(ev[0]["text"] == "one");
    CHECK(ev[2]["text"] == "three");
    CHECK(ev[2]["seq"] == 4);
    // A third window takes over; the second is told and closed.
    f.open(3, token, 0);
    CHECK(f.rec.of(2, "moved").size() == 1);
    CHECK(std::count(f.rec.closed.begin(), f.rec.closed.end(), 2) == 1);
    CHECK(f.rec.of(3, "ev").size() == 4);
    // A message the server already took, sent again after a reload, is not sent twice.
    f.web->frame(3, msg(1, "hi"), f.now);
    CHECK(f.rec.bus_lines.size() == 1);
}

TEST_CASE("the grace period ends a chat whose page stays away, and only then", "[web]") {
    Fixture f;
    std::string token = f.open(1)["token"].asString();
    f.web->frame(1, msg(1, "hi"), f.now);
    std::string a = f.address_of_last_msg();
    f.web->closed(1, f.now);
    f.web->tick(f.now + 29);
    CHECK(f.web->sessions() == 1);
    f.web->tick(f.now + 30);
    CHECK(f.web->sessions() == 0);
    CHECK(f.rec.bus_lines.back() == bus_disassociate(a));
    // Later lines for that address make sure nlchatd lets go too.
    f.rec.bus_lines.clear();
    feed(*f.web, out_msg(a, "hello?"));
    REQUIRE(f.rec.bus_lines.size() == 1);
    CHECK(f.rec.bus_lines[0]["type"] == "disassociate");
    // The old token now starts a new chat.
    f.now += 40;
    auto w = f.open(2, token);
    CHECK_FALSE(w["resumed"].asBool());
    CHECK(w["token"].asString() != token);
}

TEST_CASE("limits refuse politely: length, rate, sessions per address and in all", "[web]") {
    Fixture f;
    f.open(1);
    f.web->frame(1, msg(1, "ééééééééééé"), f.now);  // 11 characters
    auto ns = f.rec.of(1, "not_sent");
    REQUIRE(ns.size() == 1);
    CHECK(ns[0]["text"].asString().find("10 characters") != std::string::npos);
    f.web->frame(1, msg(2, "éééééééééé"), f.now);  // 10: fine
    f.web->frame(1, msg(3, "b"), f.now + 1);
    f.web->frame(1, msg(4, "c"), f.now + 2);
    f.web->frame(1, msg(5, "d"), f.now + 3);
    CHECK(f.rec.of(1, "not_sent").size() == 2);
    CHECK(f.rec.bus_lines.size() == 3);
    f.web->frame(1, msg(6, "e"), f.now + 61);  // the first has left the minute
    CHECK(f.rec.bus_lines.size() == 4);

    // A chat takes its address's slot when it starts, not when its page opens.
    f.open(2);  // a second session from s1: it may open...
    f.open(3);  // ...and so may a third (max_sessions is 3 in all)
    CHECK(f.rec.of(3, "refused").empty());
    f.web->frame(2, msg(1, "second"), f.now + 61);  // the second chat from s1 starts
    CHECK(f.rec.of(2, "not_sent").empty());
    f.web->frame(3, msg(1, "third"), f.now + 61);  // the third is refused, kept unsent
    REQUIRE(f.rec.of(3, "not_sent").size() == 1);
    CHECK(f.rec.of(3, "not_sent")[0]["text"] == f.config.text_too_many_here);
    // The slot comes back as soon as a chat ends.
    f.web->frame(2, R"({"t":"end"})", f.now + 61);
    f.web->frame(3, msg(2, "third"), f.now + 61);
    CHECK(f.rec.of(3, "ev").back()["kind"] == "you");
    f.open(4, "", 0, "s2");  // a fourth page in all
    f.open(5, "", 0, "s3");  // over max_sessions
    REQUIRE(f.rec.of(4, "refused").size() == 1);
    CHECK(f.rec.of(4, "refused")[0]["text"] == f.config.text_busy);
}

TEST_CASE("bad frames close the connection; states are filtered; end disassociates", "[web]") {
    Fixture f;
    f.web->opened(1, "s1", f.now);
    f.web->frame(1, R"({"t":"msg","id":1,"text":"no hello"})", f.now);
    CHECK(f.rec.closed == std::vector<WebSessions::ConnId>{1});
    f.open(2);
    f.web->frame(2, "not json", f.now);
    CHECK(f.rec.closed.back() == 2);
    f.open(3, "", 0, "s2");
    f.web->frame(3, R"({"t":"state","state":"composing"})", f.now);
    CHECK(f.rec.bus_lines.empty());  // no chat yet: nothing to tell
    f.web->frame(3, msg(1, "hi"), f.now);
    f.web->frame(3, R"({"t":"state","state":"composing"})", f.now);
    f.web->frame(3, R"({"t":"state","state":"composing"})", f.now);  // repeated: dropped
    f.web->frame(3, R"({"t":"state","state":"gone"})", f.now);       // not the page's to say
    REQUIRE(f.rec.bus_lines.size() == 2);
    CHECK(f.rec.bus_lines[1]["state"] == "composing");
    f.web->frame(3, R"({"t":"end"})", f.now);
    CHECK(f.rec.bus_lines.back()["type"] == "disassociate");
    CHECK(f.rec.of(3, "ev").back()["kind"] == "ended");
}

TEST_CASE("a silent connection is closed; shutdown ends every open chat", "[web]") {
    Fixture f;
    f.web->opened(1, "s1", f.now);
    f.web->tick(f.now + f.config.hello_timeout);
    CHECK(f.rec.closed == std::vector<WebSessions::ConnId>{1});
    f.open(2);
    f.web->frame(2, msg(1, "hi"), f.now);
    f.open(3, "", 0, "s2");  // no chat started: nothing to end on the bus
    f.web->shutdown();
    CHECK(f.web->sessions() == 0);
    CHECK(f.rec.bus_lines.size() == 2);
    CHECK(f.rec.bus_lines.back()["type"] == "disassociate");
}

TEST_CASE("a message the bus cannot hold is refused, not lost silently", "[web]") {
    Fixture f;
    f.open(1);
    f.rec.bus_ok = false;
    f.web->frame(1, msg(1, "hi"), f.now);
    REQUIRE(f.rec.of(1, "not_sent").size() == 1);
    CHECK(f.rec.of(1, "ev").empty());
    f.rec.bus_ok = true;
    f.web->frame(1, msg(1, "hi"), f.now);  // the same id, sent again, now goes
    CHECK(f.rec.bus_lines.size() == 1);
}

TEST_CASE("an ended chat is forgotten as soon as its page leaves", "[web]") {
    Fixture f;
    f.open(1);
    f.web->frame(1, msg(1, "hi"), f.now);
    f.web->frame(1, R"({"t":"end"})", f.now);
    CHECK(f.web->sessions() == 1);  // the page still shows the ended chat
    f.web->closed(1, f.now);
    CHECK(f.web->sessions() == 0);  // gone with the page, not after the grace period
    // Its slot for the address is free again.
    f.open(2, "", 0, "s1");
    f.open(3, "", 0, "s1");
    CHECK(f.rec.of(3, "refused").empty());
    // A chat the listener ended while its page was away is kept for the grace period, so
    // that a page coming back can still say how it ended.
    f.web->frame(2, msg(1, "hi"), f.now);
    std::string a = f.address_of_last_msg();
    f.web->closed(2, f.now);
    Json::Value end(Json::objectValue);
    end["type"] = "disassociate";
    end["address"] = a;
    feed(*f.web, end);
    CHECK(f.web->sessions() == 2);
    f.web->tick(f.now + 30);
    CHECK(f.web->sessions() == 1);
}

TEST_CASE("a page coming back to a chat that no longer exists is told so, and nothing starts", "[web]") {
    Fixture f;
    f.web->opened(1, "s1", f.now);
    f.web->frame(1, R"({"t":"hello","token":"0123456789abcdef0123456789abcdef","seen":7,"resume":true})", f.now);
    auto gone = f.rec.of(1, "gone");
    REQUIRE(gone.size() == 1);
    CHECK(gone[0]["text"] == f.config.text_gone);
    CHECK(f.rec.closed == std::vector<WebSessions::ConnId>{1});
    CHECK(f.web->sessions() == 0);
    // Without "resume" (a first visit, or "Start a new chat") a new chat opens as before.
    CHECK(f.open(2)["resumed"] == false);
    CHECK(f.web->sessions() == 1);
}

TEST_CASE("a chat nlchatd ends after a reply of its own is not said to be the listener's doing", "[web]") {
    Fixture f;
    f.open(1);
    f.web->frame(1, msg(1, "hi"), f.now);
    std::string a = f.address_of_last_msg();
    Json::Value gone = out_msg(a, "Sorry, the listener has unexpectedly gone offline.");
    gone["origin"] = "server";
    feed(*f.web, gone);
    Json::Value end(Json::objectValue);
    end["type"] = "disassociate";
    end["address"] = a;
    feed(*f.web, end);
    auto ev = f.rec.of(1, "ev");
    CHECK(ev.back()["kind"] == "ended");
    CHECK(ev.back()["text"] == f.config.text_ended_by_server);
    // When the listener's own words came last, it was the listener who ended it.
    f.open(2, "", 0, "s2");
    f.web->frame(2, msg(1, "hi"), f.now);
    std::string b = f.address_of_last_msg();
    feed(*f.web, out_msg(b, "take care"));
    end["address"] = b;
    feed(*f.web, end);
    CHECK(f.rec.of(2, "ev").back()["text"] == f.config.text_ended_by_listener);
}

TEST_CASE("a caller's message shows delivered once nlchatd acknowledges it, also after a reload", "[web][acks]") {
    Fixture f;
    f.web->bus_state(true);
    std::string token = f.open(1)["token"].asString();
    f.web->frame(1, msg(1, "first"), f.now);
    f.web->frame(1, msg(2, "second"), f.now);
    REQUIRE(f.rec.bus_lines.size() == 2);
    std::string id1 = f.rec.bus_lines[0]["id"].asString(), id2 = f.rec.bus_lines[1]["id"].asString();
    CHECK_FALSE(id1.empty());
    CHECK(id1 != id2);
    CHECK(f.rec.of(1, "delivered").empty());  // accepted by nlchat-web is not yet delivered
    Json::Value ack(Json::objectValue);
    ack["type"] = "ack";
    ack["id"] = id2;
    feed(*f.web, ack);
    feed(*f.web, ack);  // an ack twice says it once
    ack["id"] = "someone-else's";
    feed(*f.web, ack);
    auto delivered = f.rec.of(1, "delivered");
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0]["id"] == 2);
    // A reload learns which of its messages were delivered.
    f.open(2, token);
    delivered = f.rec.of(2, "delivered");
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0]["id"] == 2);
}

TEST_CASE("pages are told when nlchatd is away and when it is back", "[web][acks]") {
    Fixture f;
    auto w = f.open(1);
    CHECK_FALSE(w["service_up"].asBool());  // nlchat-web has not reached nlchatd yet
    REQUIRE(f.rec.of(1, "service").size() == 1);
    f.web->bus_state(true);
    f.web->bus_state(true);  // no change, nothing said
    auto service = f.rec.of(1, "service");
    REQUIRE(service.size() == 2);
    CHECK(service[1]["up"].asBool());
    CHECK(service[1]["text"] == f.config.text_service_back);
    f.web->bus_state(false);
    service = f.rec.of(1, "service");
    REQUIRE(service.size() == 3);
    CHECK_FALSE(service[2]["up"].asBool());
    CHECK(service[2]["text"] == f.config.text_service_away);
    CHECK(f.open(2)["service_up"] == false);
}
