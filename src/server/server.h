// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's wiring: the operator port and the service bus on one libuv loop, feeding
// the dispatch state machine (src/core/dispatch/dispatch.h) and carrying out its effects.
//
// Packets are opened in two steps: the cheap checks on the loop, then the RSA work
// (about 4 ms a block) on libuv's thread pool, one packet at a time per connection so
// that each operator's commands keep their order. Which connection's packet goes to the
// pool next is the OpenScheduler's choice: joined operators before strangers, strangers
// rationed by address. Before a connection has joined it is held to a short line, a few
// small packets and a per-address count, and the oldest of them makes way when the
// process runs short of file descriptors. No protocol rule lives here: those are the
// ServerCore's (core/dispatch/server_core.h), which this file feeds with bytes and time.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "core/codec/host_port.h"
#include "core/codec/raw_packet.h"
#include "core/dispatch/open_scheduler.h"
#include "core/dispatch/server_core.h"
#include "net/line_stream.h"
#include "net/listener.h"
#include "net/logger.h"
#include "net/loop.h"
#include "net/poll.h"
#include "net/timer.h"
#include "server/figures_file.h"
#include "server/journal.h"

namespace nlchat {

struct ServerSettings {
    HostPort listen{"127.0.0.1", 7780};
    std::string key_file = "/var/lib/nlchatd/server.key";
    std::string state_dir;  // default: the key file's directory
    std::string authorized_keys_file;
    std::string service_socket = "/run/nlchatd/services.sock";
    std::size_t max_line = std::size_t{64} * 1024;  // operator port, once joined
    std::size_t max_service_line = std::size_t{64} * 1024;
    std::size_t max_queued_packets = 64;  // per connection, waiting to be opened
    // Before a connection has joined: enough for `key` with an 8192-bit operator key and
    // the challengeACK, and no more.
    std::size_t preauth_max_line = std::size_t{8} * 1024;
    std::size_t preauth_max_blocks = 10;
    std::size_t preauth_max_packets = 4;
    std::size_t max_strangers_per_address = 32;  // connections not yet joined, per address
    std::size_t max_connections = 0;             // 0: from the open-file limit
    OpenScheduler::Limits open_limits;
    bool verbose = false;
    bool v2 = true;                  // answer a client's offer of the v2 session
    bool require_v2 = false;         // refuse clients that do not offer it
    double bare_ack_delay = 0.2;     // a v2 acknowledgement with nothing to carry it waits this long
    double resume_lifetime = 86400;  // a resumption ticket's life (--resume-for)
    std::string figures_file;        // the shift figures; default STATEDIR/figures, "none": off
    DispatchConfig dispatch;
};

class Server : private ServerCoreEffects, private StateStore {
public:
    Server(net::Loop& loop, ServerSettings settings, PrivateKey key, Logger& logger);
    ~Server() override;

    // Loads state and authorized keys, and starts listening. On failure returns false
    // with a sentence in `error`.
    [[nodiscard]] bool start(std::string& error);

    // Re-reads the authorized-keys file (SIGHUP).
    void reload_authorized_keys();

    // Stops listening and closes every connection; the loop then ends once the thread
    // pool has finished what it was doing.
    void shutdown();

