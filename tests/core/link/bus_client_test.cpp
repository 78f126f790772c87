// SPDX-License-Identifier: GPL-3.0-or-later
// The service's end of the bus (core/link/bus_client.h) with a fake clock and a fake link.
#include "core/link/bus_client.h"

#include <catch2/catch.hpp>

#include "core/codec/json_util.h"

namespace nlchat {
namespace {

struct FakeBus : BusClientEffects {
    bool up = true;
    std::vector<Json::Value> written;
    std::vector<BusLine> handed;
    std::vector<std::string> notes;
    bool write(const std::string& line) override {
        if (!up) return false;
        std::string error;
        auto v = parse_json_object(line, error);
        REQUIRE(v);
        written.push_back(*v);
        return true;
    }
    void line(const BusLine& l) override { handed.push_back(l); }
    void note(const std::string& text) override { notes.push_back(text); }
    std::vector<std::string> types() const {
        std::vector<std::string> out;
        for (const auto& w : written) out.push_back(w["type"].asString());
        return out;
    }
    std::vector<std::string> msg_ids() const {
        std::vector<std::string> out;
        for (const auto& w : written)
            if (w["type"] == "msg") out.push_back(w["id"].asString());
        return out;
    }
};

Now at(double t) { return Now{t, 1.7e9 + t}; }

BusMsg msg(const std::string& address, const std::string& text, const std::string& id) {
    return BusMsg{address, {text}, Direction::In, std::nullopt, id};
}

std::string line(const BusLine& l) { return write_json(bus_json(l)); }

}  // namespace

TEST_CASE("the service introduces itself and waits for the welcome before writing", "[bus_client]") {
    FakeBus fake;
    BusClient bus("Web", true, 100, fake);
    bus.link_up(at(0));
    CHECK(fake.types() == std::vector<std::string>{"service_online", "status"});
    CHECK(fake.written[0]["acks"] == true);
    REQUIRE(bus.send(msg("a", "hello", "id-1")));
    CHECK(fake.written.size() == 2);  // held until nlchatd says whether it acknowledges
    CHECK(bus.next_deadline() == Approx(BusClient::kWelcomeWait));
    bus.received(line(BusWelcome{true}), at(0.1));
    CHECK(fake.msg_ids() == std::vector<std::string>{"id-1"});
    CHECK(bus.acks());
    CHECK(bus.queued() == 1);  // kept until acknowledged
    bus.received(line(BusAck{"id-1"}), at(0.2));
    CHECK(bus.queued() == 0);
    REQUIRE(fake.handed.size() == 1);  // the ack goes on to the service (it says "taken")
    CHECK(std::holds_alternative<BusAck>(fake.handed[0]));
}

TEST_CASE("without a welcome the service goes on best effort after a second", "[bus_client]") {
    FakeBus fake;
    BusClient bus("Web", true, 100, fake);
    bus.link_up(at(0));
    REQUIRE(bus.send(msg("a", "hello", "id-1")));
    bus.tick(at(0.9));
    CHECK(fake.msg_ids().empty());
    bus.tick(at(1.0));
    CHECK(fake.msg_ids() == std::vector<std::string>{"id-1"});
    CHECK(bus.queued() == 0);  // written is all an older nlchatd gives
    CHECK_FALSE(bus.next_deadline());
    REQUIRE(fake.notes.size() == 1);
    CHECK(fake.notes[0].find("best effort") != std::string::npos);
}

TEST_CASE("what is not acknowledged goes again, in order, on the next link", "[bus_client]") {
    FakeBus fake;
    BusClient bus("Web", true, 100, fake);
    bus.link_up(at(0));
    bus.received(line(BusWelcome{true}), at(0));
    for (int i = 1; i <= 3; ++i) REQUIRE(bus.send(msg("a", "t" + std::to_string(i), "id-" + std::to_string(i))));
    bus.received(line(BusAck{"id-1"}), at(0.1));
    // The link breaks; a line written meanwhile waits.
    fake.up = false;
    bus.link_down();
    REQUIRE(bus.send(msg("a", "t4", "id-4")));
    REQUIRE(bus.send(BusChatState{"a", "composing", Direction::In}));
    CHECK(bus.queued() == 4);
    fake.up = true;
    fake.written.clear();
    bus.link_up(at(5));
    bus.received(line(BusWelcome{true}), at(5));
    CHECK(fake.msg_ids() == std::vector<std::string>{"id-2", "id-3", "id-4"});
    CHECK(fake.types().back() == "chat_state");
    CHECK(bus.queued() == 3);  // the chat state left once written; the msgs wait for acks
}

TEST_CASE("a write that fails takes the link down and keeps the line", "[bus_client]") {
    FakeBus fake;
    BusClient bus("Web", true, 100, fake);
    bus.link_up(at(0));
    bus.received(line(BusWelcome{true}), at(0));
    fake.up = false;  // the socket closed under us; the wiring has not said so yet
    REQUIRE(bus.send(msg("a", "t1", "id-1")));
    CHECK_FALSE(bus.up());
    CHECK(bus.queued() == 1);
}

TEST_CASE("nlchatd's msgs are handed on once and acknowledged every time", "[bus_client]") {
    FakeBus fake;
    BusClient bus("Web", true, 100, fake);
    bus.link_up(at(0));
    bus.received(line(BusWelcome{true}), at(0));
    fake.written.clear();
    const std::string out = line(BusMsg{"a", {"hi"}, Direction::Out, std::nullopt, std::string("s-1")});
    bus.received(out, at(1));
    bus.received(out, at(2));  // resent after a reconnect of nlchatd's
    CHECK(fake.handed.size() == 1);
    CHECK(fake.types() == std::vector<std::string>{"ack", "ack"});
    // A probe is the link's own business: answered, not handed on.
    bus.received(line(BusProbe{}), at(3));
    CHECK(fake.types().back() == "probeACK");
    CHECK(fake.handed.size() == 1);
    // What is not JSON, or not a line the codec reads, is ignored.
    bus.received("not json", at(4));
    bus.received("{\"type\":\"msg\"}", at(4));
    CHECK(fake.handed.size() == 1);
}

TEST_CASE("a full outbox refuses the line instead of dropping one", "[bus_client]") {
    FakeBus fake;
    BusClient bus("Web", true, 2, fake);
    fake.up = false;
    REQUIRE(bus.send(msg("a", "1", "id-1")));
    REQUIRE(bus.send(msg("a", "2", "id-2")));
    CHECK_FALSE(bus.send(msg("a", "3", "id-3")));
    CHECK(bus.queued() == 2);
}

TEST_CASE("stopping writes what waits without waiting for the welcome", "[bus_client]") {
    FakeBus fake;
    BusClient bus("Web", true, 10, fake);
    bus.link_up(at(0));
    REQUIRE(bus.send(BusDisassociate{"a"}));
    bus.stop();
    CHECK(fake.types().back() == "disassociate");
}

}  // namespace nlchat
