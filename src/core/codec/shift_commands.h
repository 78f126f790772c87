// SPDX-License-Identifier: GPL-3.0-or-later
// The shift commands (an optional extension, nlchat-protocol(7) "THE SHIFT"): away and
// back, asking for support, a supervisor reading along and whispering, handing a chat
// over, and the supervisor's board. The server offers them with "shift" in the status it
// sends a client that reads chat ids; a client takes the offer by sending `shift`, and
// only then gets any of them. A 2015 client, or one that never sends `shift`, sees none.
//
// Field names are the manual's; `chat` is always the chat's id (the ID of the ring that
// opened it). Each struct lists its fields once, like every command (command.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/codec/field_codec.h"

namespace nlchat {

// Client: "I take the shift commands" (answered by the server's `shift`). Server: who the
// operator is on this shift, sent in answer and whenever its away changes.
struct ShiftCommand {
    static constexpr const char* kType = "shift";
    std::string uuid;
    std::optional<std::string> name = std::nullopt;  // from the authorized keys file
    std::optional<std::string> role = std::nullopt;  // "operator" or "supervisor"
    std::optional<bool> away = std::nullopt;
    std::optional<std::int64_t> away_for = std::nullopt;  // seconds, while away
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("name", name), f("role", role), f("away", away), f("away_for", away_for);
    }
};

// Client: away (not rung) or back.
struct AwayCommand {
    static constexpr const char* kType = "away";
    std::string uuid;
    bool away = true;
    template <class F> void fields(F& f) { f("UUID", uuid), f("away", away); }
};

// Server: the operator has been away this long (nlchatd --away-reminder).
struct ReminderCommand {
    static constexpr const char* kType = "reminder";
    std::string uuid;
    std::int64_t away_for = 0;
    template <class F> void fields(F& f) { f("UUID", uuid), f("away_for", away_for); }
};

// The commands a client sends about one chat with nothing else: ask for support, answer a
// request, end a read-along, take a hand-over, cancel one's own hand-over.
#define NLCHAT_CHAT_COMMAND(Name, type)                                            \
    struct Name {                                                                  \
        static constexpr const char* kType = type;                                 \
        std::string uuid;                                                          \
        std::int64_t chat = 0;                                                     \
        template <class F> void fields(F& f) { f("UUID", uuid), f("chat", chat); } \
    }
NLCHAT_CHAT_COMMAND(SupportCommand, "support");
NLCHAT_CHAT_COMMAND(SupportAcceptCommand, "support_accept");
NLCHAT_CHAT_COMMAND(SupportEndCommand, "support_end");
NLCHAT_CHAT_COMMAND(HandoverAcceptCommand, "handover_accept");
NLCHAT_CHAT_COMMAND(HandoverCancelCommand, "handover_cancel");
#undef NLCHAT_CHAT_COMMAND

// Server, to the operator who asked: where its request for support stands.
// state: "asked" (`seen_by`: how many were shown it), "reading" (`by` reads along),
// "ended" (`by` ended it, or `reason`).
struct SupportStateCommand {
    static constexpr const char* kType = "support_state";
    std::string uuid;
    std::int64_t chat = 0;
    std::string state;
    std::optional<std::string> by = std::nullopt;
    std::optional<std::int64_t> seen_by = std::nullopt;
    std::optional<std::string> reason = std::nullopt;
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("chat", chat), f("state", state), f("by", by), f("seen_by", seen_by), f("reason", reason);
    }
};

// Server, to a supervisor (or, with none on shift, another available operator): an
// operator asks for support in a chat `age` seconds old; state "open", or "closed" once
// answered, withdrawn or ended.
struct SupportRequestCommand {
    static constexpr const char* kType = "support_request";
    std::string uuid;
    std::int64_t chat = 0;
    std::string from;
    std::int64_t age = 0;
    std::string state = "open";
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("chat", chat), f("from", from), f("age", age), f("state", state);
    }
};

// One line of a chat as a reader or a new operator is shown it: "caller", "operator" (the
// chat's operator), "previous" (the operator who handed the chat over).
struct ChatEntry {
    std::string from;
    std::string text;
    template <class F> void fields(F& f) { f("from", from), f("text", text); }
};

// Server, to the reader: a read-along opens (with the chat so far) or ends.
struct ReadalongCommand {
    static constexpr const char* kType = "readalong";
    std::string uuid;
    std::int64_t chat = 0;
    std::string state;  // "open" or "ended"
    std::optional<std::string> operator_name = std::nullopt;
    std::optional<std::string> service = std::nullopt;
    std::optional<std::string> reason = std::nullopt;
    std::vector<ChatEntry> history;
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("chat", chat), f("state", state), f("operator", operator_name), f("service", service),
            f("reason", reason), f("history", history, Presence::Optional);
    }
};

