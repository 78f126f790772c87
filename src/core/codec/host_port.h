// SPDX-License-Identifier: GPL-3.0-or-later
// "HOST:PORT" as written on command lines and in config files: "127.0.0.1:7780",
// "[::1]:0", "localhost:7780". IPv6 literals go in brackets, as in URLs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nlchat {

struct HostPort {
    std::string host;  // without brackets
    int port = 0;      // 0 lets the OS choose (for listening)
};

// On failure returns nullopt and sets `error` to a sentence naming the problem.
[[nodiscard]] std::optional<HostPort> parse_host_port(std::string_view text, std::string& error);

// The inverse: brackets around hosts that contain ':'.
std::string format_host_port(const HostPort& hp);

// The group a peer's address belongs to for per-address limits: an IPv4 address itself,
// an IPv6 address's /64 (one subscriber commonly holds a whole /64), and IPv4 mapped into
// IPv6 as the IPv4 address. Text that is no address at all is its own group.
std::string address_group(const std::string& ip);

}  // namespace nlchat
