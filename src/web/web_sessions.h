// SPDX-License-Identifier: GPL-3.0-or-later
// The callers' sessions of nlchat-web as a state machine with no I/O: pages connect,
// say hello (with the token of an earlier session or none), send messages, typing states
// and "end"; lines arrive from nlchatd's service bus; time passes. What must go out (a
// WebSocket frame, a closed connection, a bus line) is asked of an Effects object, so the
// tests drive it with a fake clock and the program with libwebsockets and libuv.
//
// A session outlives its connection: it is the chat, identified by a secret token the page
// keeps in sessionStorage, and on the bus by a random address (never the caller's IP).
// Everything a page shows is an event with a sequence number kept in the session's
// transcript, so a reloaded page (which says it has seen nothing) or a reconnecting one
// (which says the last number it has) gets exactly what it lacks, once and in order.
// A session whose page stays away for the grace period ends, and nothing of it remains.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/codec/bus_line.h"
#include "core/dispatch/dispatch_config.h"
#include "core/log_level.h"
#include "web/page_frame.h"
#include "web/web_config.h"

namespace nlchat {

class WebSessions {
public:
    using ConnId = std::uint64_t;

    struct Effects {
        virtual ~Effects() = default;
        // Queue a text frame for a page.
        virtual void send(ConnId conn, const std::string& frame) = 0;
        // Close a page's connection once what is queued for it has gone.
        virtual void close(ConnId conn, const std::string& why) = 0;
        // Write a line to the service bus (held by the bus link while nlchatd is away).
        // Returns false when it cannot even be held.
        virtual bool bus(const BusLine& line) = 0;
        // `bytes` random bytes as lowercase hex.
        virtual std::string random_hex(std::size_t bytes) = 0;
        virtual void log(LogLevel level, const std::string& text) = 0;
    };

    WebSessions(const WebConfig& config, Effects& effects) : config_(config), effects_(effects) {}

    // A WebSocket opened. `source` is an opaque key for the caller's network address
    // (the program passes a salted hash, so not even memory holds the address itself).
    void opened(ConnId conn, const std::string& source, double now);
    // One complete text message from a page.
    void frame(ConnId conn, std::string_view text, double now);
    void closed(ConnId conn, double now);
    // A line from nlchatd (already parsed); probes are the bus link's business. An ack
    // for a caller's message tells its page "delivered".
    void bus_line(const BusLine& line);
    // nlchatd is reachable (true) or away (false): every page is told, and new pages
    // learn it in their welcome.
    void bus_state(bool up);
    // Ends sessions whose grace ran out and connections that never said hello.
    void tick(double now);
    // The service is going away: every open chat is ended on the bus.
    void shutdown();

    std::size_t sessions() const { return sessions_.size(); }
    std::size_t connections() const { return conns_.size(); }

private:
    struct Session {
        std::string token;
        std::string address;  // on the bus
        std::string source;
        std::optional<ConnId> conn;
        double detached_since = 0;
        bool started = false;          // the first message went to nlchatd
        bool counted = false;          // holds one of its address's slots (from start to end)
        bool last_was_server = false;  // the latest event is a reply of nlchatd's own
        bool ended = false;
        bool listener_typing = false;
        std::string last_state;
        std::int64_t last_msg_id = 0;
        std::uint64_t next_seq = 1;
        std::deque<std::pair<std::uint64_t, std::string>> transcript;  // seq, frame
        std::size_t transcript_bytes = 0;
        std::deque<double> sent_times;        // messages in the last minute
        std::deque<double> state_times;       // typing states in the last minute
        std::vector<std::int64_t> delivered;  // page ids nlchatd acknowledged (replayed on reload)
    };
    struct Conn {
        std::string source;
        double opened = 0;
        Session* session = nullptr;
    };

    void hello(ConnId conn, Conn& c, const PageHello& v);
    void caller_msg(Session& s, const PageMsg& v, double now);
    void caller_state(Session& s, const PageState& v, double now);
    void caller_end(Session& s);
    void refuse(ConnId conn, const std::string& text);
    void refuse_msg(Session& s, std::int64_t id, const std::string& text);
    // Appends an event to the transcript and sends it to the page if one is attached.
    void event(Session& s, PageEvent ev);
    void live(Session& s, const ServerFrame& frame);
    // The chat is over (either side ended it): an "ended" event saying how.
    // Gives back the address slot a started chat holds.
    void release_slot(Session& s);
    void mark_ended(Session& s, const std::string& text);
    void end_session(Session& s);

    const WebConfig& config_;
    Effects& effects_;
    std::unordered_map<ConnId, Conn> conns_;
    std::unordered_map<std::string, std::unique_ptr<Session>> sessions_;  // by token
    std::unordered_map<std::string, Session*> by_address_;
    std::unordered_map<std::string, std::size_t> per_source_;  // open sessions by source key
    // The bus id of each caller message nlchatd has not acknowledged yet: its session's
    // token and the page's id for it.
    std::unordered_map<std::string, std::pair<std::string, std::int64_t>> awaiting_ack_;
    std::string bus_prefix_;  // this run's, so ids never repeat across restarts
    std::uint64_t next_bus_id_ = 1;
    bool bus_up_ = false;
};

}  // namespace nlchat
