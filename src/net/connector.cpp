// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/connector.h"

#include <uv.h>

#include "net/handle.h"
#include "net/listener.h"

namespace nlchat::net {

// One attempt in flight. It outlives a cancelled Connector until libuv is done with it:
// `owner` is cleared on cancel, and the callbacks then only clean up.
struct Connector::Pending {
    Connector* owner;
    Done done;
    uv_stream_t* stream;
    uv_connect_t req;
};

void Connector::connect_tcp(const HostPort& where, Done done, const std::string& source_ip) {
    cancel();
    sockaddr_storage addr;
    std::string error;
    if (!resolve(loop_, where, addr, error)) return done(nullptr, error);
    auto* p = new Pending{this, std::move(done), new_stream_storage(), {}};
    uv_must(uv_tcp_init(loop_.raw(), reinterpret_cast<uv_tcp_t*>(p->stream)), "uv_tcp_init");
    p->req.data = p;
    pending_ = p;
    int rc = 0;
    if (!source_ip.empty()) {
        sockaddr_in source{};
        rc = uv_ip4_addr(source_ip.c_str(), 0, &source);
        if (rc == 0)
            rc = uv_tcp_bind(reinterpret_cast<uv_tcp_t*>(p->stream), reinterpret_cast<const sockaddr*>(&source), 0);
    }
    if (rc == 0)
        rc = uv_tcp_connect(&p->req, reinterpret_cast<uv_tcp_t*>(p->stream), reinterpret_cast<const sockaddr*>(&addr),
                            [](uv_connect_t* req, int status) {
                                auto* pending = static_cast<Pending*>(req->data);
                                Connector* owner = pending->owner;
                                uv_stream_t* stream = pending->stream;
                                Done on_done = std::move(pending->done);
                                delete pending;
                                if (!owner || status != 0) {
                                    close_and_free(stream);
                                    if (owner) {
                                        owner->pending_ = nullptr;
                                        on_done(nullptr, uv_strerror(status));
                                    }
                                    return;
                                }
                                owner->pending_ = nullptr;
                                // Without it lines are only slower to leave, never lost.
                                (void)uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(stream), 1);
                                on_done(std::make_unique<LineStream>(stream, owner->max_line_), "");
                            });
    if (rc != 0) {
        pending_ = nullptr;
        close_and_free(p->stream);
        Done d = std::move(p->done);
        delete p;
        d(nullptr, uv_strerror(rc));
    }
}

void Connector::connect_unix(const std::string& path, Done done) {
    cancel();
    auto* p = new Pending{this, std::move(done), new_stream_storage(), {}};
    uv_must(uv_pipe_init(loop_.raw(), reinterpret_cast<uv_pipe_t*>(p->stream), 0), "uv_pipe_init");
    p->req.data = p;
    pending_ = p;
    uv_pipe_connect(&p->req, reinterpret_cast<uv_pipe_t*>(p->stream), path.c_str(), [](uv_connect_t* req, int status) {
        auto* pending = static_cast<Pending*>(req->data);
        Connector* owner = pending->owner;
        uv_stream_t* stream = pending->stream;
        Done on_done = std::move(pending->done);
        delete pending;
        if (owner) owner->pending_ = nullptr;
        if (!owner || status != 0) {
            close_and_free(stream);
            if (owner) on_done(nullptr, uv_strerror(status));
            return;
        }
        on_done(std::make_unique<LineStream>(stream, owner->max_line_), "");
    });
}

void Connector::cancel() {
    if (!pending_) return;
    // Closing the handle makes libuv call the connect callback with UV_ECANCELED, where
    // the Pending is freed; the owner is cleared so that callback reports nothing.
    pending_->owner = nullptr;
    close_and_free(pending_->stream);
    pending_ = nullptr;
}

}  // namespace nlchat::net
