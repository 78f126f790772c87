// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd in the simulation: the real ServerCore (core/dispatch/server_core.h) on the
// simulated network, with its journal on a simulated disk that keeps only what was
// committed when the process is killed. What server/server.cpp does with sockets and
// libuv's pool, this does with the world's events: one event is one loop turn, ended by
// the core's commit, and v1 packets are "opened" a moment after they arrive, in order.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/dispatch/server_core.h"
#include "sim/ledger.h"
#include "sim/world.h"

namespace nlchat::sim {

// The state dir: the journal as committed, and the ring counter.
struct Disk {
    std::vector<Json::Value> journal;
    std::vector<Json::Value> tickets;  // the operators' resumption tickets
    std::int64_t ring_counter = 1;
    bool full = false;  // every write fails (a full disk, a read-only state dir)
    std::uint64_t version = 0;
    // Planted bugs, to show the simulation catches them (nlchat-sim --plant):
    // a commit that only reaches the disk one turn later (so acknowledgements leave
    // before their records are safe), and a dispatch whose held texts never reach it.
    bool plant_late_commit = false;
    bool plant_drop_held = false;
    std::vector<Json::Value> limbo;  // late_commit: written, not yet safe
};

// A v1 packet in the simulation: the inner JSON in the clear (RSA is the codec's to test,
// and would bound how many runs the simulation makes); the tags stay readable in flight.
std::string sim_seal(std::string_view inner, const PublicKey& key, std::string_view uuid, Role to);
std::optional<OpenedPacket> sim_open(const std::string& line);

class SimServer : private ServerCoreEffects, private StateStore {
public:
    SimServer(World& world, Net& net, Ledger& ledger, Disk& disk, const PrivateKey& key, ServerCoreSettings settings,
              std::set<std::string> authorized);
    ~SimServer() override;

    // The operators' names and roles (the shift), as the authorized keys file's comments
    // would give them.
    void set_profiles(std::map<std::string, OperatorProfile> profiles) { profiles_ = std::move(profiles); }

    void start();
    // kill -9: the process and its memory are gone; the disk keeps what was committed.
    void crash();
    // The next event is handled but the process dies before its turn's commit; it is
    // started again `restart_after` seconds after that.
    void crash_before_commit(double restart_after) { crash_before_commit_ = restart_after; }
    // No such crash is waiting any more.
    void heal() { crash_before_commit_.reset(); }
    // SIGTERM: the last turn is committed, then the process ends.
    void stop();
    bool alive() const { return core_ != nullptr; }
    // The key operators pin.
    std::optional<PublicKey> key_for_clients() const { return key_.public_key(); }
    int run() const { return run_; }
    // Hand-overs that reached the disk.
    std::size_t handovers() const { return handovers_; }

    // A client dials the operator port or the service socket: the connection, or nothing
    // when nlchatd is not running.
    std::optional<std::uint64_t> dial_operator(Endpoint client);
    std::optional<std::uint64_t> dial_service(Endpoint client);

    // The texts a restart from the disk as it is now would bring back.
    const std::set<std::string>& restorable_texts();
    // What nlchatd has written to a connection and is still on its way (v1 packets and bus
    // lines are in the clear).
    bool in_flight_to_clients(const std::string& tag) const;
    // Whether the journal could not be written at (or within a second of) time `t`.
    bool journal_failing_at(double t) const;

private:
    struct Conn {
        std::uint64_t net = 0;
        bool service = false;
        std::deque<std::string> to_open;  // v1 packets waiting to be opened
        bool opening = false;
    };

    // ServerCoreEffects
    void write_operator(ConnId conn, const std::string& line) override;
    void write_service(ConnId service, const std::string& line) override;
    void close_operator(ConnId conn, bool flush) override;
    void close_service(ConnId service) override;
    void log(LogLevel level, const std::string& text) override;
    // StateStore
    void append(const Json::Value& record) override;
    bool pending() const override { return !buffer_.empty() || !ticket_buffer_.empty(); }
    void discard_pending() override { buffer_.clear(), ticket_buffer_.clear(); }
    bool commit(std::string& error) override;
    bool rewrite(const std::vector<Json::Value>& records, std::string& error) override;
    bool save_ring_counter(std::int64_t next_id, std::string& error) override;
    void append_ticket(const Json::Value& record) override { ticket_buffer_.push_back(record); }
    bool rewrite_tickets(const std::vector<Json::Value>& records, std::string& error) override;

    std::optional<std::uint64_t> accept(Endpoint client, bool service);
    void on_line(ConnId conn, const std::string& line);
    void open_next(ConnId conn);
    void on_close(ConnId conn);
    // Records on their way to the disk: a chat or ring that ended on nlchatd's side
    // means its caller is told (in the same turn, or from the journal's outbox).
    void committing(const std::vector<Json::Value>& records);
    // The end of a loop turn: the commit, then the timer for the next deadline.
    void end_turn();
    // Whose chat each caller's is: told to the ledger as nlchatd's memory changes, and
    // again from the disk when that memory is lost (a restart takes it from there).
    void chat_record(const Json::Value& record);
    void holders_from_disk();
    void rearm();
    Now now() const;

    World& world_;
    Net& net_;
    Ledger& ledger_;
    Disk& disk_;
    std::map<std::string, std::pair<std::string, std::string>>
        callers_of_;  // "op/chat" or "ring/id" -> service, address
    const PrivateKey& key_;
    ServerCoreSettings settings_;
    std::set<std::string> authorized_;
    std::map<std::string, OperatorProfile> profiles_;
    std::size_t handovers_ = 0;
    std::map<std::int64_t, std::pair<std::string, std::string>> chat_addresses_;  // chat id -> service, address
    std::unique_ptr<ServerCore> core_;
    int run_ = 0;
    std::map<ConnId, Conn> conns_;
    ConnId next_conn_ = 1;
    std::vector<Json::Value> buffer_;         // appended, not yet committed
    std::vector<Json::Value> ticket_buffer_;  // ... and the tickets
    std::uint64_t timer_generation_ = 0;
    std::optional<double> crash_before_commit_;
    std::vector<std::pair<double, double>> failing_;  // spells the journal could not be written
    std::uint64_t restorable_version_ = ~std::uint64_t{0};
    std::set<std::string> restorable_;
};

}  // namespace nlchat::sim
