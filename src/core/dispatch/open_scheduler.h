// SPDX-License-Identifier: GPL-3.0-or-later
// Which waiting packet nlchatd opens next: operators' before strangers', strangers taken
// in turn by address and rationed.
//
// Opening a v1 packet costs one RSA private-key operation a block (about 4 ms for a
// 2048-bit key), done on libuv's thread pool. Anyone can connect and send right-sized
// junk, so without a rule a few strangers would keep every worker busy while joined
// operators' packets waited behind them. The rule:
//   - a joined operator's packet always goes first (a priority, not a lottery);
//   - strangers (connections that have not joined) may hold at most `stranger_workers`
//     of the workers, so operators always have the rest;
//   - strangers are served address by address in turn, so one address with many
//     connections cannot crowd out the others, and each address spends from a bucket of
//     blocks that refills at `stranger_blocks_per_second`.
// Each connection has at most one packet here at a time (its packets are opened in
// order, one after the other); the server keeps the rest in the connection's queue.
//
// Sans-IO: the caller passes the time and starts the jobs this hands out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace nlchat {

class OpenScheduler {
public:
    using ConnId = std::uint64_t;

    struct Limits {
        std::size_t workers = 4;                 // jobs at once (libuv's thread pool has 4)
        std::size_t stranger_workers = 1;        // of which strangers may hold at most this many
        double stranger_blocks_per_second = 25;  // per address
        double stranger_burst_blocks = 50;       // per address, when it has been quiet
    };

    explicit OpenScheduler(Limits limits) : limits_(limits) {}

    // Connection `conn` has a packet of `blocks` blocks waiting. `trusted` for a joined
    // operator; `group` names the stranger's address (ignored when trusted).
    void add(ConnId conn, bool trusted, const std::string& group, std::size_t blocks, double now);

    // The connection closed or its packet was dropped: its waiting packet leaves.
    void remove(ConnId conn);

    // The next connection whose packet should be opened now, if a worker may take one.
    // The caller starts the job and calls finished() when it is done.
    std::optional<ConnId> next(double now);
    void finished(ConnId conn);

    // When a rationed address will have blocks again (to set a timer), if anything waits
    // for that.
    std::optional<double> wake_at() const;

    std::size_t waiting() const;
    std::size_t running() const { return running_.size(); }

private:
    struct Waiting {
        ConnId conn;
        double blocks;
    };
    struct Group {
        std::deque<Waiting> queue;
        double tokens = 0;
        double refilled = 0;
    };
    void refill(Group& g, double now) const;

    Limits limits_;
    std::deque<ConnId> trusted_;
    std::map<std::string, Group> groups_;  // strangers by address
    std::deque<std::string> turn_;         // groups with packets waiting, in turn order
    std::map<ConnId, bool> running_;       // conn -> was a stranger's job
    std::size_t running_strangers_ = 0;
};

}  // namespace nlchat
