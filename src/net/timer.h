// SPDX-License-Identifier: GPL-3.0-or-later
// A one-shot or repeating timer on the loop, owned by a C++ object.
#pragma once

#include <functional>
#include <initializer_list>

#include "net/loop.h"

struct uv_timer_s;
struct uv_signal_s;

namespace nlchat::net {

class Timer {
public:
    explicit Timer(Loop& loop);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // Calls `fire` after `seconds` (and then every `repeat` seconds if not 0).
    void start(double seconds, std::function<void()> fire, double repeat = 0);
    void stop();
    bool active() const;
    // Closes the handle (the loop can then end); the object may be destroyed later.
    void close();

    // A timer that does not keep the loop alive on its own.
    void unref();

private:
    uv_timer_s* timer_;
    std::function<void()> fire_;
};

// Signals (SIGHUP, SIGTERM, SIGINT, SIGWINCH...) delivered on the loop.
class SignalWatcher {
public:
    SignalWatcher(Loop& loop, int signum, std::function<void()> on_signal);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;
    void unref();
    // Stops watching and closes the handle; safe inside the signal's own callback.
    void close();

private:
    uv_signal_s* signal_;
    std::function<void()> on_signal_;
};

// Runs `work` on libuv's thread pool, then `done` on the loop. Work that must not run
// in parallel with itself is the caller's to serialise.
void run_in_pool(Loop& loop, std::function<void()> work, std::function<void()> done);

// Starts libuv's thread pool (it is started once per process, by its first work) with
// `signals` blocked in its threads, which keep the mask they start with. Those signals
// then always go to the loop's thread: a program can hold one back there (while libuv
// gives it its default action back on closing its last watcher, say) knowing that no
// pool thread takes it instead. Call it before anything else uses the pool.
void start_pool_deaf_to(std::initializer_list<int> signals, Loop& loop);

// Seconds on a monotonic clock, for timers; and the wall clock as epoch seconds.
double monotonic_seconds();
double wall_seconds();

}  // namespace nlchat::net
