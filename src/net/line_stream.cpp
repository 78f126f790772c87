// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/line_stream.h"

#include <uv.h>

#include "net/handle.h"

namespace nlchat::net {
namespace {

struct WriteRequest {
    uv_write_t req;
    std::string data;
};

struct ShutdownRequest {
    uv_shutdown_t req;
};

// Every stream on this thread reads into this buffer; on_read uses it up before returning.
thread_local char read_buffer[64 * 1024];

}  // namespace

struct LineStream::Callbacks {
    static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
    static void on_write(uv_write_t* req, int status);
};

LineStream::LineStream(uv_stream_t* stream, size_t max_line, size_t max_backlog)
    : stream_(stream), max_line_(max_line), max_backlog_(max_backlog) {
    stream_->data = this;
}

LineStream::~LineStream() {
    *alive_ = false;
    close();
}

void LineStream::start(Handlers handlers) {
    handlers_ = std::make_shared<Handlers>(std::move(handlers));
    if (!stream_ || paused_) return;
    // Starting again only swaps the handlers: the stream is already being read.
    int rc = uv_read_start(stream_, Callbacks::on_alloc, Callbacks::on_read);
    if (rc != UV_EALREADY) uv_must(rc, "uv_read_start");
}

void LineStream::Callbacks::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<LineStream*>(handle->data);
    if (!self) {
        *buf = uv_buf_init(nullptr, 0);
        return;
    }
    *buf = uv_buf_init(read_buffer, sizeof read_buffer);
}

void LineStream::Callbacks::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<LineStream*>(stream->data);
    if (!self || nread == 0) return;
    if (nread < 0) {
        if (nread != UV_EOF)
            return self->fail(std::string("connection error: ") + uv_strerror(static_cast<int>(nread)));
        std::shared_ptr<bool> alive = self->alive_;
        auto handlers = self->handlers_;
        // A last line without its newline still counts.
        if (!self->partial_.empty() && handlers->on_line) {
            std::string last = std::move(self->partial_);
            self->partial_.clear();
            handlers->on_line(last);
            if (!*alive || !self->stream_) return;
        }
        return self->fail("connection closed by peer");
    }
    std::shared_ptr<bool> alive = self->alive_;
    auto handlers = self->handlers_;
    std::string_view chunk(buf->base, static_cast<size_t>(nread));
    while (!chunk.empty()) {
        size_t nl = chunk.find('\n');
        if (nl == std::string_view::npos) {
            if (self->partial_.size() + chunk.size() > self->max_line_)
                return self->fail("line longer than " + std::to_string(self->max_line_) + " bytes");
            self->partial_.append(chunk);
            return;
        }
        if (self->partial_.size() + nl > self->max_line_)
            return self->fail("line longer than " + std::to_string(self->max_line_) + " bytes");
        std::string line = std::move(self->partial_);
        self->partial_.clear();
        line.append(chunk.substr(0, nl));
        chunk.remove_prefix(nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (handlers->on_line) handlers->on_line(line);
        if (!*alive || !self->stream_) return;
    }
}

void LineStream::pause() {
    if (!stream_ || paused_) return;
    paused_ = true;
    uv_must(uv_read_stop(stream_), "uv_read_stop");
}

void LineStream::resume() {
    if (!stream_ || !paused_) return;
    paused_ = false;
    uv_must(uv_read_start(stream_, Callbacks::on_alloc, Callbacks::on_read), "uv_read_start");
}

std::string LineStream::peer_host() const {
    if (!stream_ || stream_->type != UV_TCP) return "";
    sockaddr_storage addr;
    int len = sizeof addr;
    if (uv_tcp_getpeername(reinterpret_cast<const uv_tcp_t*>(stream_), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return "";
    char host[INET6_ADDRSTRLEN] = "";
    // The buffer always fits; were it not to, the host would stay empty ("unknown").
    if (addr.ss_family == AF_INET6) (void)uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(&addr), host, sizeof host);
    else (void)uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&addr), host, sizeof host);
    return host;
}

bool LineStream::write_line(std::string_view line) {
    if (!stream_) return false;
    if (backlog_ + line.size() + 1 > max_backlog_) {
        fail("peer is not reading (" + std::to_string(backlog_) + " bytes waiting)");
        return false;
    }
    wrote_ = true;
    // Straight to the socket when nothing waits before it: a line that fits in the
    // kernel's buffer (nearly all do) then costs one write(2) and no request, no copy and
    // no epoll_ctl to stop watching for writability (an idle server's probe cycle is
    // mostly this). Errors are left to uv_write below, which reports them from the loop,
    // never from inside this call: the caller may be walking a table the close handler
    // would change.
    size_t done = 0;
    char newline = '\n';
    uv_buf_t parts[2] = {uv_buf_init(const_cast<char*>(line.data()), static_cast<unsigned>(line.size())),
                         uv_buf_init(&newline, 1)};
    int tried = uv_try_write(stream_, parts, 2);
    if (tried > 0) done = static_cast<size_t>(tried);
    if (done == line.size() + 1) return true;

    auto* w = new WriteRequest;
    w->data.reserve(line.size() + 1 - done);
    if (done < line.size()) w->data.append(line.substr(done));
    w->data += '\n';
    w->req.data = w;
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    int rc = uv_write(&w->req, stream_, &buf, 1, Callbacks::on_write);
    if (rc != 0) {
        delete w;
        fail(std::string("write failed: ") + uv_strerror(rc));
        return false;
    }
    backlog_ += w->data.size();
    return true;
}

void LineStream::Callbacks::on_write(uv_write_t* req, int status) {
    auto* w = static_cast<WriteRequest*>(req->data);
    auto* self = static_cast<LineStream*>(req->handle->data);
    size_t size = w->data.size();
    delete w;
    if (!self) return;
    self->backlog_ -= size;
    if (status < 0 && status != UV_ECANCELED) self->fail(std::string("write failed: ") + uv_strerror(status));
}

void LineStream::close(bool flush) {
    if (!stream_) return;
    uv_stream_t* s = stream_;
    stream_ = nullptr;
    if (flush && wrote_ && !uv_is_closing(reinterpret_cast<uv_handle_t*>(s))) {
        // Let the queued writes go out, then close: a shutdown request completes after
        // every write queued before it, and sends the end of the stream before the close
        // (a close with unread input would reset the link, and the peer could lose the
        // last line, a refusal say, even one already in the kernel's buffer).
        uv_must(uv_read_stop(s), "uv_read_stop");
        s->data = nullptr;
        auto* sd = new ShutdownRequest;
        if (uv_shutdown(&sd->req, s, [](uv_shutdown_t* req, int) {
                close_and_free(req->handle);
                delete reinterpret_cast<ShutdownRequest*>(req);
            }) == 0)
            return;
        delete sd;
    }
    close_and_free(s);
}

void LineStream::fail(const std::string& reason) {
    if (!stream_) return;
    close();
    auto handlers = handlers_;
    if (handlers->on_close) handlers->on_close(reason);
}

}  // namespace nlchat::net
