// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/loop.h"

#include <uv.h>

#include <stdexcept>

namespace nlchat::net {

Loop::Loop() : loop_(new uv_loop_t) {
    if (uv_loop_init(loop_) != 0) {
        delete loop_;
        throw std::runtime_error("cannot initialise the event loop");
    }
}

Loop::~Loop() {
    if (!closed_) {
        // Let pending close callbacks run so that handle memory is freed.
        // (What uv_run returns, whether handles are still active, close() reports.)
        (void)uv_run(loop_, UV_RUN_NOWAIT);
        (void)close();
    }
    delete loop_;
}

// uv_run's result (whether anything is still active) is for callers that loop on it;
// ours run until the loop is empty, and close() then says if something was left open.
void Loop::run() { (void)uv_run(loop_, UV_RUN_DEFAULT); }
void Loop::run_nowait() { (void)uv_run(loop_, UV_RUN_NOWAIT); }
void Loop::stop() { uv_stop(loop_); }

bool Loop::close() {
    if (closed_) return true;
    if (uv_loop_close(loop_) != 0) return false;
    closed_ = true;
    return true;
}

}  // namespace nlchat::net
