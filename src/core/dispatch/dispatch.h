// SPDX-License-Identifier: GPL-3.0-or-later
// The server's dispatch: every rule of who gets what, as a sans-IO state machine.
//
// Events come in as method calls (a connection opened, a packet opened, a service line
// read, time passed) with the time as an argument; effects go out through the
// DispatchEffects interface (send this command to that connection, close that one, tell
// that service...). Nothing here touches a socket, a clock or a thread, so the unit tests
// drive it with a fake clock and the server wires it to libuv.
//
// The rules are those of nlchat-protocol(7) and nlchatd(8), with the 2015 original's bugs
// fixed (HACKING.md shows where they sit among the rest):
// rings are keyed by an integer ID that never repeats, several rings may expire at once,
// a grace period holds a caller's messages for a dropped operator and delivers them once,
// operators prove they hold their key before joining, and every bad input is a log line.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/codec/bus_line.h"
#include "core/codec/command.h"
#include "core/codec/shift_commands.h"
#include "core/conn_id.h"
#include "core/crypto/authorized_keys.h"
#include "core/crypto/rsa_key.h"
#include "core/dispatch/dispatch_config.h"
#include "core/link/recent_ids.h"
#include "core/log_level.h"
#include "core/now.h"

namespace nlchat {

// What the dispatch asks the world to do. The server implements it with libuv; tests
// record the calls.
class DispatchEffects {
public:
    virtual ~DispatchEffects() = default;
    // An unencrypted line (only server_online is ever sent this way).
    virtual void send_plain(ConnId conn, const Json::Value& line) = 0;
    // A command sealed to `key` in a raw packet addressed to client `uuid`. Returns a
    // receipt when the link will say the client took it (the v2 session: then
    // Dispatch::operator_delivered names it), 0 when written is all there is to know.
    virtual std::uint64_t send_sealed(ConnId conn, const PublicKey& key, const std::string& uuid,
                                      const Command& command) = 0;
    virtual void close_operator(ConnId conn) = 0;
    virtual void send_service(ConnId service, const Json::Value& line) = 0;
    virtual void close_service(ConnId service) = 0;
    // Ring IDs below `next_id` are about to be used: persist it so that no ID is ever
    // handed out twice, across restarts too. False if it could not be saved; the ring is
    // then not started.
    virtual bool save_ring_counter(std::int64_t next_id) = 0;
    virtual void log(LogLevel level, const std::string& text) = 0;
    // A change to what must survive a restart (dispatch_journal.cpp lists the records):
    // the server appends it to its journal and commits before any acknowledgement of this
    // turn leaves. A record {"j":"end"...} or {"j":"ring_end"...} means text left the live
    // state, and the journal should be rewritten from snapshot() (so it leaves the disk).
    virtual void journal(const Json::Value& record) { (void)record; }
    // The operator is gone for good (its grace ended, it said disconnect, its key was
    // revoked): nothing of its link may be resumed. `rejoin_allowed`: its client may still
    // rejoin without RSA later (the grace ended; not after a disconnect or a revocation).
    virtual void operator_forgotten(const std::string& uuid, bool rejoin_allowed) { (void)uuid, (void)rejoin_allowed; }
    // Shift figures (nlchatd(8), FILES): a ring ended (answered, timed_out, withdrawn) or
    // was never rung (no_listeners, unavailable); a chat ended. No text, address or id.
    virtual void ring_figure(const std::string& service, double rang_wall, double waited, const std::string& outcome) {
        (void)service, (void)rang_wall, (void)waited, (void)outcome;
    }
    virtual void chat_figure(const std::string& service, double started_wall, double lasted,
                             const std::string& ended_by, std::int64_t handovers, std::int64_t support) {
        (void)service, (void)started_wall, (void)lasted, (void)ended_by, (void)handovers, (void)support;
    }
};

class Dispatch {
public:
    // `make_nonce` gives a fresh random challenge nonce; `log_salt` keys the hash that
    // stands for caller addresses in logs; ring IDs start at `first_ring_id`.
    Dispatch(DispatchConfig config, PublicKey server_key, DispatchEffects& effects,
             std::function<std::string()> make_nonce, std::string log_salt, std::int64_t first_ring_id);

