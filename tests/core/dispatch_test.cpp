// Unit tests of the server dispatch with a fake clock: every rule, driven through the
// same calls the server makes, with the effects recorded.
#include "core/dispatch.h"

#include <catch2/catch.hpp>

#include "core/json_util.h"
#include "test_keys.h"

using namespace nlchat;

namespace {

struct Recorder : DispatchEffects {
    struct Sealed {
        ConnId conn;
        std::string uuid;
        Command cmd;
    };
    std::vector<Sealed> sealed;
    std::vector<std::pair<ConnId, Json::Value>> plain, service;
    std::vector<ConnId> closed, services_closed;
    std::int64_t counter = -1;
    std::vector<std::string> logs;

    void send_plain(ConnId c, const Json::Value& line) override { plain.emplace_back(c, line); }
    void send_sealed(ConnId c, const PublicKey&, const std::string& uuid, const Command& cmd) override {
        sealed.push_back({c, uuid, cmd});
    }
    void close_operator(ConnId c) override { closed.push_back(c); }
    void send_service(ConnId s, const Json::Value& line) override { service.emplace_back(s, line); }
    void close_service(ConnId s) override { services_closed.push_back(s); }
    void ring_counter_advanced(std::int64_t next) override { counter = next; }
    void log(LogLevel, const std::string& text) override { logs.push_back(text); }

    // The commands of type T sent to connection `c`, oldest first.
    template <class T>
    std::vector<T> to(ConnId c) const {
        std::vector<T> out;
        for (const auto& s : sealed)
            if (s.conn == c && std::holds_alternative<T>(s.cmd)) out.push_back(std::get<T>(s.cmd));
        return out;
    }
    // Types of everything sent to `c`, in order, e.g. {"status", "msg", "msg"}.
    std::vector<std::string> types_to(ConnId c) const {
        std::vector<std::string> out;
        for (const auto& s : sealed)
            if (s.conn == c) out.push_back(command_type(s.cmd));
        return out;
    }
    // Texts of the msg lines sent to service connection `s` for `address`.
    std::vector<std::string> texts_for(ConnId s, const std::string& address) const {
        std::vector<std::string> out;
        for (const auto& [conn, line] : service)
            if (conn == s && line["type"] == "msg" && line["address"] == address) out.push_back(line["msg"][0].asString());
        return out;
    }
    std::vector<std::string> service_types(ConnId s) const {
        std::vector<std::string> out;
        for (const auto& [conn, line] : service)
            if (conn == s) out.push_back(line["type"].asString());
        return out;
    }
    bool logged(const std::string& part) const {
        for (const auto& l : logs)
            if (l.find(part) != std::string::npos) return true;
        return false;
    }
    void clear() {
        sealed.clear(), plain.clear(), service.clear(), closed.clear(), services_closed.clear(), logs.clear();
    }
};

constexpr ConnId kWeb = 100;  // the service connection most tests use

struct Fixture {
    Recorder fx;
    DispatchConfig config;
    Now now{1000, 1764190000};
    int nonces = 0;
    std::unique_ptr<Dispatch> d;

