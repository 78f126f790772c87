// SPDX-License-Identifier: GPL-3.0-or-later
// A byte stream (TCP, unix socket, pipe) read and written as lines.
//
// Both the operator protocol and the service bus are one JSON object per line. Reads are
// split at '\n' (a '\r' before it is dropped); a line longer than the limit ends the
// connection, since no honest peer sends one. Writes go straight to the socket when it
// takes them and are queued otherwise; a peer that stops reading while more than
// `max_backlog` bytes wait is cut off, so one slow client cannot make the server hold
// unbounded memory.
//
// Handlers may close or destroy the LineStream from inside a callback: the object checks
// that it is still alive before it touches itself again.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

struct uv_stream_s;

namespace nlchat::net {

class LineStream {
public:
    struct Handlers {
        std::function<void(std::string_view line)> on_line;
        // The stream ended by itself (peer closed, error, overlong line, backlog): the
        // reason is a short sentence. Not called when the owner calls close().
        std::function<void(const std::string& reason)> on_close;
    };

    // Takes over a connected stream handle (made by Listener, Connector or StdinLines).
    LineStream(uv_stream_s* stream, size_t max_line, size_t max_backlog = 8 << 20);
    ~LineStream();
    LineStream(const LineStream&) = delete;
    LineStream& operator=(const LineStream&) = delete;

    // Sets what to do with lines and the end of the stream, then starts reading (unless
    // paused). Calling it again only swaps the handlers.
    void start(Handlers handlers);

    // Writes (or queues) `line` and a newline. Returns false if the stream is closed or
    // the backlog limit was hit (the stream is then closed and on_close called).
    bool write_line(std::string_view line);

    // Closes the stream; queued writes are flushed first when `flush` is set.
    void close(bool flush = false);

    // Stops reading until resume(): backpressure for a reader that cannot keep up (the
    // peer's writes then wait in the kernel and in the peer). Lines of a read already
    // under way are still delivered.
    void pause();
    void resume();
    bool paused() const { return paused_; }

    // Changes the line limit (nlchatd keeps it tight until an operator has joined).
    void set_max_line(size_t max_line) { max_line_ = max_line; }

    // The peer's IP address as text, for a TCP stream; empty otherwise.
    std::string peer_host() const;

    bool is_open() const { return stream_ != nullptr; }
    size_t backlog() const { return backlog_; }

private:
    struct Callbacks;  // the libuv callbacks, in line_stream.cpp
    void fail(const std::string& reason);

    uv_stream_s* stream_;
    size_t max_line_;
    size_t max_backlog_;
    // Shared so that a callback running while its handler destroys this stream (and
    // with it the handler's captures) keeps them alive until it returns.
    std::shared_ptr<Handlers> handlers_ = std::make_shared<Handlers>();
    // Only an unfinished line is kept per stream, grown as it arrives: reads go into one
    // buffer shared by every stream of the thread (a read callback consumes it before the
    // next read), so an idle connection costs no read buffer of its own.
    std::string partial_;
    size_t backlog_ = 0;
    bool paused_ = false;
    bool wrote_ = false;  // anything written: close(true) then ends the stream politely
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace nlchat::net
