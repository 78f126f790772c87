// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/handle.h"

#include <cstdio>
#include <cstdlib>
#include <new>

namespace nlchat::net {
namespace {

union AnyHandle {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_tty_t tty;
    uv_timer_t timer;
    uv_signal_t signal;
    uv_poll_t poll;
    uv_prepare_t prepare;
    uv_async_t async;
};

}  // namespace

uv_stream_t* new_stream_storage() {
    void* p = std::calloc(1, sizeof(AnyHandle));
    if (!p) throw std::bad_alloc();
    return static_cast<uv_stream_t*>(p);
}

void uv_must(int rc, const char* call) {
    if (rc >= 0) return;
    std::fprintf(stderr, "internal error: %s failed: %s\n", call, uv_strerror(rc));
    std::abort();
}

void close_and_free(uv_handle_t* handle) {
    if (!handle) return;
    handle->data = nullptr;
    if (uv_is_closing(handle)) return;
    uv_close(handle, [](uv_handle_t* h) { std::free(h); });
}

}  // namespace nlchat::net
