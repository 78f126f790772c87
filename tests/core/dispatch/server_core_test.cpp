// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's core (core/dispatch/server_core.h) with a fake clock, a fake disk and a v2
// client endpoint as the operator: nothing of a turn leaves before its commit, the v2
// session's rules, and what a failing disk does.
#include "core/dispatch/server_core.h"

#include <catch2/catch.hpp>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"
#include "tests/core/test_keys.h"

namespace nlchat {
namespace {

// v1 packets in the clear (the codec has its own tests).
std::string clear_seal(std::string_view inner, const PublicKey&, std::string_view uuid, Role to) {
    Json::Value p(Json::objectValue);
    p["messages"].append(std::string(inner));
    p["UUID"] = std::string(uuid);
    p["to"] = role_name(to);
    return write_json(p);
}

Json::Value parse(const std::string& text) {
    std::string error;
    auto v = parse_json_object(text, error);
    REQUIRE(v);
    return *v;
}

struct Disk : StateStore {
    std::vector<Json::Value> journal, buffer;
    bool full = false;
    int commits = 0;
    void append(const Json::Value& r) override { buffer.push_back(r); }
    bool pending() const override { return !buffer.empty(); }
    void discard_pending() override { buffer.clear(); }
    bool commit(std::string& error) override {
        if (full) return error = "disk full", false;
        for (auto& r : buffer) journal.push_back(r);
        buffer.clear();
        ++commits;
        return true;
    }
    bool rewrite(const std::vector<Json::Value>& records, std::string& error) override {
        if (full) return error = "disk full", false;
        journal = records;
        buffer.clear();
        ++commits;
        return true;
    }
    bool save_ring_counter(std::int64_t, std::string&) override { return true; }
    std::vector<Json::Value> tickets;
    void append_ticket(const Json::Value& r) override { tickets.push_back(r); }
    bool rewrite_tickets(const std::vector<Json::Value>& records, std::string&) override {
        tickets = records;
        return true;
    }
};

struct Wire : ServerCoreEffects {
    Disk* disk = nullptr;
    struct Written {
        ConnId conn;
        std::string line;
        int commits;  // how many commits the disk had seen when it was written
    };
    std::vector<Written> operators, services;
    std::vector<ConnId> closed;
    std::vector<std::string> logs;
    void write_operator(ConnId c, const std::string& l) override { operators.push_back({c, l, disk->commits}); }
    void write_service(ConnId c, const std::string& l) override { services.push_back({c, l, disk->commits}); }
    void close_operator(ConnId c, bool) override { closed.push_back(c); }
    void close_service(ConnId c) override { closed.push_back(c); }
    void log(LogLevel, const std::string& t) override { logs.push_back(t); }
    bool logged(const std::string& part) const {
        for (const auto& l : logs)
            if (l.find(part) != std::string::npos) return true;
        return false;
    }
};

struct Fixture {
    Disk disk;
    Wire wire;
    Now now{100, 1.7e9};
    std::unique_ptr<ServerCore> core;
    const PrivateKey& op_key = test::key_2048();

