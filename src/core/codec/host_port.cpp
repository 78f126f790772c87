// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/host_port.h"

#include <arpa/inet.h>

#include <cstring>

namespace nlchat {

std::optional<HostPort> parse_host_port(std::string_view text, std::string& error) {
    HostPort hp;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            error = "'" + std::string(text) + "' is not [IPv6]:PORT";
            return std::nullopt;
        }
        hp.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        size_t colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            error = "'" + std::string(text) + "' is not HOST:PORT (write IPv6 addresses as [ADDR]:PORT)";
            return std::nullopt;
        }
        hp.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    if (hp.host.empty()) {
        error = "'" + std::string(text) + "' has no host";
        return std::nullopt;
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(port)) > 65535) {
        error = "'" + std::string(text) + "': the port must be a number from 0 to 65535";
        return std::nullopt;
    }
    hp.port = std::stoi(std::string(port));
    return hp;
}

std::string format_host_port(const HostPort& hp) {
    if (hp.host.find(':') != std::string::npos) return "[" + hp.host + "]:" + std::to_string(hp.port);
    return hp.host + ":" + std::to_string(hp.port);
}

std::string address_group(const std::string& ip) {
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, ip.c_str(), bytes) != 1) return ip;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char text[INET6_ADDRSTRLEN];
    if (std::memcmp(bytes, mapped, sizeof mapped) == 0) {
        inet_ntop(AF_INET, bytes + 12, text, sizeof text);
        return text;
    }
    std::memset(bytes + 8, 0, 8);
    inet_ntop(AF_INET6, bytes, text, sizeof text);
    return std::string(text) + "/64";
}

}  // namespace nlchat
