// SPDX-License-Identifier: GPL-3.0-or-later
// The inner commands of the NL chat protocol, as typed values.
//
// Each command is a struct that lists its fields once, in `fields()`, with the wire name
// of each; one generic reader and one generic writer walk that list, so parsing and
// writing cannot drift apart and adding a field is one line. Field names and JSON types
// are those of nlchat-protocol(7) (the 2015 original's): `ID` is an integer, `msg` a list of
// strings (a plain string is accepted too), `time` and `expires_in` numbers.
//
// Parsing never throws: a missing or mistyped field gives an Invalid result with a
// sentence saying which; an unknown `type` gives Unknown (the protocol says to ignore
// those); unknown fields are ignored. Every string is checked to be valid UTF-8.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/codec/field_codec.h"  // Direction, Presence, ServiceStatus, the reader and writer
#include "core/codec/shift_commands.h"

namespace nlchat {

struct KeyCommand {
    static constexpr const char* kType = "key";
    std::string uuid, key;
    template <class F> void fields(F& f) { f("UUID", uuid), f("key", key); }
};

struct StatusCommand {
    static constexpr const char* kType = "status";
    std::vector<ServiceStatus> services;
    // Optional (SEVERAL CHATS): to a client that reads chat ids, how many it may hold.
    std::optional<std::int64_t> chats = std::nullopt;
    // Optional (THE SHIFT): to such a client, true when it may send `shift`.
    std::optional<bool> shift = std::nullopt;
    template <class F> void fields(F& f) { f("services", services), f("chats", chats), f("shift", shift); }
};

struct RingCommand {
    static constexpr const char* kType = "ring";
    std::string group;
    std::int64_t id = 0;
    std::optional<double> time;        // expiry, epoch seconds (the original's field)
    std::optional<double> expires_in;  // seconds left when sent (prefer: no clock skew)
    // The caller's service (SEVERAL CHATS: only to a client that reads chat ids).
    std::optional<std::string> service = std::nullopt;
    template <class F> void fields(F& f) {
        f("group", group, Presence::Optional), f("ID", id), f("time", time), f("expires_in", expires_in),
            f("service", service);
    }
};

struct RingAckCommand {
    static constexpr const char* kType = "ringACK";
    std::string uuid;
    std::int64_t id = 0;
    template <class F> void fields(F& f) { f("UUID", uuid), f("ID", id); }
};

// The chat ids (an extension, nlchat-protocol(7) "SEVERAL CHATS"): a client that said
// "chats" in its challengeACK gets `chat` on the ringACKACK that opens a chat (its own copy
// only) and on every msg, chat_state and disassociate of that chat, and names the chat in
// its own. A client that never says "chats" sees none of them and holds one chat.
struct RingAckAckCommand {
    static constexpr const char* kType = "ringACKACK";
    std::string uuid;  // the winner; empty when nobody took the ring in time
    std::int64_t id = 0;
    std::optional<std::int64_t> chat = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("ID", id), f("chat", chat); }
};

// Optional `line` (an extension, nlchat-protocol(7) "LINES NOT DELIVERED"): the client's
// own number for one of its lines, so that the server can name it in `undelivered`.
struct MsgCommand {
    static constexpr const char* kType = "msg";
    std::vector<std::string> msg;
    Direction io = Direction::In;
    std::string uuid;
    std::optional<std::int64_t> chat = std::nullopt;
    std::optional<std::int64_t> line = std::nullopt;
    template <class F> void fields(F& f) {
        f("msg", msg), f("I/O", io), f("UUID", uuid), f("chat", chat), f("line", line);
    }
};

// The server's word that an operator's numbered line did not reach the caller's service
// (an extension: sent only for a msg that carried `line`), and why, in a few words the
// client shows beside the line.
struct UndeliveredCommand {
    static constexpr const char* kType = "undelivered";
    std::string uuid;
    std::int64_t line = 0;
    std::string reason;
    std::optional<std::int64_t> chat = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("line", line), f("reason", reason), f("chat", chat); }
};

struct ChatStateCommand {
    static constexpr const char* kType = "chat_state";
    std::string uuid;
    Direction io = Direction::In;
    std::string state;
    std::optional<std::int64_t> chat = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("I/O", io), f("state", state), f("chat", chat); }
};

// The commands whose only field is the client's UUID.
#define NLCHAT_UUID_COMMAND(Name, type)                           \
    struct Name {                                                 \
        static constexpr const char* kType = type;                \
        std::string uuid;                                         \
        template <class F> void fields(F& f) { f("UUID", uuid); } \
    }
NLCHAT_UUID_COMMAND(ProbeCommand, "probe");
NLCHAT_UUID_COMMAND(ProbeAckCommand, "probeACK");
NLCHAT_UUID_COMMAND(DisconnectCommand, "disconnect");
#undef NLCHAT_UUID_COMMAND

struct DisassociateCommand {
    static constexpr const char* kType = "disassociate";
    std::string uuid;
    std::optional<std::int64_t> chat = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("chat", chat); }
};

// Sent unencrypted on every new connection; a seed-conformant server may omit the key.
struct ServerOnlineCommand {
    static constexpr const char* kType = "server_online";
    std::optional<std::string> key;
    template <class F> void fields(F& f) { f("key", key); }
};

struct ChallengeCommand {
    static constexpr const char* kType = "challenge";
    std::string uuid, nonce;
    template <class F> void fields(F& f) { f("UUID", uuid), f("nonce", nonce); }
};

// Optional `chats` (an extension): how many chats at once the client can show; saying
// it at all means the client sends and reads chat ids.
struct ChallengeAckCommand {
    static constexpr const char* kType = "challengeACK";
    std::string uuid, nonce;
    std::optional<std::int64_t> chats = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("nonce", nonce), f("chats", chats); }
};

// Optional `code` (an extension): "replaced" when another connection with the same key
// took the UUID over, "too_many_takeovers" when this one may not (yet). A client told
// either should not redial by itself.
struct RefusedCommand {
    static constexpr const char* kType = "refused";
    std::string uuid, reason;
    std::optional<std::string> code = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("reason", reason), f("code", code); }
};

using Command =
    std::variant<KeyCommand, StatusCommand, RingCommand, RingAckCommand, RingAckAckCommand, MsgCommand,
                 ChatStateCommand, ProbeCommand, ProbeAckCommand, DisassociateCommand, DisconnectCommand,
                 ServerOnlineCommand, ChallengeCommand, ChallengeAckCommand, RefusedCommand, UndeliveredCommand,
                 // The shift (shift_commands.h).
                 ShiftCommand, AwayCommand, ReminderCommand, SupportCommand, SupportAcceptCommand, SupportEndCommand,
                 SupportStateCommand, SupportRequestCommand, ReadalongCommand, ReadCommand, WhisperCommand,
                 HandoverCommand, HandoverAcceptCommand, HandoverCancelCommand, HandoverStateCommand,
                 HandoverOfferCommand, HandoverChatCommand, BoardCommand>;

struct ParsedCommand {
    enum class Kind { Ok, Unknown, Invalid };
    Kind kind = Kind::Invalid;
    std::string type;                // the `type` field as received (empty if none)
    std::optional<Command> command;  // set when kind == Ok
    std::string error;               // set when kind == Invalid
};

[[nodiscard]] ParsedCommand parse_command(const Json::Value& object);

Json::Value to_json(const Command& command);
std::string command_type(const Command& command);

// The command's `UUID` field, or nullptr for the commands that have none (status, ring,
// server_online).
const std::string* command_uuid(const Command& command);

}  // namespace nlchat