    explicit Fixture(ServerCoreSettings settings = {}) {
        wire.disk = &disk;
        settings.dispatch.grace = 10;
        core = std::make_unique<ServerCore>(
            settings, test::key_4096().public_key(), disk, wire, [] { return std::string("nonce"); }, "salt", 1,
            clear_seal);
        core->dispatch().set_authorized_keys({op_key.public_key().fingerprint()});
        core->restore({}, {}, now);
    }
    void turn() { core->end_of_turn(now); }
    void packet(ConnId conn, const Json::Value& inner, const std::string& uuid = "op") {
        OpenedPacket p;
        p.uuid = uuid;
        p.json = write_json(inner);
        p.inner = inner;
        core->operator_packet(conn, p, now);
        turn();
    }
    // The service Web online with acknowledgements, on connection 50.
    void service() {
        core->service_connected(50, now);
        core->service_line(50, R"({"type":"service_online","service":"Web","acks":true})", now);
        turn();
    }
    // The operator joins on `conn`; with `offer`, offering that v2 offer.
    void join(ConnId conn, std::optional<V2Offer> offer, const std::string& uuid = "op",
              const PrivateKey* key = nullptr, bool connect = true) {
        if (!key) key = &op_key;
        if (connect) core->operator_connected(conn, now);
        turn();
        packet(conn, to_json(Command{KeyCommand{uuid, key->public_key().to_pem()}}), uuid);
        Json::Value ack = to_json(Command{ChallengeAckCommand{uuid, "nonce", 2}});
        if (offer) ack["v2"] = v2_offer_json(*offer);
        packet(conn, ack, uuid);
    }
    // The plain lines written to `conn` (server_online, a resume's answer or refusal).
    std::vector<Json::Value> plain(ConnId conn) const {
        std::vector<Json::Value> out;
        for (const auto& w : wire.operators)
            if (w.conn == conn && w.line.find("\"messages\"") == std::string::npos && w.line.rfind("{\"v2\":", 0) != 0)
                out.push_back(parse(w.line));
        return out;
    }
    // The v1 packets written to `conn`, opened.
    std::vector<Json::Value> packets(ConnId conn) const {
        std::vector<Json::Value> out;
        for (const auto& w : wire.operators)
            if (w.conn == conn && w.line.find("\"messages\"") != std::string::npos)
                out.push_back(parse(parse(w.line)["messages"][0].asString()));
        return out;
    }
    std::vector<std::string> frames(ConnId conn) const {
        std::vector<std::string> out;
        for (const auto& w : wire.operators)
            if (w.conn == conn && w.line.rfind("{\"v2\":", 0) == 0) out.push_back(w.line);
        return out;
    }
};

// A v2 client endpoint joined to the core on `conn`: the answer taken, frames it gets opened.
struct V2Client {
    V2Endpoint ep{true};
    std::string uuid = "op";
    const PrivateKey* key = &test::key_2048();
    std::size_t frames_read = 0;
    std::optional<V2Answer> answer;
    std::vector<Json::Value> inbox;

    std::string fingerprint() const { return key->public_key().fingerprint(); }
    static std::string server_fp() { return test::key_4096().public_key().fingerprint(); }

