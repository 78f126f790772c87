// SPDX-License-Identifier: GPL-3.0-or-later
#include "web/web_server.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include "core/codec/host_port.h"
#include "core/crypto/gcrypt_util.h"
#include "web/assets.h"

namespace nlchat {
namespace {

// What libwebsockets keeps for us per connection (it allocates and zeroes it).
struct PerWsi {
    WebSessions::ConnId id;
    const Asset* asset;
    bool close_after;  // the answer ends the connection (a request with a body we refused)
};

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto* server = static_cast<WebServer*>(lws_context_user(lws_get_context(wsi)));
    if (!server) return lws_callback_http_dummy(wsi, reason, user, in, len);
    int r = server->on_event(wsi, reason, user, in, len);
    if (r == 1) return lws_callback_http_dummy(wsi, reason, user, in, len);
    return r;
}

// The page's protocol is named so that a WebSocket without it still reaches us: either
// entry leads to the same callback.
const lws_protocols kProtocols[] = {
    {"http", callback, sizeof(PerWsi), 0, 0, nullptr, 0},
    {"nlchat", callback, sizeof(PerWsi), 4096, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

// Pings a page's socket after 30 s of silence and drops it after 70 s without an answer,
// so a phone that went out of range is noticed and its grace period starts.
const lws_retry_bo_t kIdlePolicy = {nullptr, 0, 0, 30, 70, 0};

Logger* lws_logger = nullptr;

void lws_emit(int level, const char* line) {
    if (!lws_logger) return;
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    lws_logger->log(level == LLL_ERR ? LogLevel::Warning : LogLevel::Debug, "libwebsockets: " + text);
}

// Binds a throwaway socket to host:port to learn why listening would fail, in words:
// libwebsockets only logs it. Empty when the bind works.
std::string bind_problem(const std::string& host, int port) {
    sockaddr_storage addr{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v6;
    } else {
        return "'" + host + "' is not an IP address (give one, e.g. 127.0.0.1 or [::1])";
    }
    int fd = socket(addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0) return std::strerror(errno);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    std::string problem;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) problem = std::strerror(errno);
    ::close(fd);
    return problem;
}

// Answers a request with a status and no body, keeping the connection for the next one.
// A request whose length can be read two ways (Content-Length twice, or beside
// Transfer-Encoding) is how request smuggling through a proxy starts: it is refused.
bool ambiguous_length(lws* wsi) {
    return lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 1) > 0 ||
           (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
            lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0);
}

// Short plain-text bodies for the answers that are not files.
const Asset kBadRequest{"", "text/plain; charset=utf-8", "Bad request.\n"};
const Asset kNotFound{"", "text/plain; charset=utf-8", "Not found.\n"};
const Asset kNotAllowed{"", "text/plain; charset=utf-8", "Only GET is answered here.\n"};

}  // namespace

struct WebServer::Conn {
    lws* wsi = nullptr;
    // Frames waiting, each stored after LWS_PRE spare bytes, which lws_write needs in
    // front of what it sends: they are written from where they wait, without a copy.
    std::deque<std::string> out;
    std::size_t out_bytes = 0;  // frame bytes waiting, not counting that room
    std::string partial;        // a message arriving in fragments
    bool closing = false;
};

WebServer::WebServer(net::Loop& loop, WebSettings settings, Logger& logger)
    : loop_(loop),
      settings_(std::move(settings)),
      logger_(logger),
      sessions_(settings_.web, *this),
      bus_(loop, settings_.socket_path, settings_.service, settings_.web.max_bus_queue,
           net::BusLink::Handlers{[this](const BusLine& line) { sessions_.bus_line(line); },
                                  [this](bool up, const std::string& why) {
                                      logger_.log(up ? LogLevel::Info : LogLevel::Warning,
                                                  up ? why : why + "; redialling");
                                      sessions_.bus_state(up);
                                  }}),
      tick_(loop) {
    csp_ =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors " +
        settings_.frame_ancestors;
    salt_ = random_bytes(16);
}

