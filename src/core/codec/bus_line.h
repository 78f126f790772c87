// SPDX-License-Identifier: GPL-3.0-or-later
// The service bus's lines (nlchat-protocol(7), SERVICE BUS) as typed values, read and
// written through the one field table each struct lists (core/codec/field_codec.h): nlchatd,
// nlchat-web, the demo's callers, nlchat-caller and the benchmark all use these.
//
// `I/O` is written on every line that has one but not required when read: nlchatd never
// needed it, and a service that leaves it out keeps working. Two optional extensions
// (HACKING.md, "Extensions"), which a v1 peer never sees:
//  - `origin`: nlchatd writes "origin":"server" on the msg lines that are its own replies
//    (ringing, all busy, not delivered...), never on an operator's words, so a service can
//    tell them apart without knowing the texts.
//  - acknowledgements: a service that says "acks":true in service_online is answered
//    {"type":"welcome","acks":true} by an nlchatd that does them (an older one says
//    nothing, and the service goes on best effort). Then the service gives each msg it
//    writes an `id` (a string unique for the service's lifetime) and gets
//    {"type":"ack","id":...} once nlchatd has taken responsibility for it; nlchatd does
//    the same the other way. The sender keeps what is not acknowledged and writes it
//    again after a reconnect; the receiver drops an id it has seen (and acknowledges it
//    again).
#pragma once

#include <json/json.h>

#include <string>
#include <variant>
#include <vector>

#include "core/codec/field_codec.h"

namespace nlchat {

// {"type":"service_online","service":NAME,"chat_states":B}, a service's first line.
struct BusServiceOnline {
    static constexpr const char* kType = "service_online";
    std::string service;
    bool chat_states = true;   // absent means the service wants chat states
    std::optional<bool> acks;  // the acknowledgement extension (written only when asked for)
    bool wants_acks() const { return acks.value_or(false); }
    template <class F> void fields(F& f) {
        f("service", service), f("chat_states", chat_states, Presence::Optional), f("acks", acks);
    }
};

// {"type":"probe"}, nlchatd asking whether a service is alive.
struct BusProbe {
    static constexpr const char* kType = "probe";
    template <class F> void fields(F&) {}
};

// {"type":"probeACK"}, the answer.
struct BusProbeAck {
    static constexpr const char* kType = "probeACK";
    template <class F> void fields(F&) {}
};

// {"type":"status","status":S}, the service's presence ("Connected").
struct BusStatus {
    static constexpr const char* kType = "status";
    std::string status;
    template <class F> void fields(F& f) { f("status", status); }
};

// {"type":"msg","address":A,"msg":[texts],"I/O":"in"|"out"} (a plain string is read as one text).
struct BusMsg {
    static constexpr const char* kType = "msg";
    std::string address;
    std::vector<std::string> msg;
    Direction io = Direction::In;
    std::optional<std::string> origin;  // "server" on nlchatd's own replies
    std::optional<std::string> id;      // with acknowledgements
    // On a reply of nlchatd's that answers one of the service's lines: that line's id.
    std::optional<std::string> re = std::nullopt;
    template <class F> void fields(F& f) {
        f("address", address), f("msg", msg), f("I/O", io, Presence::Optional), f("origin", origin), f("id", id),
            f("re", re);
    }
};

// {"type":"chat_state","address":A,"state":S,"I/O":...}
struct BusChatState {
    static constexpr const char* kType = "chat_state";
    std::string address;
    std::string state;
    Direction io = Direction::In;
    template <class F> void fields(F& f) { f("address", address), f("state", state), f("I/O", io, Presence::Optional); }
};

// {"type":"disassociate","address":A}: the caller left, or the chat ended on nlchatd's side.
struct BusDisassociate {
    static constexpr const char* kType = "disassociate";
    std::string address;
    template <class F> void fields(F& f) { f("address", address); }
};

// {"type":"ack","id":ID}: the msg with that id is the receiver's responsibility now.
struct BusAck {
    static constexpr const char* kType = "ack";
    std::string id;
    template <class F> void fields(F& f) { f("id", id); }
};

// {"type":"welcome","acks":true}: nlchatd's answer to a service_online that asked for acks.
struct BusWelcome {
    static constexpr const char* kType = "welcome";
    bool acks = false;
    template <class F> void fields(F& f) { f("acks", acks); }
};

using BusLine = std::variant<BusServiceOnline, BusProbe, BusProbeAck, BusStatus, BusMsg, BusChatState, BusDisassociate,
                             BusAck, BusWelcome>;
using ParsedBusLine = Typed<BusLine>;

inline constexpr const char* kOriginServer = "server";

[[nodiscard]] ParsedBusLine parse_bus_line(const Json::Value& line);
Json::Value bus_json(const BusLine& line);
// The caller a line is about (msg, chat_state, disassociate), or nullptr.
const std::string* bus_address(const BusLine& line);

// Shorthands for the lines most often written.
Json::Value bus_service_online(const std::string& service, bool chat_states, bool acks = false);
Json::Value bus_probe_ack();
Json::Value bus_status(const std::string& status);
Json::Value bus_msg(const std::string& address, const std::vector<std::string>& texts, Direction io);
Json::Value bus_chat_state(const std::string& address, const std::string& state, Direction io);
Json::Value bus_disassociate(const std::string& address);

}  // namespace nlchat