    explicit Fixture(DispatchConfig c = {}) : config(std::move(c)) {
        d = std::make_unique<Dispatch>(
            config, test::key_4096().public_key(), fx, [this] { return "nonce-" + std::to_string(++nonces); },
            "salt", 1);
        d->set_authorized_keys({test::key_2048().public_key().fingerprint(),
                                test::other_key_2048().public_key().fingerprint()});
    }
    void send(ConnId conn, const std::string& uuid, const Command& cmd) {
        d->operator_packet(conn, uuid, to_json(cmd), now);
    }
    // Connects, sends key, answers the challenge.
    void join(ConnId conn, const std::string& uuid, const PrivateKey& key = test::key_2048()) {
        d->operator_connected(conn, now);
        send(conn, uuid, KeyCommand{uuid, key.public_key().to_pem()});
        auto challenges = fx.to<ChallengeCommand>(conn);
        REQUIRE_FALSE(challenges.empty());
        send(conn, uuid, ChallengeAckCommand{uuid, challenges.back().nonce});
    }
    void service_online(ConnId s = kWeb, const std::string& name = "Web", bool chat_states = true) {
        d->service_connected(s, now);
        Json::Value line(Json::objectValue);
        line["type"] = "service_online";
        line["service"] = name;
        line["chat_states"] = chat_states;
        d->service_line(s, line, now);
    }
    void bus(ConnId s, const std::string& text) {
        std::string error;
        auto v = parse_json_object(text, error);
        REQUIRE(v);
        d->service_line(s, *v, now);
    }
    void caller_says(const std::string& address, const std::string& text, ConnId s = kWeb) {
        Json::Value line(Json::objectValue);
        line["type"] = "msg";
        line["address"] = address;
        line["msg"] = Json::Value(Json::arrayValue);
        line["msg"].append(text);
        line["I/O"] = "in";
        d->service_line(s, line, now);
    }
    void advance(double seconds) {
        now.mono += seconds;
        now.wall += seconds;
        d->tick(now);
    }
    // Keeps operators alive: each answers its probes while time passes in small steps.
    void advance_answering(double seconds, const std::vector<std::pair<ConnId, std::string>>& ops) {
        for (double t = 0; t < seconds; t += 1) {
            advance(1);
            for (const auto& [conn, uuid] : ops) send(conn, uuid, ProbeAckCommand{uuid});
        }
    }
};

std::vector<std::string> texts(const std::vector<MsgCommand>& msgs) {
    std::vector<std::string> out;
    for (const auto& m : msgs)
        for (const auto& t : m.msg) out.push_back(t);
    return out;
}

}  // namespace

TEST_CASE("a new connection first gets server_online with the server's key", "[dispatch]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    REQUIRE(f.fx.plain.size() == 1);
    CHECK(f.fx.plain[0].second["type"] == "server_online");
    CHECK(f.fx.plain[0].second["key"] == test::key_4096().public_key().to_pem());
}

TEST_CASE("an authorized operator proves its key, joins and gets status", "[dispatch][auth]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    CHECK(f.fx.types_to(1) == std::vector<std::string>{"challenge", "status"});
    CHECK(f.fx.to<ChallengeCommand>(1)[0].nonce == "nonce-1");
    auto status = f.fx.to<StatusCommand>(1)[0];
    REQUIRE(status.services.size() == 1);
    CHECK(status.services[0].name == "Web");
    CHECK(status.services[0].status == "Connected");
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("an unlisted key is refused with a reason, sealed to that key, and closed", "[dispatch][auth]") {
    Fixture f;
    f.d->set_authorized_keys({test::other_key_2048().public_key().fingerprint()});
    f.d->operator_connected(1, f.now);
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    auto refused = f.fx.to<RefusedCommand>(1);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].reason.find("not authorized") != std::string::npos);
    CHECK(refused[0].reason.find(test::key_2048().public_key().fingerprint()) != std::string::npos);
    CHECK(f.fx.closed == std::vector<ConnId>{1});
    CHECK(f.d->pool_size() == 0);
}

