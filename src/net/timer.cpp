// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/timer.h"

#include <pthread.h>
#include <uv.h>

#include <cmath>
#include <csignal>
#include <ctime>

#include "net/handle.h"

namespace nlchat::net {
namespace {

uint64_t to_ms(double seconds) { return seconds <= 0 ? 0 : static_cast<uint64_t>(std::ceil(seconds * 1000)); }

}  // namespace

Timer::Timer(Loop& loop) : timer_(new_handle<uv_timer_t>()) {
    uv_must(uv_timer_init(loop.raw(), timer_), "uv_timer_init");
    timer_->data = this;
}

Timer::~Timer() { close_and_free(timer_); }

void Timer::start(double seconds, std::function<void()> fire, double repeat) {
    if (!timer_) return;
    fire_ = std::move(fire);
    uv_must(uv_timer_start(
                timer_,
                [](uv_timer_t* t) {
                    auto* self = static_cast<Timer*>(t->data);
                    if (self && self->fire_) {
                        // Copy: the callback may restart this timer with a new function.
                        auto callback = self->fire_;
                        callback();
                    }
                },
                to_ms(seconds), to_ms(repeat)),
            "uv_timer_start");
}

void Timer::stop() {
    if (timer_) (void)uv_timer_stop(timer_);  // cannot fail on a live timer
}

bool Timer::active() const { return timer_ && uv_is_active(reinterpret_cast<const uv_handle_t*>(timer_)); }

void Timer::unref() {
    if (timer_) uv_unref(reinterpret_cast<uv_handle_t*>(timer_));
}

void Timer::close() {
    close_and_free(timer_);
    timer_ = nullptr;
}

SignalWatcher::SignalWatcher(Loop& loop, int signum, std::function<void()> on_signal)
    : signal_(new_handle<uv_signal_t>()), on_signal_(std::move(on_signal)) {
    uv_must(uv_signal_init(loop.raw(), signal_), "uv_signal_init");
    signal_->data = this;
    uv_must(uv_signal_start(
                signal_,
                [](uv_signal_t* s, int) {
                    auto* self = static_cast<SignalWatcher*>(s->data);
                    if (self && self->on_signal_) self->on_signal_();
                },
                signum),
            "uv_signal_start");
}

SignalWatcher::~SignalWatcher() { close_and_free(signal_); }

void SignalWatcher::unref() {
    if (signal_) uv_unref(reinterpret_cast<uv_handle_t*>(signal_));
}

void SignalWatcher::close() {
    close_and_free(signal_);
    signal_ = nullptr;
}

namespace {

struct PoolWork {
    uv_work_t req;
    std::function<void()> work, done;
};

}  // namespace

void run_in_pool(Loop& loop, std::function<void()> work, std::function<void()> done) {
    auto* w = new PoolWork{{}, std::move(work), std::move(done)};
    w->req.data = w;
    uv_must(uv_queue_work(
                loop.raw(), &w->req, [](uv_work_t* req) { static_cast<PoolWork*>(req->data)->work(); },
                [](uv_work_t* req, int) {
                    auto* pw = static_cast<PoolWork*>(req->data);
                    pw->done();
                    delete pw;
                }),
            "uv_queue_work");
}

void start_pool_deaf_to(std::initializer_list<int> signals, Loop& loop) {
    sigset_t blocked, old;
    sigemptyset(&blocked);
    for (int signum : signals) sigaddset(&blocked, signum);
    pthread_sigmask(SIG_BLOCK, &blocked, &old);
    // uv_queue_work starts every pool thread before it returns; they take this mask.
    run_in_pool(
        loop, [] {}, [] {});
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

double monotonic_seconds() { return static_cast<double>(uv_hrtime()) / 1e9; }

double wall_seconds() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace nlchat::net