    // The fingerprints of operator keys allowed to join (ignored with allow_any_key).
    // Operators already joined whose key is no longer listed are refused and cut off.
    void set_authorized_keys(std::set<std::string> fingerprints);
    // Names and roles by fingerprint (the shift; a key without one is an operator named by
    // its fingerprint).
    void set_profiles(std::map<std::string, OperatorProfile> profiles);

    // True once the connection's operator has answered the challenge.
    bool joined(ConnId conn) const;
    // Whether a key may join (listed, or any key in the open mode).
    bool authorized_key(const PublicKey& key) const { return authorized(key); }
    // The key a connection offered (once it sent `key`), for a refusal the wiring makes.
    const PublicKey* connection_key(ConnId conn) const;

    // ---- operator connections -------------------------------------------------------
    void operator_connected(ConnId conn, const Now& now);
    // A packet that opened: the wrapper's UUID and the inner command object.
    void operator_packet(ConnId conn, const std::string& wrapper_uuid, const Json::Value& inner, const Now& now);
    // The same, for a command the wiring has already parsed (a v2 probeACK it knew by
    // its bytes: the idle server's commonest line, spared the JSON reader).
    void operator_command(ConnId conn, const std::string& wrapper_uuid, const Command& cmd, const Now& now);
    void operator_closed(ConnId conn, const Now& now);
    // What the link knows of a connection before its challengeACK reaches the dispatch:
    // whether it resumes a session whose unacknowledged frames its link sends again (else
    // the dispatch sends the caller texts that were waiting for an acknowledgement again
    // itself), and whether it offered the v2 session (else it is a client run of its own,
    // whose line numbers start again).
    void link_hint(ConnId conn, bool resumes, bool v2_offer);
    // The operator's link has a v2 session `session_id`; the client named `offered_sid` as
    // the session it had. The line numbers taken from a client run are kept with the id of
    // its last session: a client that names it is that run (and may send lines again that
    // were taken already), any other is a new run, which counts from 1 again.
    void link_session(const std::string& uuid, const std::string& offered_sid, const std::string& session_id);
    // A client that proved, with a resumption secret (core/link/resumption.h), that it is
    // the operator `uuid` of key `key`: it joins as after a challenge answered, with the
    // same checks (authorized, one key per UUID, takeovers bounded). False when refused.
    bool resume_join(ConnId conn, const std::string& uuid, const PublicKey& key, std::optional<std::int64_t> chats,
                     const Now& now);
    // The client took everything sent up to this receipt (see DispatchEffects::send_sealed).
    void operator_delivered(const std::string& uuid, std::uint64_t receipt);

    // ---- service bus ----------------------------------------------------------------
    void service_connected(ConnId service, const Now& now);
    void service_line(ConnId service, const Json::Value& line, const Now& now);
    void service_closed(ConnId service, const Now& now);

    // Runs every timer that is due; the earliest future deadline, if any, is then
    // available from next_deadline() (monotonic seconds).
    void tick(const Now& now);
    std::optional<double> next_deadline() const;

    // ---- what survives a restart (dispatch_journal.cpp) --------------------------------
    // The live state as journal records: open rings with their texts, chats (operator,
    // its key, service, caller) with the texts held for an absent operator, the lines
    // written to services and not yet acknowledged, and the ids lately taken from them.
    std::vector<Json::Value> snapshot() const;
    // Rebuilds that state from a journal's records (before any connection): chats come
    // back with their operators absent, in grace from `now`; rings ring again once
    // operators join, with a fresh timeout. Unusable records are skipped and counted.
    struct Restored {
        std::size_t chats = 0, rings = 0, held = 0, unacked = 0, skipped = 0;
    };
    Restored restore(const std::vector<Json::Value>& records, const Now& now);
    // false: the journal cannot be written (disk full, read-only): no new chat starts
    // (callers are told the service is unavailable), the ones there are go on.
    void set_journal_ok(bool ok) { journal_ok_ = ok; }