TEST_CASE("open mode accepts any key, still with the challenge", "[dispatch][auth]") {
    DispatchConfig c;
    c.allow_any_key = true;
    Fixture f(c);
    f.d->set_authorized_keys({});
    f.join(1, "op-a");
    CHECK(f.fx.to<ChallengeCommand>(1).size() == 1);
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("key sent twice before answering gets the same challenge twice", "[dispatch][auth]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    auto challenges = f.fx.to<ChallengeCommand>(1);
    REQUIRE(challenges.size() == 2);
    CHECK(challenges[0].nonce == challenges[1].nonce);
    f.send(1, "op-a", ChallengeAckCommand{"op-a", challenges[0].nonce});
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("a wrong challenge answer is refused", "[dispatch][auth]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    f.send(1, "op-a", KeyCommand{"op-a", test::key_2048().public_key().to_pem()});
    f.send(1, "op-a", ChallengeAckCommand{"op-a", "nonce-9"});
    CHECK(f.fx.to<RefusedCommand>(1).size() == 1);
    CHECK(f.fx.closed == std::vector<ConnId>{1});
    CHECK(f.d->pool_size() == 0);
    // A challengeACK with no challenge outstanding changes nothing.
    f.d->operator_connected(2, f.now);
    f.send(2, "op-a", ChallengeAckCommand{"op-a", "nonce-1"});
    CHECK(f.d->pool_size() == 0);
}

TEST_CASE("a UUID is bound to its key and its connection", "[dispatch][auth]") {
    Fixture f;
    f.join(1, "op-a");
    // Another key for the same UUID is refused.
    f.d->operator_connected(2, f.now);
    f.send(2, "op-a", KeyCommand{"op-a", test::other_key_2048().public_key().to_pem()});
    CHECK(f.fx.to<RefusedCommand>(2).size() == 1);
    // Commands for op-a from a connection that has not joined as op-a are dropped.
    f.d->operator_connected(3, f.now);
    f.send(3, "op-a", DisconnectCommand{"op-a"});
    f.join(4, "op-b", test::other_key_2048());
    f.send(4, "op-a", DisconnectCommand{"op-a"});
    CHECK(f.d->pool_size() == 2);
    CHECK(f.fx.logged("does not own"));
    // A wrapper UUID that differs from the inner one is dropped too.
    f.send(1, "op-b", ProbeAckCommand{"op-a"});
    CHECK(f.fx.logged("wrapper and inner UUID differ"));
}

TEST_CASE("a connection that never joins is closed after the handshake timeout", "[dispatch]") {
    Fixture f;
    f.d->operator_connected(1, f.now);
    REQUIRE(f.d->next_deadline());
    CHECK(*f.d->next_deadline() == Approx(f.now.mono + 30));
    f.advance(29);
    CHECK(f.fx.closed.empty());
    f.advance(1);
    CHECK(f.fx.closed == std::vector<ConnId>{1});
}

TEST_CASE("a caller with no operator connected is told at once, and nothing rings", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.caller_says("c1", "hello?");
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_no_operators});
    CHECK(f.d->open_rings() == 0);
}

TEST_CASE("a caller's message rings every operator once, with an integer ID", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.join(2, "op-b", test::other_key_2048());
    f.caller_says("c1", "hello");
    f.caller_says("c1", "is anyone there?");
    for (ConnId c : {1, 2}) {
        auto rings = f.fx.to<RingCommand>(c);
        REQUIRE(rings.size() == 1);
        CHECK(rings[0].id == 1);
        CHECK(rings[0].group == "");
        CHECK(*rings[0].expires_in == Approx(60));
        CHECK(*rings[0].time == Approx(f.now.wall + 60));
    }
    CHECK(f.fx.counter == 2);
    CHECK(f.fx.texts_for(kWeb, "c1") == std::vector<std::string>{f.config.text_ringing});
    f.caller_says("c2", "hi");
    CHECK(f.fx.to<RingCommand>(1).back().id == 2);
}

TEST_CASE("the first ringACK wins; the loser is told; held texts follow in order", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.join(2, "op-b", test::other_key_2048());
    f.caller_says("c1", "one");
    f.caller_says("c1", "two");
    f.send(2, "op-b", RingAckCommand{"op-b", 1});
    f.send(1, "op-a", RingAckCommand{"op-a", 1});  // late: changes nothing
    for (ConnId c : {1, 2}) {
        auto acks = f.fx.to<RingAckAckCommand>(c);
        REQUIRE(acks.size() == 1);
        CHECK(acks[0].uuid == "op-b");
        CHECK(acks[0].id == 1);
    }
    CHECK(texts(f.fx.to<MsgCommand>(2)) == std::vector<std::string>{"one", "two"});
    CHECK(f.fx.to<MsgCommand>(1).empty());
    // The chat works both ways.
    f.caller_says("c1", "three");
    CHECK(texts(f.fx.to<MsgCommand>(2)).back() == "three");
    f.send(2, "op-b", MsgCommand{{"hello, I'm listening"}, Direction::Out, "op-b"});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "hello, I'm listening");
    // An unknown ring ID is harmless.
    f.send(1, "op-a", RingAckCommand{"op-a", 99});
    CHECK(f.d->open_rings() == 0);
}

TEST_CASE("a busy operator still sees rings but cannot take one; all busy is said", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "first");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.caller_says("c2", "second");
    CHECK(f.fx.to<RingCommand>(1).size() == 2);
    CHECK(f.fx.texts_for(kWeb, "c2") == std::vector<std::string>{f.config.text_all_busy});
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    CHECK(f.d->open_rings() == 1);
    CHECK(f.fx.to<RingAckAckCommand>(1).size() == 1);
    // A second operator joining gets the open ring, with the time left.
    f.advance_answering(10, {{1, "op-a"}});
    f.join(2, "op-b", test::other_key_2048());
    auto rings = f.fx.to<RingCommand>(2);
    REQUIRE(rings.size() == 1);
    CHECK(rings[0].id == 2);
    CHECK(*rings[0].expires_in == Approx(50));
    f.send(2, "op-b", RingAckCommand{"op-b", 2});
    CHECK(texts(f.fx.to<MsgCommand>(2)) == std::vector<std::string>{"second"});
}

