// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/stdin_lines.h"

#include <uv.h>

#include <cstdlib>

#include "net/handle.h"
#include "net/line_stream.h"

namespace nlchat::net {

struct StdinLines::FileRead {
    uv_fs_t req;
    StdinLines* owner;
    char buf[65536];
};

StdinLines::StdinLines(Loop& loop, size_t max_line, std::function<void(std::string_view)> on_line,
                       std::function<void()> on_eof)
    : loop_(loop), max_line_(max_line), on_line_(std::move(on_line)), on_eof_(std::move(on_eof)) {
    uv_handle_type type = uv_guess_handle(0);
    if (type == UV_FILE) {
        read_file_chunk();
        return;
    }
    uv_stream_t* s = new_stream_storage();
    int rc = type == UV_TTY ? uv_tty_init(loop_.raw(), reinterpret_cast<uv_tty_t*>(s), 0, 1)
                            : uv_pipe_init(loop_.raw(), reinterpret_cast<uv_pipe_t*>(s), 0);
    if (rc == 0 && type != UV_TTY && (rc = uv_pipe_open(reinterpret_cast<uv_pipe_t*>(s), 0)) != 0) {
        close_and_free(s);
        s = nullptr;
    } else if (rc != 0) {
        std::free(s);  // never initialised, so not a handle libuv knows
        s = nullptr;
    }
    if (!s) {
        // A descriptor libuv will not stream from (an odd device, say) is still read,
        // a chunk at a time on the thread pool, like a file (but without an offset).
        offset_ = -1;
        read_file_chunk();
        return;
    }
    LineStream::Handlers h;
    h.on_line = [this](std::string_view line) { on_line_(line); };
    h.on_close = [this](const std::string&) { on_eof_(); };
    stream_ = std::make_unique<LineStream>(s, max_line_);
    stream_->start(std::move(h));
}

StdinLines::~StdinLines() {
    if (file_read_) file_read_->owner = nullptr;  // the pending read frees itself
}

void StdinLines::read_file_chunk() {
    auto* r = new FileRead;
    r->owner = this;
    r->req.data = r;
    file_read_ = r;
    uv_buf_t buf = uv_buf_init(r->buf, sizeof r->buf);
    int rc = uv_fs_read(loop_.raw(), &r->req, 0, &buf, 1, offset_, [](uv_fs_t* req) {
        auto* fr = static_cast<FileRead*>(req->data);
        StdinLines* self = fr->owner;
        ssize_t n = req->result;
        uv_fs_req_cleanup(req);
        if (!self) {
            delete fr;
            return;
        }
        self->file_read_ = nullptr;
        if (n <= 0) {
            delete fr;
            if (!self->partial_.empty() && !self->skipping_) self->on_line_(self->partial_);
            self->partial_.clear();
            self->on_eof_();
            return;
        }
        if (self->offset_ >= 0) self->offset_ += n;
        std::string chunk(fr->buf, static_cast<size_t>(n));
        delete fr;
        self->feed(chunk);
        self->read_file_chunk();
    });
    // With a callback, uv_fs_read fails at once only for bad arguments (a bug).
    uv_must(rc, "uv_fs_read");
}

void StdinLines::feed(std::string_view chunk) {
    while (!chunk.empty()) {
        size_t nl = chunk.find('\n');
        std::string_view piece = chunk.substr(0, nl);
        if (!skipping_) {
            if (partial_.size() + piece.size() > max_line_) {
                skipping_ = true;  // an overlong line is dropped whole
                partial_.clear();
            } else {
                partial_.append(piece);
            }
        }
        if (nl == std::string_view::npos) return;
        chunk.remove_prefix(nl + 1);
        if (!skipping_) {
            if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
            std::string line = std::move(partial_);
            partial_.clear();
            on_line_(line);
        }
        skipping_ = false;
    }
}

}  // namespace nlchat::net