    // ---- read-only views, for tests, logs and benchmarks ----------------------------
    std::size_t pool_size() const;
    std::size_t open_rings() const { return rings_.size(); }
    std::vector<ServiceStatus> service_statuses() const;
    std::int64_t next_ring_id() const { return next_ring_id_; }
    // The shift's counts since the start (the board's).
    struct ShiftCounts {
        std::int64_t rung = 0, answered = 0, missed = 0, handovers = 0, support = 0;
    };
    const ShiftCounts& shift_counts() const { return counts_; }

private:
    using CallerKey = std::pair<std::string, std::string>;  // service name, address

    struct Connection {
        enum class State { New, Challenged, Joined } state = State::New;
        double opened = 0;
        std::string uuid;
        std::optional<PublicKey> key;
        std::string nonce;
        bool resumes = false, v2_offer = false;  // link_hint()
    };
    struct Operator {
        explicit Operator(PublicKey k) : key(std::move(k)), fingerprint(key.fingerprint()) {}
        PublicKey key;
        std::string fingerprint;  // the key's: what away and the profile are kept by
        bool shift = false;       // its client took the shift commands on this connection
        std::optional<ConnId> conn;
        bool in_pool = false;
        double last_heard = 0;
        std::optional<double> probe_sent;
        std::optional<double> grace_until;
        // Its chats by id (the ring's ID), and whether its client reads chat ids ("chats"
        // in its challengeACK) and how many chats it can show.
        std::map<std::int64_t, CallerKey> chats;
        bool chat_ids = false;
        std::size_t client_chats = 1;
        // Commands for its chats while it is out of the pool, in order, each with its chat.
        // A caller's text is a msg with one text and its line number (below).
        std::vector<std::pair<std::int64_t, Command>> held;
        // Each chat's caller texts are numbered from 1 as they become the operator's; a
        // client that reads chat ids gets the number as the msg's `line`, and drops a line
        // it already has (a text sent again after a restart of nlchatd). Numbers below
        // `reserved` may be used without a journal record (the next block is journaled
        // when they run out), so a restart never hands out a number twice.
        struct ChatLines {
            std::int64_t next = 1, reserved = 0;
        };
        std::map<std::int64_t, ChatLines> lines;
        // Caller texts sent on a link that acknowledges (v2) and not yet acknowledged: on
        // disk as held until then, and sent again after a restart or a new client run.
        struct Unacked {
            std::uint64_t receipt = 0;
            std::int64_t chat = 0, line = 0;
            std::string text;
            bool on_disk = true;  // journaled as held (its service was promised it)
        };
        std::deque<Unacked> unacked;
        // The numbers of the client's own lines lately taken (`line` on its msg): a line
        // its link sends again after a restart of nlchatd is taken once.
        RecentIds took{512};
        std::string took_sid;          // the session of the client run they are from (base64)
        std::deque<double> takeovers;  // when another connection took the UUID over
        // The time of its live entry in operator_wakeups_ (infinity: none).
        double wake_at = std::numeric_limits<double>::infinity();
    };
    struct Ring {
        CallerKey caller;
        std::vector<std::string> held;  // the caller's texts before acceptance, in order
        double expires_mono = 0;
        double expires_wall = 0;
        double rang_mono = 0, rang_wall = 0;  // for the figures and the board
    };
    // What the shift knows of a chat (dispatch_shift.cpp): when it began, its last lines in
    // memory (never on disk) for a reader or a new operator, a request for support and its
    // reader, an open hand-over, and the operator it was handed over from.
    struct ChatInfo {
        std::string owner;  // the operator's UUID
        std::string service;
        double started_wall = 0, started_mono = 0;
        std::int64_t handovers = 0, support = 0;
        struct Entry {
            std::string from, text;
            std::int64_t line = 0;  // a caller text's number with its owner then
        };
        std::deque<Entry> transcript;
        // (The constructors are spelt out: a nested struct's default member initializers
        // are not usable by std::optional inside the enclosing class, for clang.)
        struct Request {
            Request() {}
            double since_wall = 0, since_mono = 0;
            std::set<std::string> shown;  // UUIDs it was sent to
            std::string reader;           // who reads along, once answered
        };
        std::optional<Request> request;
        struct Handover {
            Handover() {}
            std::optional<std::string> to;
            std::string note;
            double expires_mono = 0;
            std::set<std::string> offered;
        };
        std::optional<Handover> handover;
        std::string previous;  // the operator it was handed over from...
        // ...whose lines for it still reach the caller until then (monotonic): written
        // before it learnt of the hand-over. Infinity while that word waits for its link.
        double previous_until = 0;
    };
    struct Away {
        double since_wall = 0, since_mono = 0, remind_at = 0;
    };
    struct Caller {
        std::optional<std::int64_t> ring;
        std::string operator_uuid;  // empty until associated
        std::int64_t chat = 0;      // the chat's id, once associated
    };
    struct Service {
        std::optional<ConnId> conn;
        std::string reported = "Connected";  // the last status it sent
        bool responding = true;
        bool chat_states = true;
        double last_heard = 0;
        std::optional<double> probe_sent;
        // Its outbox: every line written to it while it is away, and the msg lines an
        // acknowledging service has not acknowledged yet, in order, each with an id (a msg
        // carries it on the wire only to a service that asked for acknowledgements). All
        // of it is journaled, so a restart loses none of it; it is written again when the
        // service comes back.
        bool acks = false;  // it asked for acknowledgements (core/codec/bus_line.h)
        std::deque<std::pair<std::string, Json::Value>> outbox;
        std::uint64_t next_id = 1;
        // The ids of its own msgs lately taken (a resend after a reconnect is taken once).
        RecentIds seen;
    };