TEST_CASE("several rings expiring together all time out cleanly", "[dispatch][ring]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    for (const char* c : {"c1", "c2", "c3"}) f.caller_says(c, "hello");
    f.advance_answering(59, {{1, "op-a"}});
    CHECK(f.d->open_rings() == 3);
    f.advance(1);
    CHECK(f.d->open_rings() == 0);
    auto acks = f.fx.to<RingAckAckCommand>(1);
    REQUIRE(acks.size() == 3);
    for (const auto& a : acks) CHECK(a.uuid == "");
    for (const char* c : {"c1", "c2", "c3"}) CHECK(f.fx.texts_for(kWeb, c).back() == f.config.text_ring_timed_out);
    // The caller may start again with a new ring.
    f.caller_says("c1", "still there?");
    CHECK(f.fx.to<RingCommand>(1).back().id == 4);
}

TEST_CASE("chat states cross in both directions, mapped as the original did", "[dispatch][chat]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.bus(kWeb, R"({"type":"chat_state","address":"c1","state":"composing","I/O":"in"})");
    f.bus(kWeb, R"({"type":"chat_state","address":"c1","state":"active","I/O":"in"})");
    f.bus(kWeb, R"({"type":"chat_state","address":"c1","state":"paused","I/O":"in"})");
    auto states = f.fx.to<ChatStateCommand>(1);
    REQUIRE(states.size() == 3);
    CHECK(states[0].state == "typing");
    CHECK(states[1].state == "idle");
    CHECK(states[2].state == "paused");
    f.send(1, "op-a", ChatStateCommand{"op-a", Direction::Out, "composing"});
    auto& last = f.fx.service.back().second;
    CHECK(last["type"] == "chat_state");
    CHECK(last["state"] == "composing");
    CHECK(last["address"] == "c1");
}

TEST_CASE("a service without chat states gives no_state once, before the held texts", "[dispatch][chat]") {
    Fixture f;
    f.service_online(kWeb, "Web", false);
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    auto types = f.fx.types_to(1);
    CHECK(std::vector<std::string>(types.end() - 3, types.end()) ==
          std::vector<std::string>{"ringACKACK", "chat_state", "msg"});
    CHECK(f.fx.to<ChatStateCommand>(1)[0].state == "no_state");
}

TEST_CASE("liveness: probe after 7 s, out of the pool 3 s later", "[dispatch][liveness]") {
    Fixture f;
    f.join(1, "op-a");
    CHECK(*f.d->next_deadline() == Approx(f.now.mono + 7));
    f.advance(6.9);
    CHECK(f.fx.to<ProbeCommand>(1).empty());
    f.advance(0.1);
    REQUIRE(f.fx.to<ProbeCommand>(1).size() == 1);
    CHECK(f.fx.to<ProbeCommand>(1)[0].uuid == "op-a");
    f.advance(2.9);
    CHECK(f.d->pool_size() == 1);
    f.advance(0.1);
    CHECK(f.d->pool_size() == 0);
    // Answering in time keeps it in.
    Fixture g;
    g.join(1, "op-a");
    g.advance(7);
    g.send(1, "op-a", ProbeAckCommand{"op-a"});
    g.advance(5);
    CHECK(g.d->pool_size() == 1);
}

