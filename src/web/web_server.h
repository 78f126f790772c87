// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-web's wiring: libwebsockets serves the page and the WebSocket on our libuv loop
// (as a "foreign loop", so there is one loop in the process, as in nlchatd and nlchat);
// the session table (web_sessions.h) decides what happens; the bus link carries it to
// nlchatd. This file is the only one that sees libwebsockets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/bus_link.h"
#include "net/logger.h"
#include "net/loop.h"
#include "net/timer.h"
#include "web/assets.h"
#include "web/web_config.h"
#include "web/web_sessions.h"

struct lws;
struct lws_context;

namespace nlchat {

struct WebSettings {
    std::string host = "127.0.0.1";
    int port = 7781;
    std::string socket_path = "/run/nlchatd/services.sock";
    std::string service = "Web";
    // Who may embed the page in a frame (the CSP frame-ancestors value).
    std::string frame_ancestors = "'none'";
    // Take the caller's address from X-Forwarded-For (set by our own reverse proxy).
    bool trust_proxy = false;
    bool verbose = false;
    WebConfig web;
};

class WebServer : private WebSessions::Effects {
public:
    WebServer(net::Loop& loop, WebSettings settings, Logger& logger);
    ~WebServer() override;
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    // Starts listening and dialling the bus. On failure returns false with a sentence.
    [[nodiscard]] bool start(std::string& error);
    // Ends every chat on the bus, closes connections and lets the loop finish.
    void shutdown();
    // After the loop has run dry once: libwebsockets' libuv support closes its handles
    // over loop turns, and completes its destruction only on a second destroy call once
    // they are closed. Run the loop again after this.
    void finish();
    int port() const { return port_; }

    // Called by the libwebsockets callback (web_server.cpp); not for other callers.
    int on_event(lws* wsi, int reason, void* user, void* in, std::size_t len);

private:
    struct Conn;

    int http_request(lws* wsi, void* user, const char* uri);
    // Answers with `asset` as the body and the security headers every answer carries.
    int respond(lws* wsi, void* user, unsigned int status, const Asset& asset);
    int http_writable(lws* wsi, void* user);
    void ws_established(lws* wsi, void* user);
    int ws_receive(lws* wsi, void* user, const void* in, std::size_t len);
    int ws_writable(lws* wsi, void* user);
    void ws_closed(void* user);
    // Warns once about a proxy without --trust-proxy, or --trust-proxy without a proxy.
    void check_deployment(lws* wsi);
    std::string source_of(lws* wsi);

    // WebSessions::Effects
    void send(WebSessions::ConnId conn, const std::string& frame) override;
    void close(WebSessions::ConnId conn, const std::string& why) override;
    bool bus(const BusLine& line) override;
    std::string random_hex(std::size_t bytes) override;
    void log(LogLevel level, const std::string& text) override;

    net::Loop& loop_;
    WebSettings settings_;
    Logger& logger_;
    WebSessions sessions_;
    net::BusLink bus_;
    net::Timer tick_;
    lws_context* context_ = nullptr;
    std::string csp_;
    std::string salt_;  // for the hashed source addresses; new each run
    int port_ = 0;
    std::uint64_t next_conn_ = 1;
    std::unordered_map<WebSessions::ConnId, std::unique_ptr<Conn>> conns_;
    bool stopping_ = false;
    // Each deployment mistake is said once (see check_deployment).
    bool warned_forwarded_ = false, warned_direct_ = false;
};

}  // namespace nlchat
