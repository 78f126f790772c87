// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/poll.h"

#include <uv.h>

#include "net/handle.h"

namespace nlchat::net {

FdWatcher::FdWatcher(Loop& loop, int fd, std::function<void(bool)> on_ready)
    : poll_(new_handle<uv_poll_t>()), on_ready_(std::move(on_ready)) {
    // nlchat watches only a descriptor it has checked to be a terminal, which epoll accepts.
    uv_must(uv_poll_init(loop.raw(), poll_, fd), "uv_poll_init");
    poll_->data = this;
    uv_must(uv_poll_start(poll_, UV_READABLE | UV_DISCONNECT,
                          [](uv_poll_t* p, int status, int events) {
                              auto* self = static_cast<FdWatcher*>(p->data);
                              if (!self) return;
                              auto callback = self->on_ready_;
                              callback(status < 0 || (events & UV_DISCONNECT));
                          }),
            "uv_poll_start");
}

FdWatcher::~FdWatcher() { close(); }

void FdWatcher::close() {
    close_and_free(poll_);
    poll_ = nullptr;
}

BeforeBlock::BeforeBlock(Loop& loop, std::function<void()> run)
    : prepare_(new_handle<uv_prepare_t>()), run_(std::move(run)) {
    uv_must(uv_prepare_init(loop.raw(), prepare_), "uv_prepare_init");
    prepare_->data = this;
    uv_must(uv_prepare_start(prepare_,
                             [](uv_prepare_t* p) {
                                 auto* self = static_cast<BeforeBlock*>(p->data);
                                 if (self) self->run_();
                             }),
            "uv_prepare_start");
    // A prepare handle alone must not keep the loop alive.
    uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
}

BeforeBlock::~BeforeBlock() { close(); }

void BeforeBlock::close() {
    close_and_free(prepare_);
    prepare_ = nullptr;
}

}  // namespace nlchat::net