    // Operator side (dispatch_operators.cpp).
    void handle_key(ConnId conn, Connection& c, const std::string& wrapper_uuid, const KeyCommand& cmd, const Now& now);
    void handle_challenge_ack(ConnId conn, Connection& c, const ChallengeAckCommand& cmd, const Now& now);
    // The key is proved (a challenge answered, or a resumption): the connection joins.
    void join(ConnId conn, Connection& c, std::optional<std::int64_t> chats, const Now& now);
    void handle_joined(ConnId conn, Connection& c, const Command& cmd, const Now& now);
    void handle_ring_ack(const std::string& uuid, Operator& op, const RingAckCommand& cmd);
    void handle_operator_msg(const std::string& uuid, Operator& op, const MsgCommand& cmd);
    // An operator's line that goes no further: logged, and the client told when it
    // numbered the line (UndeliveredCommand), so it is never left shown as delivered.
    void line_not_delivered(const std::string& uuid, const Operator& op, const MsgCommand& cmd,
                            const std::string& reason);
    bool authorized(const PublicKey& key) const;
    void refuse(ConnId conn, const PublicKey& key, const std::string& uuid, const std::string& reason,
                std::optional<std::string> code = std::nullopt);
    // How many takeovers the operator has had within the window (older ones forgotten).
    std::size_t recent_takeovers(Operator& op, const Now& now) const;
    void enter_pool(const std::string& uuid, Operator& op, const Now& now);
    void leave_pool(const std::string& uuid, Operator& op, const Now& now, const char* why);
    void end_grace(const std::string& uuid);
    void end_association(const std::string& uuid, Operator& op, std::int64_t chat, bool tell_service,
                         bool tell_caller_dropped);
    void end_all_chats(const std::string& uuid, Operator& op);
    // Who ends the chats end_association ends now, for the figures ("server" unless set).
    std::string ended_by_ = "server";
    // How many chats the operator may hold now, and the chat an operator's command names
    // (or its only one when it names none); chats.end() when there is no such chat.
    std::size_t chat_limit(const Operator& op) const;
    // The status an operator gets for itself: with its chat limit when it reads chat ids.
    StatusCommand own_status(const Operator& op) const;
    static std::map<std::int64_t, CallerKey>::iterator chat_named(Operator& op, std::optional<std::int64_t> chat);
    // The chat id as the operator is shown it: only to a client that reads them.
    static std::optional<std::int64_t> shown_chat(const Operator& op, std::int64_t chat) {
        return op.chat_ids ? std::optional<std::int64_t>(chat) : std::nullopt;
    }
    void send_to_operator(const std::string& uuid, const Operator& op, const Command& cmd);
    void deliver_or_hold(const std::string& uuid, Operator& op, std::int64_t chat, const Command& cmd);
    // A caller's texts for the operator's chat: numbered, then sent, held or kept until
    // acknowledged (caller_text); with it back, what was held goes (send_held).
    void caller_texts(const std::string& uuid, Operator& op, std::int64_t chat, const std::vector<std::string>& texts);
    void caller_text(const std::string& uuid, Operator& op, std::int64_t chat, MsgCommand msg);
    void send_held(const std::string& uuid, Operator& op);
    std::int64_t next_line(const std::string& uuid, Operator& op, std::int64_t chat);
    // A held or acknowledged caller text as its client is to read it.
    static Command for_client(const Operator& op, std::int64_t chat, Command cmd);
    void broadcast(const Command& cmd);
    void broadcast_status();
    // The ring as `op` is to see it (with the caller's service when its client reads chat ids).
    RingCommand ring_command(std::int64_t id, const Ring& ring, const Operator& op, const Now& now) const;
    bool all_busy() const;