TEST_CASE("grace: a caller's messages are held and delivered once, in order, on return", "[dispatch][liveness]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.advance(7);
    f.advance(3);  // missed the probe: out of the pool, grace begins
    REQUIRE(f.d->pool_size() == 0);
    std::size_t before = f.fx.to<MsgCommand>(1).size();
    f.caller_says("c1", "one");
    f.caller_says("c1", "two");
    f.caller_says("c1", "three");
    CHECK(f.fx.to<MsgCommand>(1).size() == before);
    f.advance(30);
    f.send(1, "op-a", ProbeAckCommand{"op-a"});  // a late answer on the same connection
    CHECK(f.d->pool_size() == 1);
    auto msgs = texts(f.fx.to<MsgCommand>(1));
    CHECK(std::vector<std::string>(msgs.begin() + before, msgs.end()) ==
          std::vector<std::string>{"one", "two", "three"});
    auto types = f.fx.types_to(1);
    CHECK(types[types.size() - 4] == "status");
    // Nothing is sent twice.
    f.send(1, "op-a", ProbeAckCommand{"op-a"});
    CHECK(texts(f.fx.to<MsgCommand>(1)).size() == before + 3);
}

TEST_CASE("grace: a new connection with the same key takes over the UUID", "[dispatch][liveness]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.d->operator_closed(1, f.now);
    CHECK(f.d->pool_size() == 0);
    f.caller_says("c1", "are you there?");
    f.advance(20);
    f.join(2, "op-a");
    CHECK(texts(f.fx.to<MsgCommand>(2)) == std::vector<std::string>{"are you there?"});
    f.send(2, "op-a", MsgCommand{{"sorry, I'm back"}, Direction::Out, "op-a"});
    CHECK(f.fx.texts_for(kWeb, "c1").back() == "sorry, I'm back");
}

TEST_CASE("grace: the UUID moves to a new connection even while the old one is open", "[dispatch][liveness]") {
    Fixture f;
    f.join(1, "op-a");
    f.join(2, "op-a");
    CHECK(f.fx.closed == std::vector<ConnId>{1});
    f.send(1, "op-a", DisconnectCommand{"op-a"});  // the old connection no longer counts
    CHECK(f.d->pool_size() == 1);
}

TEST_CASE("grace runs out: the caller is told and the service gets disassociate", "[dispatch][liveness]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.d->operator_closed(1, f.now);
    f.advance(59.9);
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_ringing);
    f.advance(0.1);
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_client_dropped);
    CHECK(f.fx.service_types(kWeb).back() == "disassociate");
    // The caller starts afresh; nobody is connected now.
    f.caller_says("c1", "hello?");
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_no_operators);
}

TEST_CASE("the operator ends the chat: the service is told", "[dispatch][chat]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", DisassociateCommand{"op-a"});
    CHECK(f.fx.service.back().second["type"] == "disassociate");
    CHECK(f.fx.service.back().second["address"] == "c1");
    // The operator is free again: a new caller rings and it can take it.
    f.caller_says("c2", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    CHECK(f.fx.to<RingAckAckCommand>(1).back().uuid == "op-a");
    // Writing after the end is answered with "gone", not a crash.
    f.send(1, "op-a", DisassociateCommand{"op-a"});
    f.send(1, "op-a", MsgCommand{{"hello?"}, Direction::Out, "op-a"});
    CHECK(f.fx.to<ChatStateCommand>(1).back().state == "gone");
}

TEST_CASE("a caller who leaves withdraws its ring, or ends the chat as gone", "[dispatch][chat]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.bus(kWeb, R"({"type":"disassociate","address":"c1"})");
    CHECK(f.d->open_rings() == 0);
    CHECK(f.fx.to<RingAckAckCommand>(1).back().uuid == "");
    f.caller_says("c2", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 2});
    std::size_t service_lines = f.fx.service.size();
    f.bus(kWeb, R"({"type":"disassociate","address":"c2"})");
    CHECK(f.fx.to<ChatStateCommand>(1).back().state == "gone");
    CHECK(f.fx.service.size() == service_lines);  // no disassociate back to the service
}

TEST_CASE("disconnect removes the operator at once and its caller is told", "[dispatch][chat]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", DisconnectCommand{"op-a"});
    CHECK(f.d->pool_size() == 0);
    CHECK(f.fx.texts_for(kWeb, "c1").back() == f.config.text_client_dropped);
    CHECK(f.fx.service.back().second["type"] == "disassociate");
    CHECK(f.fx.closed == std::vector<ConnId>{1});
}