    void join(Fixture& f, ConnId conn) {
        f.join(conn, ep.offer(), uuid, key);
        for (const auto& p : f.packets(conn))
            if (p["type"] == "v2") answer = parse_v2_answer(p);
        REQUIRE(answer);
        auto first = ep.accept(*answer, uuid, "nonce", fingerprint(), server_fp());
        REQUIRE(first);
        frames_read = 0;
        read(f, conn);
    }
    // Connects on `conn` and answers server_online's nonce with a resume (MACed with
    // `secret` when given, else with the secret it holds). Returns the resume line sent.
    std::string resume_line(Fixture& f, ConnId conn, std::optional<std::string> secret = std::nullopt) {
        f.core->operator_connected(conn, f.now);
        f.turn();
        auto online = f.plain(conn);
        REQUIRE(online.size() == 1);
        REQUIRE(online[0]["resume"].isString());
        const std::string nonce = *base64_decode(online[0]["resume"].asString());
        REQUIRE(nonce.size() == kResumeNonceBytes);
        auto hello = ep.resume_hello(uuid, nonce, 2, fingerprint(), server_fp());
        REQUIRE(hello);
        if (secret) hello->mac = resume_hello_mac(*secret, *hello, nonce, fingerprint(), server_fp());
        last_nonce = nonce;
        return write_json(resume_hello_json(*hello));
    }
    // The server's plain answer on `conn` to a resume: "v2" (taken, and the session's
    // frames read) or "resume_failed".
    std::string resume(Fixture& f, ConnId conn, const std::string& line) {
        REQUIRE(f.core->operator_line(conn, line, f.now));
        f.turn();
        auto plain = f.plain(conn);
        REQUIRE(plain.size() == 2);  // server_online, then the answer
        const Json::Value& reply = plain[1];
        if (reply["type"] == "v2") {
            answer = parse_v2_answer(reply);
            REQUIRE(answer);
            REQUIRE(ep.accept_resumed(*answer, uuid, last_nonce, fingerprint(), server_fp()));
            frames_read = 0;
            read(f, conn);
        }
        return reply["type"].asString();
    }
    std::string last_nonce;
    void read(Fixture& f, ConnId conn) {
        auto frames = f.frames(conn);
        for (; frames_read < frames.size(); ++frames_read) {
            auto r = ep.receive(frames[frames_read]);
            REQUIRE(r.ok);
            if (!r.inner.empty()) inbox.push_back(parse(r.inner));
        }
    }
    void send(Fixture& f, ConnId conn, const Command& cmd) {
        f.core->operator_line(conn, ep.send(write_json(to_json(cmd))), f.now);
        f.turn();
    }
};

}  // namespace

TEST_CASE("nothing of a turn leaves before its commit, and its acknowledgements only after one", "[server_core]") {
    Fixture f;
    f.service();
    f.wire.services.clear();
    f.core->service_line(50, R"({"type":"msg","address":"c1","msg":["hello"],"id":"w-1"})", f.now);
    // Handled, not yet committed: nothing has left.
    CHECK(f.wire.services.empty());
    const int before = f.disk.commits;
    f.turn();
    REQUIRE_FALSE(f.wire.services.empty());
    for (const auto& w : f.wire.services) CHECK(w.commits == before + 1);
    CHECK(parse(f.wire.services.back().line)["type"] == "ack");

    // The disk refuses: the lines of the turn still go (the chats go on), the ack waits.
    f.disk.full = true;
    f.wire.services.clear();
    f.core->service_line(50, R"({"type":"msg","address":"c1","msg":["more"],"id":"w-2"})", f.now);
    f.turn();
    for (const auto& w : f.wire.services) CHECK(parse(w.line)["type"] != "ack");
    CHECK(f.wire.logged("no new chat starts until it can be written"));
    CHECK(f.core->journal_failing());
    // Tried again once a second; when the disk takes it, the ack goes.
    REQUIRE(f.core->next_deadline());
    CHECK(*f.core->next_deadline() <= f.now.mono + 1);
    f.disk.full = false;
    f.now.mono += 1;
    f.core->tick(f.now);
    f.turn();
    REQUIRE_FALSE(f.wire.services.empty());
    CHECK(parse(f.wire.services.back().line)["id"] == "w-2");
    CHECK_FALSE(f.core->journal_failing());
}

TEST_CASE("a caller's text to a v2 operator is on disk before it leaves, and until it is acknowledged",
          "[server_core]") {
    Fixture f;
    f.service();
    V2Client op;
    op.join(f, 1);
    f.core->service_line(50, R"({"type":"msg","address":"c1","msg":["hi"],"id":"w-1"})", f.now);
    f.turn();
    op.read(f, 1);
    REQUIRE_FALSE(op.inbox.empty());
    const std::int64_t ring = op.inbox.back()["ID"].asInt64();
    op.send(f, 1, RingAckCommand{"op", ring});
    op.read(f, 1);
    REQUIRE(op.inbox.back()["type"] == "msg");
    CHECK(op.inbox.back()["line"] == 1);
    auto held_on_disk = [&f] {
        int held = 0;
        for (const auto& r : f.disk.journal) held += r["j"] == "held" ? 1 : r["j"] == "delivered" ? -1 : 0;
        return held;
    };
    CHECK(held_on_disk() == 1);
    // The client's acknowledgement (a bare one) lets it go.
    f.core->operator_line(1, op.ep.send(""), f.now);
    f.turn();
    CHECK(held_on_disk() == 0);
}

TEST_CASE("every v2 frame with a command in it is acknowledged after a quiet moment, a probeACK too", "[server_core]") {
    // Found from outside: a probeACK was acknowledged only by the next probe, 7 s later,
    // while nlchat-protocol(7) promised every frame with something in it an
    // acknowledgement after 0.2 s, and an implementation written from the manual could
    // not tell the exception from a fault.
    Fixture f;
    V2Client op;
    op.join(f, 1);
    auto bare_ack_after_quiet_moment = [&] {
        const std::size_t before = f.frames(1).size();
        f.now.mono += 0.1;  // not yet
        f.core->tick(f.now);
        f.turn();
        CHECK(f.frames(1).size() == before);
        f.now.mono += 0.15;
        f.core->tick(f.now);
        f.turn();
        op.read(f, 1);
        return f.frames(1).size() == before + 1 && op.ep.stream().unacknowledged() == 0;
    };
    // The server probes after 7 s of silence; the answer is a frame like any other.
    f.now.mono += 7;
    f.core->tick(f.now);
    f.turn();
    op.read(f, 1);
    REQUIRE(op.inbox.back()["type"] == "probe");
    op.send(f, 1, ProbeAckCommand{"op"});
    CHECK(op.ep.stream().unacknowledged() == 1);
    CHECK(bare_ack_after_quiet_moment());
    // The same for any other command.
    op.send(f, 1, ChatStateCommand{"op", Direction::Out, "composing"});
    CHECK(bare_ack_after_quiet_moment());
    // A bare acknowledgement is not answered.
    const std::size_t before = f.frames(1).size();
    f.core->operator_line(1, op.ep.send(""), f.now);
    f.turn();
    f.now.mono += 1;
    f.core->tick(f.now);
    f.turn();
    CHECK(f.frames(1).size() == before);
}

TEST_CASE("a v2 session does not outlive its operator: after the grace a redial starts afresh", "[server_core]") {
    // Found from outside: with --grace 1 the caller was told the listener went offline,
    // and a redial 2.5 s after the drop still got resumed: true.
    Fixture f;
    V2Client op;
    op.join(f, 1);
    CHECK_FALSE(op.answer->resumed);
    f.core->operator_closed(1, f.now);
    f.turn();
    // Within the grace, a redial resumes.
    op.join(f, 2);
    CHECK(op.answer->resumed);
    f.core->operator_closed(2, f.now);
    f.turn();
    f.now.mono += 11;  // the grace (10 s) is over: the operator is gone, its session too
    f.core->tick(f.now);
    f.turn();
    op.join(f, 3);
    CHECK_FALSE(op.answer->resumed);
}

TEST_CASE("under --require-v2 an unusable offer is refused like a missing one", "[server_core]") {
    // Found from outside: a challengeACK whose epk was 32 zero bytes (a low-order point)
    // stayed on v1 and took rings and chats.
    ServerCoreSettings settings;
    settings.require_v2 = true;
    for (bool zero : {true, false}) {
        INFO((zero ? "a low-order key" : "no offer at all"));
        Fixture f(settings);
        std::optional<V2Offer> offer;
        if (zero) offer = V2Offer{std::string(32, '\0'), "", 0};
        f.join(1, offer);
        auto packets = f.packets(1);
        REQUIRE_FALSE(packets.empty());
        CHECK(packets.back()["type"] == "refused");
        CHECK(packets.back()["code"] == "v2_required");
        CHECK(f.wire.closed == std::vector<ConnId>{1});
        CHECK(f.core->dispatch().pool_size() == 0);
    }
    // Without --require-v2 such a client stays on v1, as one that offers nothing.
    Fixture g;
    g.join(1, V2Offer{std::string(32, '\0'), "", 0});
    CHECK(g.core->dispatch().pool_size() == 1);
    CHECK(g.frames(1).empty());
}

}  // namespace nlchat

