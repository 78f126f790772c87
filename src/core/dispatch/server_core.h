// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd as a sans-IO machine: the dispatch (who gets what), the operator links' protocol
// (v1 packets, the v2 session: offer, answer, resume, frames, acknowledgements) and the
// rule that binds them to the disk: what the dispatch journals in a loop turn is committed
// before any acknowledgement of that turn leaves, on the bus or in a frame.
//
// Bytes and the time come in (a line from an operator or a service, a packet the wiring
// opened, the end of a loop turn); lines to write, connections to close and records for
// the StateStore come out: the records at the end of the turn, committed, and only then
// the turn's lines and closes, so that nothing anyone sees is lost to a crash. server/server.cpp carries the bytes over
// sockets, opens RSA packets on libuv's pool and keeps the journal's file; the simulation (sim/) runs the very same
// machine over a simulated network and disk, crashes and all.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/codec/raw_packet.h"
#include "core/dispatch/dispatch.h"
#include "core/link/v2_sessions.h"

namespace nlchat {

// What survives a restart: the journal (one JSON record a line, group-committed) and the
// ring counter. nlchatd's is server/journal.h on files; the simulation's is in memory.
class StateStore {
public:
    virtual ~StateStore() = default;
    // Queues a record for the next commit.
    virtual void append(const Json::Value& record) = 0;
    virtual bool pending() const = 0;
    // Forgets what is queued (a rewrite from the snapshot follows).
    virtual void discard_pending() = 0;
    // Writes what is queued and waits for the disk. False, with `error`, when it could not.
    [[nodiscard]] virtual bool commit(std::string& error) = 0;
    // Replaces the journal with exactly these records (and drops what is queued).
    [[nodiscard]] virtual bool rewrite(const std::vector<Json::Value>& records, std::string& error) = 0;
    // Ring IDs below `next_id` are about to be used: kept so none is ever handed out twice.
    [[nodiscard]] virtual bool save_ring_counter(std::int64_t next_id, std::string& error) = 0;
    // The operators' resumption tickets (core/link/resumption.h), in a file of their own:
    // a record queued for the next commit (commit() writes both), and a rewrite.
    virtual void append_ticket(const Json::Value& record) = 0;
    [[nodiscard]] virtual bool rewrite_tickets(const std::vector<Json::Value>& records, std::string& error) = 0;
};

class ServerCoreEffects {
public:
    virtual ~ServerCoreEffects() = default;
    // One line (without its newline) to an operator connection or a service.
    virtual void write_operator(ConnId conn, const std::string& line) = 0;
    virtual void write_service(ConnId service, const std::string& line) = 0;
    // Closes a connection (after what was written, when `flush`). The machine has
    // already forgotten it: no operator_closed or service_closed is expected for it.
    virtual void close_operator(ConnId conn, bool flush) = 0;
    virtual void close_service(ConnId service) = 0;
    // A log line; what a peer can repeat at will is worth rate-limiting by its shape.
    virtual void log(LogLevel level, const std::string& text) = 0;
    // A record for the shift figures (core/stats/figures.h: no text, address or caller id).
    virtual void figure(const Json::Value& record) { (void)record; }
};

struct ServerCoreSettings {
    bool v2 = true;                  // answer a client's offer of the v2 session
    bool require_v2 = false;         // refuse clients that do not offer it
    double bare_ack_delay = 0.2;     // a v2 acknowledgement with nothing to carry it waits this long
    double resume_lifetime = 86400;  // how long a resumption ticket lasts (each rejoin renews it)
    DispatchConfig dispatch;
};

class ServerCore : private DispatchEffects {
public:
    // `make_nonce` gives challenge nonces, `log_salt` keys the hash that names callers in
    // logs; `seal` seals v1 packets (the simulation gives a stand-in for RSA).
    // `random` gives random bytes (the resumption nonces; default libgcrypt's pool).
    ServerCore(ServerCoreSettings settings, PublicKey server_key, StateStore& store, ServerCoreEffects& effects,
               std::function<std::string()> make_nonce, std::string log_salt, std::int64_t first_ring_id,
               PacketSealer seal = nullptr, std::function<std::string(std::size_t)> random = nullptr);
    ~ServerCore() override;

    // Rebuilds the state from the journal's records and the tickets file's (at start,
    // before any connection) and compacts both.
    void restore(const std::vector<Json::Value>& records, const std::vector<Json::Value>& tickets, const Now& now);

    // ---- operators ------------------------------------------------------------------
    void operator_connected(ConnId conn, const Now& now);
    // One line from an operator. True when the machine took it (a v2 frame, or a plain
    // `resume`); false: it is a raw packet, to be opened with the server's key
    // (operator_packet, in order).
    bool operator_line(ConnId conn, std::string_view line, const Now& now);
    void operator_packet(ConnId conn, const OpenedPacket& packet, const Now& now);
    // The connection is gone (the peer closed, or the wiring closed it for its own limits).
    void operator_closed(ConnId conn, const Now& now);
    bool joined(ConnId conn) const { return dispatch_->joined(conn); }

    // ---- services -------------------------------------------------------------------
    void service_connected(ConnId service, const Now& now);
    void service_line(ConnId service, std::string_view line, const Now& now);
    void service_closed(ConnId service, const Now& now);

    // ---- time and the disk ------------------------------------------------------------
    // The end of a loop turn: what was journaled goes to the disk, and only then the
    // turn's acknowledgements (on the bus, and v2 frames taken) may leave. True when the
    // next deadline may have moved (a bare acknowledgement or a retry is now due).
    bool end_of_turn(const Now& now);
    void tick(const Now& now);
    std::optional<double> next_deadline() const;
    // Stopping: the last turn's changes are committed (and acknowledged).
    void shutdown(const Now& now);

