// SPDX-License-Identifier: GPL-3.0-or-later
// The simulation's world: one seed, one clock, one queue of events, and a network of
// ordered byte streams between simulated processes (HACKING.md, "The simulation").
//
// Everything that happens is an event at a simulated time; events at the same time run
// in the order they were scheduled, so a seed replays exactly. The network keeps each
// direction of a connection in order (as TCP does); a process that crashes leaves what it
// wrote on its way (the kernel sends it) and loses what was on its way to it; a cut link
// loses both directions. Every event can leave a line in the trace, which a failing seed
// prints.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace nlchat::sim {

class World {
public:
    explicit World(std::uint64_t seed) : rng_(seed) {}

    double now() const { return now_; }
    // Runs `f` at now + `delay`.
    void at(double delay, std::function<void()> f);
    // Runs events until none is left before `until` (or an invariant broke); the clock
    // then reads `until`.
    // `after_each` (if set) runs after every event: the invariants that hold at every step.
    void run_until(double until);
    std::function<void()> after_each;
    std::size_t events() const { return events_; }

    // The seed's random numbers.
    double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
    bool chance(double p) { return uniform(0, 1) < p; }
    std::size_t pick(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
    std::string random_bytes(std::size_t n);

    // A line of the trace (kept whole; the tail is printed for a failing seed).
    void trace(const std::string& who, const std::string& what);
    const std::vector<std::string>& trace_lines() const { return trace_; }
    bool tracing_live = false;  // also print each line as it happens

    // The first broken invariant (the run stops checking after it).
    void fail(const std::string& why);
    const std::optional<std::string>& failure() const { return failure_; }

private:
    struct Event {
        double when;
        std::uint64_t order;
        std::function<void()> f;
        bool operator>(const Event& o) const { return when != o.when ? when > o.when : order > o.order; }
    };
    std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
    static constexpr std::size_t kMaxEventsAtOnce = 100000;
    double now_ = 0;
    double last_busy_ = -1;
    std::size_t events_now_ = 0;
    std::uint64_t next_order_ = 0;
    std::size_t events_ = 0;
    std::mt19937_64 rng_;
    std::vector<std::string> trace_;
    std::optional<std::string> failure_;
};

// An end of a connection: what it is told.
struct Endpoint {
    std::function<void(const std::string& line)> on_line;
    std::function<void()> on_close;
};

// Ordered streams between two ends, "a" (the one that dialled) and "b" (the one that
// accepted). Ids never repeat.
class Net {
public:
    explicit Net(World& world) : world_(world) {}

    std::uint64_t open(Endpoint a, Endpoint b);
    // Writes a line from one end (a: true) to the other. False when the connection is gone.
    bool write(std::uint64_t conn, bool from_a, const std::string& line);
    // One end closes: what it wrote still arrives, then the close; what was on its way to
    // it is lost. (Also a process that dies: the kernel does the same.)
    void close(std::uint64_t conn, bool by_a);
    // The link breaks: nothing more arrives either way, and each end learns of it after a
    // while (a reset, or a probe that goes unanswered).
    void cut(std::uint64_t conn);
    // An end stops reading (a frozen process): what is written to it waits.
    void pause_reading(std::uint64_t conn, bool a, bool paused);
    bool alive(std::uint64_t conn) const { return conns_.count(conn) != 0; }
    // Whether a line written now toward end a (or b) would arrive (its reader has not
    // closed, and the link is not cut).
    bool would_arrive(std::uint64_t conn, bool to_a) const;
    // Lines on their way, both ways (for what may be counted as not yet lost).
    std::vector<const std::string*> in_flight(std::uint64_t conn, bool to_a) const;
    std::vector<std::uint64_t> connections() const;
    // Delay of one line (a loopback or a LAN: a few milliseconds, now and then more).
    double latency();

private:
    struct Direction {
        std::deque<std::pair<double, std::string>> lines;  // arrival time, line
        bool paused = false;
        bool closing = false;  // the writer closed: after the lines, the close
        bool delivering = false;
    };
    struct Conn {
        Endpoint a, b;
        Direction to_a, to_b;
        bool dead = false;
    };
    void schedule(std::uint64_t id, bool to_a);
    void deliver(std::uint64_t id, bool to_a);
    void finish(std::uint64_t id);

    World& world_;
    std::map<std::uint64_t, Conn> conns_;
    std::uint64_t next_ = 1;
};

}  // namespace nlchat::sim