// Server: a line of a chat the client sees but did not write (the reader's live feed; the
// previous operator's last lines, to the new one).
struct ReadCommand {
    static constexpr const char* kType = "read";
    std::string uuid;
    std::int64_t chat = 0;
    std::string from;
    std::string text;
    template <class F> void fields(F& f) { f("UUID", uuid), f("chat", chat), f("from", from), f("text", text); }
};

// Client (the reader): words for the chat's operator only. Server (to the operator): the
// same, with `from`. Never sent on the service bus.
struct WhisperCommand {
    static constexpr const char* kType = "whisper";
    std::string uuid;
    std::int64_t chat = 0;
    std::string text;
    std::optional<std::string> from = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("chat", chat), f("text", text), f("from", from); }
};

// Client: hand chat `chat` to the operator named `to`, or (none) to whoever takes it.
struct HandoverCommand {
    static constexpr const char* kType = "handover";
    std::string uuid;
    std::int64_t chat = 0;
    std::optional<std::string> to = std::nullopt;
    std::optional<std::string> note = std::nullopt;
    template <class F> void fields(F& f) { f("UUID", uuid), f("chat", chat), f("to", to), f("note", note); }
};

// Server, to the operator handing over: "offered" (`seen_by` were shown it), "done"
// (`to` has it now), "failed" or "expired" or "cancelled" (the chat stays; `reason`).
struct HandoverStateCommand {
    static constexpr const char* kType = "handover_state";
    std::string uuid;
    std::int64_t chat = 0;
    std::string state;
    std::optional<std::string> to = std::nullopt;
    std::optional<std::int64_t> seen_by = std::nullopt;
    std::optional<std::string> reason = std::nullopt;
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("chat", chat), f("state", state), f("to", to), f("seen_by", seen_by), f("reason", reason);
    }
};

// Server, to a colleague: a chat offered to them (state "open"), or no longer ("closed").
struct HandoverOfferCommand {
    static constexpr const char* kType = "handover_offer";
    std::string uuid;
    std::int64_t chat = 0;
    std::string from;
    std::optional<std::string> note = std::nullopt;
    std::optional<std::string> service = std::nullopt;
    std::int64_t age = 0;
    std::optional<double> expires_in = std::nullopt;
    std::string state = "open";
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("chat", chat), f("from", from), f("note", note), f("service", service), f("age", age),
            f("expires_in", expires_in), f("state", state);
    }
};

// Server, to the operator who took a hand-over: the chat is theirs now, with what came
// before; the caller's texts not yet shown to the previous operator follow as msgs.
struct HandoverChatCommand {
    static constexpr const char* kType = "handover_chat";
    std::string uuid;
    std::int64_t chat = 0;
    std::string from;
    std::optional<std::string> note = std::nullopt;
    std::optional<std::string> service = std::nullopt;
    std::vector<ChatEntry> history;
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("chat", chat), f("from", from), f("note", note), f("service", service),
            f("history", history, Presence::Optional);
    }
};

// The supervisor's board: who is on, the rings waiting, the requests for support, and the
// shift's counts since nlchatd started.
struct BoardOperator {
    std::string name;
    std::string role;
    std::string state;  // "available", "busy" (at its chat limit), "away", "absent" (link lost, in grace)
    std::int64_t chats = 0;
    std::int64_t for_seconds = 0;  // in this state (busy/available with chats: since its oldest chat began)
    template <class F> void fields(F& f) {
        f("name", name), f("role", role), f("state", state), f("chats", chats), f("for", for_seconds);
    }
};
struct BoardRing {
    std::int64_t id = 0;
    std::string service;
    std::int64_t age = 0;
    template <class F> void fields(F& f) { f("ID", id), f("service", service), f("age", age); }
};
struct BoardRequest {
    std::int64_t chat = 0;
    std::string from;
    std::int64_t age = 0;                          // since it was asked
    std::optional<std::string> by = std::nullopt;  // reading along, once answered
    template <class F> void fields(F& f) { f("chat", chat), f("from", from), f("age", age), f("by", by); }
};
struct BoardCommand {
    static constexpr const char* kType = "board";
    std::string uuid;
    std::vector<BoardOperator> operators;
    std::vector<BoardRing> rings;
    std::vector<BoardRequest> requests;
    std::int64_t rung = 0, answered = 0, missed = 0, handovers = 0, support = 0;
    template <class F> void fields(F& f) {
        f("UUID", uuid), f("operators", operators), f("rings", rings), f("requests", requests), f("rung", rung),
            f("answered", answered), f("missed", missed), f("handovers", handovers), f("support", support);
    }
};

}  // namespace nlchat