    Dispatch& dispatch() { return *dispatch_; }
    const Dispatch& dispatch() const { return *dispatch_; }
    const Dispatch::Restored& restored() const { return restored_; }
    std::size_t restored_tickets() const { return restored_tickets_; }
    std::size_t v2_sessions() const { return v2_.size(); }
    std::size_t tickets() const { return tickets_.size(); }
    // True while the journal cannot be written (the disk is full or read-only).
    bool journal_failing() const { return !journal_ok_; }

private:
    // One operator connection as the link sees it.
    struct Link {
        // A v2 offer in its challengeACK, waiting for the join (the switch comes with the
        // first line the dispatch sends it), with what the key schedule needs.
        std::optional<V2Offer> offer;
        std::string uuid, challenge;
        // On v2, a probe's inner text and its answer's as nlchat writes it, built once:
        // an idle server's lines are nearly all these two.
        std::string probe_text, probe_ack_text;
        // This connection's nonce for a `resume` (sent in server_online), used once.
        std::string resume_nonce;
    };

    // DispatchEffects
    void send_plain(ConnId conn, const Json::Value& line) override;
    std::uint64_t send_sealed(ConnId conn, const PublicKey& key, const std::string& uuid,
                              const Command& command) override;
    void close_operator(ConnId conn) override;
    void send_service(ConnId service, const Json::Value& line) override;
    void close_service(ConnId service) override;
    bool save_ring_counter(std::int64_t next_id) override;
    void log(LogLevel level, const std::string& text) override { effects_.log(level, text); }
    void journal(const Json::Value& record) override;
    void operator_forgotten(const std::string& uuid, bool rejoin_allowed) override;
    void ring_figure(const std::string& service, double rang_wall, double waited, const std::string& outcome) override;
    void chat_figure(const std::string& service, double started_wall, double lasted, const std::string& ended_by,
                     std::int64_t handovers, std::int64_t support) override;

    // Closes a connection the machine decided to end, and tells the dispatch.
    void end_link(ConnId conn, bool flush, const Now& now);
    // Before the dispatch sees a challengeACK: notes a v2 offer; false when the
    // connection was refused for not offering a usable one (--require-v2).
    bool note_offer(ConnId conn, Link& link, const OpenedPacket& packet, const Now& now);
    void refuse_v1(ConnId conn, const std::string& uuid, const Now& now);
    // A plain `resume` line: a rejoin without RSA, or a plain `resume_failed` and the
    // connection goes on waiting for `key`.
    void on_resume(ConnId conn, Link& link, const ResumeHello& hello, const Now& now);
    // The operator's ticket from the session its link has now.
    void issue_ticket(const std::string& uuid, const PublicKey& key, V2Endpoint& ep, const Now& now);
    bool switch_to_v2(ConnId conn, Link& link, const PublicKey& key, const std::string& uuid, const Now& now);
    // Writes a frame; its receipt when `track` (a caller's text, which the dispatch keeps
    // until the client acknowledges it), else 0.
    std::uint64_t write_frame(ConnId conn, V2Endpoint& ep, const std::string& inner, bool last, bool track = false);
    // Tells the dispatch which caller texts the client has acknowledged.
    void report_delivered(const std::string& uuid, V2Endpoint& ep);
    void on_frame(ConnId conn, Link& link, V2Endpoint& ep, std::string_view line, const Now& now);
    void send_bare_acks();
    // True when what was journaled is on disk.
    bool commit_journal(const Now& now);
    void flush_acks(const Now& now);
    void finish_turn(const Now& now);
    // What the turn writes and closes waits for its commit (finish_turn), in order.
    void put_operator(ConnId conn, std::string line);
    void put_service(ConnId service, std::string line);
    void put_close(ConnId conn, bool service, bool flush);

    ServerCoreSettings settings_;
    PublicKey server_key_;
    StateStore& store_;
    ServerCoreEffects& effects_;
    PacketSealer seal_;
    std::function<std::string(std::size_t)> random_;
    std::unique_ptr<Dispatch> dispatch_;
    Dispatch::Restored restored_;
    std::size_t restored_tickets_ = 0;
    Now now_;  // the time of the event being handled (the dispatch's effects need it)

    std::unordered_map<ConnId, Link> links_;
    V2Sessions v2_;
    TicketBook tickets_;
    std::size_t ticket_records_ = 0;  // written to the tickets file since its last rewrite
    bool compact_tickets_ = false;    // rewrite it at the next commit
    std::set<ConnId> bare_acks_due_;
    std::optional<double> bare_acks_at_;

    bool compact_ = false;         // a chat ended: rewrite the journal from the snapshot
    bool journal_ok_ = true;       // the last write succeeded
    std::optional<double> retry_;  // ... and while not, the next try (once a second)
    static constexpr std::size_t kMaxHeldAcks = 100000;
    std::vector<std::pair<ConnId, Json::Value>> held_acks_;  // until their turn's commit
    struct Out {
        enum class Kind { Operator, Service, CloseOperator, CloseService } kind;
        ConnId conn;
        std::string line;
        bool flush;
    };
    std::vector<Out> out_;  // this turn's writes and closes
    // Caller texts written this turn to clients that do not acknowledge (v1), with the
    // receipts send_sealed gave them.
    std::vector<std::pair<std::string, std::uint64_t>> written_v1_;
    std::uint64_t next_v1_receipt_ = 1;
};

}  // namespace nlchat