WebServer::~WebServer() {
    if (lws_logger == &logger_) lws_logger = nullptr;
}

bool WebServer::start(std::string& error) {
    lws_logger = &logger_;
    // libwebsockets' own lines are for debugging only: at its chattier levels they can
    // name peers, and nlchat-web logs no caller's address.
    lws_set_log_level(settings_.verbose ? (LLL_ERR | LLL_WARN | LLL_NOTICE) : LLL_ERR, lws_emit);

    const std::string where = format_host_port({settings_.host, settings_.port});
    if (std::string problem = bind_problem(settings_.host, settings_.port); !problem.empty()) {
        error = "cannot listen on " + where + ": " + problem;
        return false;
    }
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    void* loops[1] = {loop_.raw()};
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (settings_.host.find(':') == std::string::npos) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = loops;
    info.port = settings_.port;
    info.iface = settings_.host.c_str();
    info.protocols = kProtocols;
    info.user = this;
    info.pcontext = &context_;
    info.gid = -1;  // keep the process's own ids (libwebsockets' "no change")
    info.uid = -1;
    info.vhost_name = "default";
    info.server_string = "nlchat-web";
    info.max_http_header_data = 4096;
    info.retry_and_idle_policy = &kIdlePolicy;
    info.timeout_secs = 10;
    context_ = lws_create_context(&info);
    // With libuv, libwebsockets returns a context even when it could not listen (it
    // finishes tearing it down on the loop); the missing vhost or port tells.
    if (!context_) {
        error =
            "libwebsockets could not start (its libuv support is a plugin, in Debian's "
            "libwebsockets-evlib-uv package; -v shows its reason)";
        return false;
    }
    lws_vhost* vhost = lws_get_vhost_by_name(context_, "default");
    port_ = vhost ? lws_get_vhost_listen_port(vhost) : 0;
    if (port_ <= 0) {
        error = "cannot listen on " + where + " (libwebsockets could not set it up; -v shows its reason)";
        return false;
    }
    tick_.start(
        1, [this] { sessions_.tick(net::monotonic_seconds()); }, 1);
    bus_.start();
    return true;
}

void WebServer::shutdown() {
    if (stopping_) return;
    stopping_ = true;
    sessions_.shutdown();
    bus_.stop();
    tick_.close();
    if (context_) lws_context_destroy(context_);
}

void WebServer::finish() {
    if (context_) lws_context_destroy(context_);
    context_ = nullptr;
}

int WebServer::on_event(lws* wsi, int reason, void* user, void* in, std::size_t len) {
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        check_deployment(wsi);
        if (ambiguous_length(wsi)) return respond(wsi, user, HTTP_STATUS_BAD_REQUEST, kBadRequest);
        return http_request(wsi, user, static_cast<const char*>(in));
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return ambiguous_length(wsi) ? -1 : 0;  // a WebSocket upgrade: refused by closing
    case LWS_CALLBACK_HTTP_WRITEABLE: return http_writable(wsi, user);
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: return 0;  // no request here has a body worth reading
    case LWS_CALLBACK_ESTABLISHED: ws_established(wsi, user); return 0;
    case LWS_CALLBACK_RECEIVE: return ws_receive(wsi, user, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE: return ws_writable(wsi, user);
    case LWS_CALLBACK_CLOSED: ws_closed(user); return 0;
    default: return 1;  // libwebsockets' default handling
    }
}

int WebServer::http_request(lws* wsi, void* user, const char* uri) {
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
        // Whatever body came with it is not read: the connection ends after the answer.
        static_cast<PerWsi*>(user)->close_after = true;
        return respond(wsi, user, HTTP_STATUS_METHOD_NOT_ALLOWED, kNotAllowed);
    }
    const Asset* asset = find_asset(uri ? uri : "/");
    if (!asset) return respond(wsi, user, HTTP_STATUS_NOT_FOUND, kNotFound);
    return respond(wsi, user, HTTP_STATUS_OK, *asset);
}