    // The shift (dispatch_shift.cpp).
    void handle_shift(const std::string& uuid, Operator& op, const Command& cmd);
    void shift_hello(const std::string& uuid, Operator& op);
    void handle_away(const std::string& uuid, Operator& op, bool away);
    void handle_support(const std::string& uuid, Operator& op, std::int64_t chat);
    void handle_support_accept(const std::string& uuid, Operator& op, std::int64_t chat);
    void handle_support_end(const std::string& uuid, Operator& op, std::int64_t chat);
    void handle_whisper(const std::string& uuid, Operator& op, const WhisperCommand& cmd);
    void handle_handover(const std::string& uuid, Operator& op, const HandoverCommand& cmd);
    void handle_handover_accept(const std::string& uuid, Operator& op, std::int64_t chat);
    void handle_handover_cancel(const std::string& uuid, Operator& op, std::int64_t chat);
    // The shift's view of an operator: its name, whether it is away, whether it may be
    // rung (in the pool and not away), and whether a supervisor on the shift.
    std::string name_of(const Operator& op) const;
    std::string name_of(const std::string& uuid) const;
    bool is_away(const Operator& op) const { return away_.count(op.fingerprint) > 0; }
    bool available(const Operator& op) const { return op.in_pool && op.conn && !is_away(op); }
    bool supervisor(const Operator& op) const;
    ShiftCommand shift_state(const std::string& uuid, const Operator& op) const;
    // Sends an open request to whoever should see it now and has not (a supervisor on the
    // shift, else any other available operator on it); how many have seen it.
    std::size_t route_request(std::int64_t chat, ChatInfo& info);
    // The same for a request already out, telling its asker when more have seen it.
    void reroute_request(std::int64_t chat, ChatInfo& info);
    void close_request(std::int64_t chat, ChatInfo& info, const std::string& why);
    void end_readalong(std::int64_t chat, ChatInfo& info, const std::string& reason);
    void close_handover(std::int64_t chat, ChatInfo& info, const char* state, const std::string& reason);
    std::vector<ChatEntry> history(const ChatInfo& info, const std::set<std::int64_t>& skip_lines = {}) const;
    // A line of a chat: kept in its transcript and shown to its reader.
    void chat_line(std::int64_t chat, const std::string& from, const std::string& text, std::int64_t line = 0);
    // The operator left the shift for good (grace over, disconnect, revoked).
    void leave_shift(const std::string& uuid);
    void chat_started(std::int64_t chat, const std::string& owner, const std::string& service);
    void chat_ended(std::int64_t chat, const std::string& ended_by);
    // The operator's late line for a chat it handed over: it still reaches the caller. True
    // when `cmd` was such a line (and dealt with).
    bool previous_operator_line(const std::string& uuid, Operator& op, const MsgCommand& cmd);
    void shift_tick(const Now& now);
    std::optional<double> shift_deadline() const;
    void mark_board() { board_dirty_ = true; }
    BoardCommand board(const std::string& uuid) const;

    // Deadlines (dispatch_deadlines.cpp).
    // Puts the operator's next deadline (probe, probe timeout, end of grace) in the queue,
    // unless an entry at or before it is there already (that one, when due, looks again).
    void wake_operator(const std::string& uuid, Operator& op);
    std::optional<double> operator_deadline(const Operator& op) const;
    // What tick() does for one operator whose entry fell due.
    void check_operator(const std::string& uuid, const Now& now);