namespace nlchat {
namespace {

bool has_type(const std::vector<Json::Value>& inbox, const std::string& type) {
    for (const auto& c : inbox)
        if (c["type"] == type) return true;
    return false;
}

}  // namespace

TEST_CASE("an operator with its session's secret rejoins without RSA", "[server_core][resumption]") {
    Fixture f;
    V2Client op;
    op.join(f, 1);
    REQUIRE(f.disk.tickets.size() == 1);  // the session's secret, kept for the next rejoin
    f.core->operator_closed(1, f.now);
    f.turn();
    op.inbox.clear();
    CHECK(op.resume(f, 2, op.resume_line(f, 2)) == "v2");
    CHECK(op.answer->resumed);    // within the grace: the same session goes on
    CHECK(f.packets(2).empty());  // no RSA: no challenge, nothing sealed to the key
    CHECK(f.core->dispatch().joined(2));
    CHECK(has_type(op.inbox, "status"));
    CHECK(f.wire.logged("rejoined without RSA"));
    REQUIRE(f.disk.tickets.size() == 2);  // a new secret, the old one retired
    CHECK(op.ep.resumption() != "");
}

TEST_CASE("resumption is refused with a wrong, replayed, stale or expired secret, or another operator's",
          "[server_core][resumption]") {
    Fixture f;
    V2Client op;
    op.join(f, 1);
    const std::string first_secret = op.ep.resumption();
    f.core->operator_closed(1, f.now);
    f.turn();

    SECTION("wrong: then the key joins on the same connection") {
        CHECK(op.resume(f, 2, op.resume_line(f, 2, std::string(32, 'w'))) == "resume_failed");
        CHECK_FALSE(f.core->dispatch().joined(2));
        // One try a connection: even the right one is not taken now.
        CHECK(op.ep.resumption() == first_secret);
        f.join(2, std::nullopt, "op", nullptr, false);
        CHECK(f.core->dispatch().joined(2));
    }
    SECTION("replayed on another connection") {
        const std::string line = op.resume_line(f, 2);
        CHECK(op.resume(f, 2, line) == "v2");
        f.core->operator_closed(2, f.now);
        f.turn();
        f.core->operator_connected(3, f.now);
        f.turn();
        REQUIRE(f.core->operator_line(3, line, f.now));
        f.turn();
        auto plain = f.plain(3);
        REQUIRE(plain.size() == 2);
        CHECK(plain[1]["type"] == "resume_failed");
        CHECK_FALSE(f.core->dispatch().joined(3));
    }
    SECTION("stale: the secret the last rejoin retired") {
        CHECK(op.resume(f, 2, op.resume_line(f, 2)) == "v2");
        f.core->operator_closed(2, f.now);
        f.turn();
        CHECK(op.resume(f, 3, op.resume_line(f, 3, first_secret)) == "resume_failed");
    }
    SECTION("expired") {
        f.now.wall += ServerCoreSettings{}.resume_lifetime + 1;
        CHECK(op.resume(f, 2, op.resume_line(f, 2)) == "resume_failed");
    }
    SECTION("another operator's, under its own UUID or the other's") {
        f.core->dispatch().set_authorized_keys(
            {f.op_key.public_key().fingerprint(), test::other_key_2048().public_key().fingerprint()});
        V2Client other;
        other.uuid = "op2";
        other.key = &test::other_key_2048();
        other.join(f, 5);
        // op2's secret, named as op's: the MAC is checked under op's ticket.
        other.uuid = "op";
        CHECK(other.resume(f, 6, other.resume_line(f, 6)) == "resume_failed");
        CHECK_FALSE(f.core->dispatch().joined(6));
    }
    SECTION("a disconnect forgets it") {
        op.join(f, 2);
        op.send(f, 2, DisconnectCommand{"op"});
        CHECK(op.resume(f, 3, op.resume_line(f, 3)) == "resume_failed");
    }
    SECTION("a revoked key is refused, whatever its secret") {
        f.core->dispatch().set_authorized_keys({});
        CHECK(op.resume(f, 2, op.resume_line(f, 2)) == "resume_failed");
    }
}

TEST_CASE("resumption after a restart: the secret is on disk", "[server_core][resumption]") {
    Fixture f;
    V2Client op;
    op.join(f, 1);
    REQUIRE_FALSE(f.disk.tickets.empty());
    // nlchatd killed: a new core from the same disk.
    Fixture g;
    g.disk.journal = f.disk.journal;
    g.disk.tickets = f.disk.tickets;
    g.core->restore(g.disk.journal, g.disk.tickets, g.now);
    CHECK(g.core->restored_tickets() == 1);
    CHECK(op.resume(g, 1, op.resume_line(g, 1)) == "v2");
    CHECK_FALSE(op.answer->resumed);  // the frames' session did not survive; the key did not need to
    CHECK(g.packets(1).empty());
    CHECK(g.core->dispatch().joined(1));
    CHECK(has_type(op.inbox, "status"));
}

}  // namespace nlchat
