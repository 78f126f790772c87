// SPDX-License-Identifier: GPL-3.0-or-later
// Outgoing connections: TCP to HOST:PORT, or a unix socket path. The result arrives on
// the loop as a LineStream (not yet reading), or an error sentence. Destroying the
// Connector cancels a connection still in progress.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/codec/host_port.h"
#include "net/line_stream.h"
#include "net/loop.h"

namespace nlchat::net {

class Connector {
public:
    // Either `stream` is set, or `error` says why not.
    using Done = std::function<void(std::unique_ptr<LineStream> stream, const std::string& error)>;

    Connector(Loop& loop, size_t max_line) : loop_(loop), max_line_(max_line) {}
    ~Connector() { cancel(); }
    Connector(const Connector&) = delete;
    Connector& operator=(const Connector&) = delete;

    // `source_ip` (IPv4, optional): the local address to connect from (the benchmarks
    // spread their clients over 127.0.0.0/8, as many operators would come from many
    // addresses).
    void connect_tcp(const HostPort& where, Done done, const std::string& source_ip = "");
    void connect_unix(const std::string& path, Done done);
    void cancel();
    bool busy() const { return pending_ != nullptr; }

private:
    struct Pending;

    Loop& loop_;
    size_t max_line_;
    Pending* pending_ = nullptr;
};

}  // namespace nlchat::net
