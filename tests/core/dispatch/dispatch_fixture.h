// SPDX-License-Identifier: GPL-3.0-or-later
// The server dispatch under test: a recorder of its effects, a fake clock, and helpers
// that play operators and services. Shared by dispatch_operators_test.cpp and
// dispatch_callers_test.cpp.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <set>

#include "core/codec/json_util.h"
#include "core/dispatch/dispatch.h"
#include "tests/core/test_keys.h"

namespace nlchat::test {

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
    // Receipts for caller texts, as a v2 link gives them, for connections listed here.
    std::set<ConnId> acknowledging;
    std::uint64_t next_receipt = 1;
    std::uint64_t send_sealed(ConnId c, const PublicKey&, const std::string& uuid, const Command& cmd) override {
        sealed.push_back({c, uuid, cmd});
        const auto* msg = std::get_if<MsgCommand>(&cmd);
        return acknowledging.count(c) && msg && msg->io == Direction::In ? next_receipt++ : 0;
    }
    void close_operator(ConnId c) override { closed.push_back(c); }
    void send_service(ConnId s, const Json::Value& line) override { service.emplace_back(s, line); }
    void close_service(ConnId s) override { services_closed.push_back(s); }
    bool counter_saves = true;  // false: the disk is full
    bool save_ring_counter(std::int64_t next) override {
        if (counter_saves) counter = next;
        return counter_saves;
    }
    void log(LogLevel, const std::string& text) override { logs.push_back(text); }
    std::vector<Json::Value> journal_records;  // everything journaled, in order (never cleared)
    void journal(const Json::Value& record) override { journal_records.push_back(record); }

    // The commands of type T sent to connection `c`, oldest first.
    template <class T> std::vector<T> to(ConnId c) const {
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
            if (conn == s && line["type"] == "msg" && line["address"] == address)
                out.push_back(line["msg"][0].asString());
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

inline constexpr ConnId kWeb = 100;  // the service connection most tests use

struct Fixture {
    Recorder fx;
    DispatchConfig config;
    Now now{1000, 1764190000};
    int nonces = 0;
    std::unique_ptr<Dispatch> d;

    explicit Fixture(DispatchConfig c = {}) : config(std::move(c)) {
        d = std::make_unique<Dispatch>(
            config, test::key_4096().public_key(), fx, [this] { return "nonce-" + std::to_string(++nonces); }, "salt",
            1);
        d->set_authorized_keys(
            {test::key_2048().public_key().fingerprint(), test::other_key_2048().public_key().fingerprint()});
    }
    void send(ConnId conn, const std::string& uuid, const Command& cmd) {
        d->operator_packet(conn, uuid, to_json(cmd), now);
    }
    // Connects, sends key, answers the challenge.
    // `chats`: the client reads chat ids and can show this many chats.
    void join(ConnId conn, const std::string& uuid, const PrivateKey& key = test::key_2048(),
              std::optional<std::int64_t> chats = std::nullopt) {
        d->operator_connected(conn, now);
        send(conn, uuid, KeyCommand{uuid, key.public_key().to_pem()});
        auto challenges = fx.to<ChallengeCommand>(conn);
        REQUIRE_FALSE(challenges.empty());
        send(conn, uuid, ChallengeAckCommand{uuid, challenges.back().nonce, chats});
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
    // The Web service online, op-a joined on connection 1 and in a chat with c1 (ring 1).
    void open_chat() {
        service_online();
        join(1, "op-a");
        caller_says("c1", "hi");
        send(1, "op-a", RingAckCommand{"op-a", 1});
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

inline std::vector<std::string> texts(const std::vector<MsgCommand>& msgs) {
    std::vector<std::string> out;
    for (const auto& m : msgs)
        for (const auto& t : m.msg) out.push_back(t);
    return out;
}

}  // namespace nlchat::test
