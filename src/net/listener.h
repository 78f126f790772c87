// SPDX-License-Identifier: GPL-3.0-or-later
// Listening sockets: TCP (IPv4 or IPv6, port 0 for one the OS picks) for operators, and
// a unix socket for the service bus. Each accepted connection is handed over as a
// LineStream, not yet reading: the owner sets its handlers with start().
#pragma once

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>

#include "core/codec/host_port.h"
#include "net/line_stream.h"
#include "net/loop.h"

struct uv_stream_s;

namespace nlchat::net {

class Listener {
public:
    using OnAccept = std::function<void(std::unique_ptr<LineStream> client)>;

    // Accepted streams get `max_line` as their line limit.
    Listener(Loop& loop, size_t max_line, OnAccept on_accept)
        : loop_(loop), max_line_(max_line), on_accept_(std::move(on_accept)) {}
    ~Listener() { close(); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Listens on HOST:PORT; a host name is resolved once, here. On failure returns false
    // with a sentence in `error`.
    [[nodiscard]] bool listen_tcp(const HostPort& where, std::string& error);

    // Listens on a unix socket at `path` with the given mode. A stale socket file left by
    // a previous run is replaced; any other file at that path is an error.
    [[nodiscard]] bool listen_unix(const std::string& path, int mode, std::string& error);

    // Called when a connection could not be accepted (say the process is out of file
    // descriptors: libuv then accepts and closes the waiting connections with a spare
    // descriptor it keeps, so the backlog drains instead of spinning). The argument is
    // libuv's error in words.
    void on_accept_error(std::function<void(const std::string& error)> handler) { on_error_ = std::move(handler); }

    // The address actually bound (with the real port when 0 was asked for).
    HostPort bound() const { return bound_; }

    void close();

private:
    struct Callbacks;

    Loop& loop_;
    size_t max_line_;
    OnAccept on_accept_;
    std::function<void(const std::string&)> on_error_;
    uv_stream_s* server_ = nullptr;
    bool is_tcp_ = false;
    std::string unix_path_;
    HostPort bound_;
};

// Resolves HOST:PORT to a socket address (numeric hosts without a lookup).
[[nodiscard]] bool resolve(Loop& loop, const HostPort& where, sockaddr_storage& out, std::string& error);

// Formats a socket address as HOST:PORT.
HostPort address_of(const sockaddr_storage& addr);

}  // namespace nlchat::net