TEST_CASE("services: status on change, down when gone, chats continue on return", "[dispatch][service]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("c1", "hi");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.service_online(101, "Caller");
    auto status = f.fx.to<StatusCommand>(1).back();
    REQUIRE(status.services.size() == 2);
    CHECK(status.services[0].name == "Caller");
    f.bus(kWeb, R"({"type":"status","status":"Reconnecting..."})");
    CHECK(f.fx.to<StatusCommand>(1).back().services[1].status == "Reconnecting...");
    f.d->service_closed(kWeb, f.now);
    CHECK(f.fx.to<StatusCommand>(1).back().services[1].status == "down");
    f.send(1, "op-a", MsgCommand{{"still here"}, Direction::Out, "op-a"});
    f.service_online(102, "Web");
    CHECK(f.fx.to<StatusCommand>(1).back().services[1].status == "Connected");
    CHECK(f.fx.texts_for(102, "c1") == std::vector<std::string>{"still here"});
    f.caller_says("c1", "back", 102);
    CHECK(texts(f.fx.to<MsgCommand>(1)).back() == "back");
}

TEST_CASE("services: one that stops answering probes is shown as not responding", "[dispatch][service]") {
    Fixture f;
    f.join(1, "op-a");
    f.service_online();
    f.advance(7);
    REQUIRE(f.fx.service_types(kWeb) == std::vector<std::string>{"probe"});
    f.send(1, "op-a", ProbeAckCommand{"op-a"});
    f.advance(3);
    CHECK(f.fx.to<StatusCommand>(1).back().services[0].status == "not responding");
    f.bus(kWeb, R"({"type":"probeACK"})");
    CHECK(f.fx.to<StatusCommand>(1).back().services[0].status == "Connected");
}

TEST_CASE("bad input from operators and services is logged, never fatal", "[dispatch][robust]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    std::string error;
    for (const char* bad : {R"({"type":"ringACK","UUID":"op-a"})", R"({"type":"msg","UUID":"op-a"})",
                            R"({"type":"frobnicate","UUID":"op-a"})", R"({"UUID":"op-a"})",
                            R"({"type":"key","UUID":"op-a","key":"not a key"})"}) {
        f.d->operator_packet(1, "op-a", *parse_json_object(bad, error), f.now);
    }
    CHECK(f.fx.logged("rejected command: ringACK: missing field \"ID\""));
    CHECK(f.fx.logged("unknown command type \"frobnicate\""));
    CHECK(f.fx.logged("unusable key"));
    // Service lines: no type, before service_online, bad address, oversized text.
    f.d->service_connected(200, f.now);
    f.bus(200, R"({"type":"msg","address":"x","msg":["hi"]})");
    CHECK(f.fx.logged("before service_online"));
    f.bus(kWeb, R"({"nothing":1})");
    f.bus(kWeb, R"({"type":"msg","address":5,"msg":["hi"]})");
    f.bus(kWeb, R"({"type":"msg","address":"","msg":["hi"]})");
    f.caller_says("c9", std::string(f.config.max_text_bytes + 1, 'x'));
    CHECK(f.fx.texts_for(kWeb, "c9") == std::vector<std::string>{f.config.text_not_delivered});
    f.bus(kWeb, R"({"type":"service_online"})");
    CHECK(f.fx.logged("service_online without a name"));
    CHECK(f.d->open_rings() == 0);
}

TEST_CASE("held texts are bounded and the caller is told when the bound is hit", "[dispatch][robust]") {
    DispatchConfig c;
    c.max_held = 3;
    Fixture f(c);
    f.service_online();
    f.join(1, "op-a");
    for (int i = 0; i < 4; ++i) f.caller_says("c1", "text " + std::to_string(i));
    CHECK(f.fx.texts_for(kWeb, "c1").back() == c.text_not_delivered);
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    CHECK(texts(f.fx.to<MsgCommand>(1)) == std::vector<std::string>{"text 0", "text 1", "text 2"});
}

TEST_CASE("logs name callers only by a salted hash, and never carry text", "[dispatch][privacy]") {
    Fixture f;
    f.service_online();
    f.join(1, "op-a");
    f.caller_says("alice@example.org", "my secret");
    f.send(1, "op-a", RingAckCommand{"op-a", 1});
    f.send(1, "op-a", MsgCommand{{"operator secret"}, Direction::Out, "op-a"});
    for (const auto& l : f.fx.logs) {
        CHECK(l.find("alice@example.org") == std::string::npos);
        CHECK(l.find("secret") == std::string::npos);
    }
    CHECK(f.fx.logged("Web/"));
}