    // Caller side (dispatch_callers.cpp).
    void handle_service_online(ConnId service, const BusServiceOnline& line, const Now& now);
    void handle_caller_msg(const std::string& service, const BusMsg& line, const Now& now);
    void handle_caller_state(const std::string& service, const BusChatState& line);
    void handle_caller_left(const std::string& service, const BusDisassociate& line);
    void start_ring(const CallerKey& caller, std::vector<std::string> texts, const Now& now,
                    const std::optional<std::string>& re = std::nullopt);
    void expire_ring(std::int64_t id);
    // `re`: the id of the service's line it answers, if any.
    void reply_to_caller(const CallerKey& caller, const std::string& text,
                         const std::optional<std::string>& re = std::nullopt);
    // False when the line was dropped (the service's backlog is full); the log says so.
    bool send_to_service(const std::string& name, const Json::Value& line);
    // Writes a line of the outbox to the service as it is to see it: with its id only if
    // it acknowledges (and the line is a msg). True when the line stays in the outbox.
    bool write_from_outbox(ConnId conn, const Service& s, const std::string& id, const Json::Value& line);
    void service_heard(Service& s, const Now& now);
    bool usable_address(const std::string& service, const std::string& address);
    std::string tag(const CallerKey& caller) const;

    void log(LogLevel level, const std::string& text) { effects_.log(level, text); }

    DispatchConfig config_;
    PublicKey server_key_;
    DispatchEffects& effects_;
    std::function<std::string()> make_nonce_;
    std::string log_salt_;
    // The ids nlchatd gives its lines to acknowledging services start with this run's tag
    // (a service remembers the ids it has seen, and the count starts again after a restart).
    std::string id_prefix_;
    bool journal_ok_ = true;
    // Emits a journal record (a no-op for effects that keep none).
    void journal(const Json::Value& record) { effects_.journal(record); }
    // Journal records (dispatch_journal.cpp lists them), each built in one place for what
    // is emitted as things change and for snapshot() alike.
    static constexpr std::int64_t kLineBlock = 64;  // caller line numbers reserved at a time
    static Json::Value record(const char* kind, std::initializer_list<std::pair<const char*, Json::Value>> fields);
    static Json::Value ring_record(std::int64_t id, const Ring& ring);
    Json::Value chat_record(const std::string& uuid, const Operator& op, std::int64_t chat) const;
    static Json::Value held_record(const std::string& uuid, std::int64_t chat, const std::string& text,
                                   std::int64_t line);
    std::int64_t next_ring_id_;
    std::set<std::string> authorized_;
    std::map<std::string, OperatorProfile> profiles_;  // by fingerprint

    // The shift (dispatch_shift.cpp). `now_` is the time of the event being handled.
    Now now_{};
    std::map<std::int64_t, ChatInfo> chat_info_;  // by chat id
    std::map<std::string, Away> away_;            // by key fingerprint
    ShiftCounts counts_;
    bool board_dirty_ = false;
    double board_sent_ = -1e9;  // monotonic

    // Looked up for every packet and deadline (hashed: 10,000 idle operators made the
    // tree walks a tenth of the idle cost); nothing depends on their order.
    std::unordered_map<ConnId, Connection> connections_;
    std::unordered_map<std::string, Operator> operators_;  // by UUID
    std::map<std::int64_t, Ring> rings_;                   // by ID: iteration is oldest first
    std::map<CallerKey, Caller> callers_;
    std::map<std::string, Service> services_;      // by name
    std::map<ConnId, std::string> service_conns_;  // "" until service_online

    // What falls due when, earliest first, so that neither tick() nor next_deadline()
    // walks every operator and connection (10,000 idle operators made those walks most of
    // the server's idle CPU). An entry may be out of date (the operator was heard from, the
    // connection joined or went): it is checked when it falls due, and the operator's
    // entry is then replaced by its current deadline.
    template <class Key> using WakeQueue =
        std::priority_queue<std::pair<double, Key>, std::vector<std::pair<double, Key>>, std::greater<>>;
    WakeQueue<std::string> operator_wakeups_;
    WakeQueue<ConnId> handshake_wakeups_;
};

}  // namespace nlchat