    HostPort bound() const { return operators_listener_.bound(); }

private:
    // ServerCoreEffects
    void write_operator(ConnId conn, const std::string& line) override;
    void write_service(ConnId service, const std::string& line) override;
    void close_operator(ConnId conn, bool flush) override;
    void close_service(ConnId service) override;
    // Lines of the core's that a peer can repeat at will are rate-limited by shape.
    void log(LogLevel level, const std::string& text) override { logger_.log_by_shape(level, text); }
    void figure(const Json::Value& record) override;
    // StateStore: the journal file and the ring counter file in the state dir.
    // The tickets (core/link/resumption.h) are a second journal, `tickets`, committed with it.
    void append(const Json::Value& record) override { journal_->append(record); }
    bool pending() const override { return journal_->pending() || tickets_->pending(); }
    void discard_pending() override { journal_->discard_pending(), tickets_->discard_pending(); }
    bool commit(std::string& error) override { return journal_->commit(error) && tickets_->commit(error); }
    bool rewrite(const std::vector<Json::Value>& records, std::string& error) override {
        return journal_->rewrite(records, error) && tickets_->commit(error);
    }
    bool save_ring_counter(std::int64_t next_id, std::string& error) override;
    void append_ticket(const Json::Value& record) override { tickets_->append(record); }
    bool rewrite_tickets(const std::vector<Json::Value>& records, std::string& error) override {
        return tickets_->rewrite(records, error);
    }

    struct OperatorConn {
        std::unique_ptr<net::LineStream> stream;
        std::string group;                // the peer's address group (core/codec/host_port.h)
        std::deque<SplitPacket> queue;    // packets waiting to be opened, in order
        bool joined = false;              // has answered the challenge
        bool offered = false;             // its first packet waits in the scheduler
        bool opening = false;             // one packet in the thread pool
        bool closed = false;              // the peer is gone; its last packets still count
        std::size_t preauth_packets = 0;  // packets sent before joining
        std::string close_reason;
    };
    void finish_close(ConnId conn);
    // Removes a connection's every trace here (not the core's); closes its stream.
    void forget(ConnId conn, bool flush);
    // forget(), and the core is told the connection is gone.
    void drop(ConnId conn);
    // A stranger broke a pre-join rule: close it, with a rate-limited log line.
    void drop_stranger(ConnId conn, const std::string& why);

    void accept_operator(std::unique_ptr<net::LineStream> client);
    bool make_room(const std::string& why);
    void accept_service(std::unique_ptr<net::LineStream> client);
    void on_operator_line(ConnId conn, std::string_view line);
    void offer(ConnId conn);
    void pump();
    void start_open(ConnId conn);
    void opened(ConnId conn, OpenResult& result, bool was_joined);
    void on_service_line(ConnId conn, std::string_view line);
    // reschedule() only asks; rearm_deadline() (before the loop blocks) does it.
    void rearm_deadline();
    void reschedule();
    // Reads the authorized-keys file into the dispatch; logs its bad lines and the count.
    [[nodiscard]] bool load_authorized_keys(const std::string& log_prefix, std::string& error);
    [[nodiscard]] bool load_ring_counter(std::int64_t& first_id, std::string& error);
    Now now() const;
    std::string ring_counter_path() const;
    // Loads the journal into the core, which compacts it (at start).
    [[nodiscard]] bool restore_journal(std::string& error);

    net::Loop& loop_;
    ServerSettings settings_;
    PrivateKey key_;
    Logger& logger_;
    std::unique_ptr<ServerCore> core_;
    FiguresFile figures_;  // the shift figures (server/figures_file.h)
    net::Listener operators_listener_, services_listener_;
    net::Timer deadline_;
    net::Timer pump_timer_;   // wakes the scheduler when a rationed address has blocks again
    net::Timer rearm_timer_;  // wakes the loop to re-arm deadline_ (rearm_deadline)
    bool reschedule_due_ = false;
    double last_rearm_ = -1, last_tick_ = -1;
    OpenScheduler scheduler_;
    std::map<std::string, std::size_t> strangers_;  // connections not yet joined, by group
    // Looked up for every line in and out, so hashed (make_room finds the oldest itself).
    std::unordered_map<ConnId, OperatorConn> operators_;
    std::map<ConnId, std::unique_ptr<net::LineStream>> services_;
    ConnId next_conn_ = 1;
    bool shutting_down_ = false;
    std::unique_ptr<Journal> journal_, tickets_;
    std::unique_ptr<net::BeforeBlock> commit_;  // the end of each loop turn
};

}  // namespace nlchat
