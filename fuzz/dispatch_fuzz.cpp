// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the server dispatch: any sequence of operator commands, service
// lines, connections coming and going and time passing must leave the state machine
// consistent (no exception, no crash). Two operators join first with a fixed key, and a
// service is online, so the fuzzer starts from a live server rather than an empty one.
// At the end, the journal must agree with the state: a dispatch restored from the
// records as they were journaled has the same snapshot as the original, and restoring
// a snapshot gives that snapshot back.
//
// Input: lines. The first byte of a line picks the event, the rest is its JSON:
//   'a'/'b' + JSON   a command from operator a or b (wrapper UUID = its own)
//                    (b reads chat ids: it may take the shift)
//   's'/'t' + JSON   a line from service connection s or t
//   'c'/'d'          operator a's connection closes / operator b's
//   'o'              service connection s opens again
//   any digit        time passes (digit x 0.7 s)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/codec/json_util.h"
#include "core/dispatch/dispatch.h"
#include "fuzz_key.h"

using namespace nlchat;

namespace {

struct NullEffects : DispatchEffects {
    std::string last_nonce;
    void send_plain(ConnId, const Json::Value&) override {}
    // Operator "a" (connection 1) is on a link that acknowledges: its caller texts get
    // receipts, which the input acknowledges ('k').
    std::uint64_t next_receipt = 1;
    std::uint64_t send_sealed(ConnId conn, const PublicKey&, const std::string&, const Command& cmd) override {
        if (auto* ch = std::get_if<ChallengeCommand>(&cmd)) last_nonce = ch->nonce;
        const auto* msg = std::get_if<MsgCommand>(&cmd);
        return conn == 1 && msg && msg->io == Direction::In ? next_receipt++ : 0;
    }
    void close_operator(ConnId) override {}
    void send_service(ConnId, const Json::Value&) override {}
    void close_service(ConnId) override {}
    bool save_ring_counter(std::int64_t next) override { return next % 5 != 0; }
    void log(LogLevel, const std::string&) override {}
    std::vector<Json::Value> journaled;
    void journal(const Json::Value& record) override { journaled.push_back(record); }
};

Json::Value as_array(const std::vector<Json::Value>& records) {
    Json::Value a(Json::arrayValue);
    for (const auto& r : records) a.append(r);
    return a;
}

Json::Value object(const std::string& text) {
    std::string error;
    auto v = parse_json_object(text, error);
    return v ? *v : Json::Value(Json::objectValue);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    NullEffects fx;
    DispatchConfig config;
    config.allow_any_key = true;
    config.max_held = 20;
    config.max_rings = 10;
    int nonce = 0;
    Dispatch d(
        config, fuzz::key().public_key(), fx, [&nonce] { return "n" + std::to_string(++nonce); }, "salt", 1);
    Now now{100, 1764190000};
    const std::string pem = fuzz::key().public_key().to_pem();
    for (ConnId conn : {1, 2}) {
        std::string uuid = conn == 1 ? "a" : "b";
        d.operator_connected(conn, now);
        d.operator_packet(
            conn, uuid, object(R"({"type":"key","UUID":")" + uuid + R"(","key":)" + write_json(Json::Value(pem)) + "}"),
            now);
        // Operator b reads chat ids, so the input can take the shift for it ('b' then
        // {"type":"shift","UUID":"b"}) and use every shift command.
        d.operator_packet(conn, uuid,
                          object(R"({"type":"challengeACK","UUID":")" + uuid + R"(","nonce":")" + fx.last_nonce +
                                 (conn == 2 ? R"(","chats":4})" : "\"}")),
                          now);
    }
    d.service_connected(10, now);
    d.service_line(10, object(R"({"type":"service_online","service":"Web"})"), now);
    d.service_connected(11, now);

    std::string_view in(reinterpret_cast<const char*>(data), size);
    while (!in.empty()) {
        size_t nl = in.find('\n');
        std::string_view line = in.substr(0, nl);
        in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
        if (line.empty()) continue;
        char kind = line[0];
        std::string rest(line.substr(1));
        std::string error;
        auto obj = parse_json_object(rest, error);
        switch (kind) {
        case 'a':
        case 'b':
            if (obj) d.operator_packet(kind == 'a' ? 1 : 2, kind == 'a' ? "a" : "b", *obj, now);
            break;
        case 's':
        case 't':
            if (obj) d.service_line(kind == 's' ? 10 : 11, *obj, now);
            break;
        case 'k':
            d.operator_delivered("a", fx.next_receipt - 1 - std::min<std::size_t>(rest.size(), fx.next_receipt - 1));
            break;
        case 'c': d.operator_closed(1, now); break;
        case 'd': d.operator_closed(2, now); break;
        case 'o': d.service_closed(10, now), d.service_connected(10, now); break;
        default:
            if (kind >= '0' && kind <= '9') {
                now.mono += (kind - '0') * 0.7;
                now.wall += (kind - '0') * 0.7;
                d.tick(now);
            }
        }
    }
    const Json::Value state = as_array(d.snapshot());
    const std::vector<Json::Value>* journaled = &fx.journaled;
    for (const auto* records : {journaled, static_cast<const std::vector<Json::Value>*>(nullptr)}) {
        NullEffects fx2;
        Dispatch again(
            config, fuzz::key().public_key(), fx2, [] { return std::string("n"); }, "salt", 1);
        std::vector<Json::Value> snap = d.snapshot();
        again.restore(records ? *records : snap, now);
        if (!(as_array(again.snapshot()) == state)) {
            // Both states go to stderr so that a crash input explains itself.
            std::fprintf(stderr, "%s from %s:\n%s\nbut before:\n%s\n", "restored",
                         records ? "the journal" : "the snapshot", write_json(as_array(again.snapshot())).c_str(),
                         write_json(state).c_str());
            std::abort();
        }
    }
    return 0;
}