int WebServer::respond(lws* wsi, void* user, unsigned int status, const Asset& asset) {
    // Every answer, files and errors alike, carries the same security headers.
    auto* per = static_cast<PerWsi*>(user);
    per->asset = &asset;
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    std::string type(asset.type);
    auto header = [&](const char* name, const std::string& value) {
        return lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name),
                                           reinterpret_cast<const unsigned char*>(value.data()),
                                           static_cast<int>(value.size()), &p, end) == 0;
    };
    if (lws_add_http_common_headers(wsi, status, type.c_str(), asset.body.size(), &p, end) ||
        !header("content-security-policy:", csp_) || !header("cache-control:", "no-store") ||
        !header("x-content-type-options:", "nosniff") || !header("referrer-policy:", "no-referrer") ||
        !header("cross-origin-opener-policy:", "same-origin") || lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

int WebServer::http_writable(lws* wsi, void* user) {
    auto* per = static_cast<PerWsi*>(user);
    if (!per || !per->asset) return 0;
    const Asset* asset = per->asset;
    per->asset = nullptr;
    std::string buf(LWS_PRE, '\0');
    buf.append(asset->body);
    auto* body = reinterpret_cast<unsigned char*>(buf.data()) + LWS_PRE;
    if (lws_write(wsi, body, asset->body.size(), LWS_WRITE_HTTP_FINAL) != static_cast<int>(asset->body.size()))
        return -1;
    if (per->close_after) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void WebServer::check_deployment(lws* wsi) {
    if (warned_forwarded_ && warned_direct_) return;
    char peer[128] = "";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    // Two easy deployment mistakes, each said once (without any address): behind a proxy
    // without --trust-proxy every caller shares the proxy's address, so the per-address
    // limit turns callers away; with --trust-proxy and no proxy, anyone can claim any
    // address in the header.
    bool forwarded = lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) > 0;
    if (!settings_.trust_proxy && forwarded && !warned_forwarded_) {
        warned_forwarded_ = true;
        logger_.log(LogLevel::Warning,
                    "requests carry X-Forwarded-For: nlchat-web is behind a proxy but runs without --trust-proxy, "
                    "so every caller counts as the proxy's one address for the per-address limit; add --trust-proxy");
    }
    std::string p = peer;
    // A proxy on this machine connects from 127.0.0.1 or ::1.
    bool loopback = p == "127.0.0.1" || p == "::1" || p == "::ffff:127.0.0.1";
    if (settings_.trust_proxy && !loopback && !warned_direct_) {
        warned_direct_ = true;
        logger_.log(LogLevel::Warning,
                    "--trust-proxy is on but a connection came from another machine than this one: "
                    "callers reaching nlchat-web directly can claim any address in X-Forwarded-For; "
                    "listen on 127.0.0.1 behind the proxy, or drop --trust-proxy");
    }
}

std::string WebServer::source_of(lws* wsi) {
    char addr[128] = "";
    if (settings_.trust_proxy) {
        // The proxy appends the address it saw; only the last entry is its own word.
        int n = lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR);
        if (n > 0 && n < 1024) {
            std::string all(static_cast<size_t>(n) + 1, '\0');
            if (lws_hdr_copy(wsi, all.data(), n + 1, WSI_TOKEN_X_FORWARDED_FOR) > 0) {
                all.resize(std::strlen(all.c_str()));
                size_t comma = all.rfind(',');
                std::string last = comma == std::string::npos ? all : all.substr(comma + 1);
                last.erase(0, last.find_first_not_of(' '));
                std::snprintf(addr, sizeof addr, "%s", last.c_str());
            }
        }
    }
    if (!addr[0]) lws_get_peer_simple(wsi, addr, sizeof addr);
    // Only a salted hash is kept, and the salt lives only in this process.
    return to_hex(sha256(salt_ + addr).substr(0, 12));
}

