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
        uv_run(loop_, UV_RUN_NOWAIT);
        close();
    }
    delete loop_;
}

void Loop::run() { uv_run(loop_, UV_RUN_DEFAULT); }
void Loop::run_nowait() { uv_run(loop_, UV_RUN_NOWAIT); }
void Loop::stop() { uv_stop(loop_); }

bool Loop::close() {
    if (closed_) return true;
    if (uv_loop_close(loop_) != 0) return false;
    closed_ = true;
    return true;
}

}  // namespace nlchat::net
