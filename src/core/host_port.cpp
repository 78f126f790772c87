#include "core/host_port.h"

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

}  // namespace nlchat