void WebServer::ws_established(lws* wsi, void* user) {
    auto* per = static_cast<PerWsi*>(user);
    per->id = next_conn_++;
    auto conn = std::make_unique<Conn>();
    conn->wsi = wsi;
    conns_[per->id] = std::move(conn);
    check_deployment(wsi);
    sessions_.opened(per->id, source_of(wsi), net::monotonic_seconds());
}

int WebServer::ws_receive(lws* wsi, void* user, const void* in, std::size_t len) {
    auto* per = static_cast<PerWsi*>(user);
    auto it = conns_.find(per->id);
    if (it == conns_.end()) return -1;
    Conn& c = *it->second;
    if (c.closing) return 0;
    if (lws_frame_is_binary(wsi)) {
        close(per->id, "binary frame");
        return 0;
    }
    if (c.partial.size() + len > settings_.web.max_frame_bytes) {
        logger_.log(LogLevel::Debug, "a page sent a message over " + std::to_string(settings_.web.max_frame_bytes) +
                                         " bytes; its connection was closed");
        c.partial.clear();
        c.closing = true;
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, nullptr, 0);
        return -1;
    }
    c.partial.append(static_cast<const char*>(in), len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
    std::string text = std::move(c.partial);
    c.partial.clear();
    sessions_.frame(per->id, text, net::monotonic_seconds());
    return 0;
}

int WebServer::ws_writable(lws* wsi, void* user) {
    auto* per = static_cast<PerWsi*>(user);
    auto it = conns_.find(per->id);
    if (it == conns_.end()) return -1;
    Conn& c = *it->second;
    if (!c.out.empty()) {
        std::string buf = std::move(c.out.front());
        c.out.pop_front();
        size_t n = buf.size() - LWS_PRE;
        c.out_bytes -= n;
        if (lws_write(wsi, reinterpret_cast<unsigned char*>(buf.data()) + LWS_PRE, n, LWS_WRITE_TEXT) <
            static_cast<int>(n))
            return -1;
        if (!c.out.empty() || c.closing) lws_callback_on_writable(wsi);
        return 0;
    }
    if (c.closing) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
        return -1;
    }
    return 0;
}

void WebServer::ws_closed(void* user) {
    auto* per = static_cast<PerWsi*>(user);
    if (!per || !per->id) return;
    conns_.erase(per->id);
    sessions_.closed(per->id, net::monotonic_seconds());
}

void WebServer::send(WebSessions::ConnId conn, const std::string& frame) {
    auto it = conns_.find(conn);
    if (it == conns_.end() || it->second->closing) return;
    Conn& c = *it->second;
    if (c.out_bytes + frame.size() > settings_.web.max_connection_backlog) {
        // A page that does not read is cut off; its session keeps the transcript, so a
        // reconnect gets everything it missed.
        logger_.log(LogLevel::Info, "a page stopped reading; its connection was closed");
        c.out.clear();
        c.out_bytes = 0;
        c.closing = true;
        lws_set_timeout(c.wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        return;
    }
    c.out.push_back(std::string(LWS_PRE, '\0') + frame);
    c.out_bytes += frame.size();
    lws_callback_on_writable(c.wsi);
}

void WebServer::close(WebSessions::ConnId conn, const std::string& why) {
    auto it = conns_.find(conn);
    if (it == conns_.end() || it->second->closing) return;
    logger_.log(LogLevel::Debug, "closing a page's connection: " + why);
    it->second->closing = true;
    lws_callback_on_writable(it->second->wsi);
}

bool WebServer::bus(const BusLine& line) { return bus_.write(line); }

std::string WebServer::random_hex(std::size_t bytes) { return to_hex(random_bytes(bytes)); }

void WebServer::log(LogLevel level, const std::string& text) { logger_.log(level, text); }

}  // namespace nlchat
