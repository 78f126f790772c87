// SPDX-License-Identifier: GPL-3.0-or-later
#include "web/web_sessions.h"

#include "core/codec/bus_line.h"
#include "core/codec/json_util.h"
#include "core/dispatch/dispatch_config.h"

namespace nlchat {
namespace {

// Code points in valid UTF-8 (the JSON reader has already checked it is valid).
std::size_t code_points(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string frame_text(const ServerFrame& frame) { return write_json(page_json(frame)); }

bool only_space(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

void forget_before(std::deque<double>& times, double now) {
    while (!times.empty() && times.front() <= now - 60) times.pop_front();
}

}  // namespace

void WebSessions::opened(ConnId conn, const std::string& source, double now) {
    conns_[conn] = Conn{source, now, nullptr};
}

void WebSessions::frame(ConnId conn, std::string_view text, double now) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    Conn& c = it->second;
    std::string error;
    auto json = parse_json_object(text, error);
    ParsedPageFrame parsed = json ? parse_page_frame(*json) : ParsedPageFrame{};
    if (parsed.kind == ParsedPageFrame::Kind::Unknown) {
        effects_.log(LogLevel::Debug, "a page sent an unknown command");
        return effects_.close(conn, "unknown command");
    }
    if (parsed.kind != ParsedPageFrame::Kind::Ok) {
        effects_.log(LogLevel::Debug, "a page sent a frame that is not a command: " + (json ? parsed.error : error));
        return effects_.close(conn, "bad frame");
    }
    const PageFrame& f = *parsed.value;
    if (!c.session) {
        if (auto* h = std::get_if<PageHello>(&f)) return hello(conn, c, *h);
        return effects_.close(conn, "hello expected");
    }
    Session& s = *c.session;
    if (auto* m = std::get_if<PageMsg>(&f)) return caller_msg(s, *m, now);
    if (auto* st = std::get_if<PageState>(&f)) return caller_state(s, *st, now);
    if (std::holds_alternative<PageEnd>(f)) return caller_end(s);
    effects_.close(conn, "a second hello");
}

void WebSessions::hello(ConnId conn, Conn& c, const PageHello& v) {
    Session* s = nullptr;
    if (v.token) {
        auto it = sessions_.find(*v.token);
        if (it != sessions_.end()) s = it->second.get();
    }
    std::uint64_t seen = v.seen > 0 ? static_cast<std::uint64_t>(v.seen) : 0;
    bool resumed = s != nullptr;
    if (!s && v.resume) {
        // A page coming back to a chat that no longer exists (it ended while the page
        // was away, or nlchat-web restarted): it shows the chat as ended, with the way
        // to start a new one, rather than silently starting a fresh page.
        effects_.send(conn, frame_text(PageGone{config_.text_gone}));
        return effects_.close(conn, "chat gone");
    }
    if (!s) {
        seen = 0;
        if (sessions_.size() >= config_.max_sessions) {
            effects_.log(LogLevel::Warning, "a caller was turned away: " + std::to_string(sessions_.size()) +
                                                " sessions are open (the limit)");
            return refuse(conn, config_.text_busy);
        }
        auto fresh = std::make_unique<Session>();
        fresh->token = effects_.random_hex(16);
        fresh->address = "web-" + effects_.random_hex(8);
        fresh->source = c.source;
        s = fresh.get();
        by_address_[s->address] = s;
        sessions_[s->token] = std::move(fresh);
    } else if (s->conn && *s->conn != conn) {
        // Another window (a duplicated tab, or a reload the old socket has not noticed)
        // takes the chat over; the old one is told where it went.
        ConnId old = *s->conn;
        effects_.send(old, frame_text(PageMoved{config_.text_moved}));
        effects_.close(old, "moved");
        conns_.erase(old);
    }
    s->conn = conn;
    c.session = s;

    effects_.send(conn, frame_text(PageWelcome{s->token, resumed, config_.notice,
                                               static_cast<std::int64_t>(config_.max_message_chars), s->last_msg_id,
                                               s->ended, bus_up_}));
    for (const auto& [seq, text] : s->transcript)
        if (seq > seen) effects_.send(conn, text);
    for (std::int64_t id : s->delivered) effects_.send(conn, frame_text(PageDelivered{id}));
    if (!bus_up_) effects_.send(conn, frame_text(PageService{false, config_.text_service_away}));
    if (s->listener_typing) effects_.send(conn, frame_text(PageTyping{true}));
}

void WebSessions::caller_msg(Session& s, const PageMsg& v, double now) {
    const std::int64_t id = v.id;
    // A page resends what it had not seen accepted; what was accepted already is skipped.
    if (id <= s.last_msg_id) return;
    const std::string& text = v.text;
    if (s.ended) return refuse_msg(s, id, config_.text_ended_closed);
    if (only_space(text)) {
        s.last_msg_id = id;
        return;
    }
    if (code_points(text) > config_.max_message_chars) {
        std::string why = config_.text_too_long;
        auto at = why.find("{limit}");
        if (at != std::string::npos) why.replace(at, 7, std::to_string(config_.max_message_chars));
        return refuse_msg(s, id, why);
    }
    if (!s.started) {
        // A chat takes one of its address's slots when it starts (its first message), not
        // when a page merely opens, and gives it back when it ends: callers behind one
        // campus address must not be turned away by pages that never wrote.
        auto here = per_source_.find(s.source);
        if (here != per_source_.end() && here->second >= config_.sessions_per_source) {
            effects_.log(LogLevel::Info, "a caller's first message was refused: too many chats from one address");
            return refuse_msg(s, id, config_.text_too_many_here);
        }
    }
    forget_before(s.sent_times, now);
    if (s.sent_times.size() >= config_.messages_per_minute) {
        effects_.log(LogLevel::Info, "a caller's message was refused: over " +
                                         std::to_string(config_.messages_per_minute) + " a minute");
        return refuse_msg(s, id, config_.text_too_fast);
    }
    // Numbered, so that nlchatd's acknowledgement can say "delivered" on the page.
    if (bus_prefix_.empty()) bus_prefix_ = effects_.random_hex(4);
    std::string bus_id = bus_prefix_ + "-" + std::to_string(next_bus_id_++);
    if (!effects_.bus(BusMsg{s.address, {text}, Direction::In, std::nullopt, bus_id}))
        return refuse_msg(s, id, config_.text_not_sent);
    awaiting_ack_[bus_id] = {s.token, id};
    s.sent_times.push_back(now);
    s.last_msg_id = id;
    if (!s.counted) {
        s.counted = true;
        ++per_source_[s.source];
    }
    s.started = true;
    s.last_state.clear();
    event(s, PageEvent{"you", text, id, 0});
}

void WebSessions::caller_state(Session& s, const PageState& v, double now) {
    const std::string& state = v.state;
    if (state != "composing" && state != "paused") return;
    if (!s.started || s.ended || state == s.last_state) return;
    forget_before(s.state_times, now);
    if (s.state_times.size() >= config_.states_per_minute) return;
    s.state_times.push_back(now);
    s.last_state = state;
    effects_.bus(BusChatState{s.address, state, Direction::In});
}

void WebSessions::caller_end(Session& s) {
    if (s.ended) return;
    if (s.started) effects_.bus(BusDisassociate{s.address});
    mark_ended(s, config_.text_ended_by_you);
}

void WebSessions::closed(ConnId conn, double now) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    Session* s = it->second.session;
    conns_.erase(it);
    if (s && s->conn == conn) {
        s->conn.reset();
        s->detached_since = now;
        // An ended chat whose page has left is forgotten now, as the manual says, not
        // kept for the grace period (which is for a page coming back to a live chat).
        if (s->ended) end_session(*s);
    }
}

void WebSessions::bus_line(const BusLine& line) {
    if (auto* ack = std::get_if<BusAck>(&line)) {
        auto it = awaiting_ack_.find(ack->id);
        if (it == awaiting_ack_.end()) return;
        auto [token, page_id] = it->second;
        awaiting_ack_.erase(it);
        auto session = sessions_.find(token);
        if (session == sessions_.end()) return;  // the chat ended meanwhile
        session->second->delivered.push_back(page_id);
        return live(*session->second, PageDelivered{page_id});
    }
    const std::string* address = bus_address(line);
    if (!address) return;
    auto it = by_address_.find(*address);
    if (it == by_address_.end()) {
        // The session ended on this side (its page left, or nlchat-web restarted): make
        // sure nlchatd lets go of it too.
        if (std::holds_alternative<BusMsg>(line)) effects_.bus(BusDisassociate{*address});
        return;
    }
    Session& s = *it->second;
    if (auto* msg = std::get_if<BusMsg>(&line)) {
        // nlchatd marks its own replies; everything else is the listener's.
        bool from_server = msg->origin == kOriginServer;
        for (const auto& text : msg->msg) {
            if (!from_server) s.listener_typing = false;  // the listener's words end their typing
            event(s, PageEvent{from_server ? "service" : "listener", text, std::nullopt, 0});
        }
    } else if (auto* state = std::get_if<BusChatState>(&line)) {
        bool on = state->state == "composing";
        if (on == s.listener_typing || s.ended) return;
        s.listener_typing = on;
        live(s, PageTyping{on});
    } else if (std::holds_alternative<BusDisassociate>(line)) {
        // nlchatd ends a chat on its own after saying why (the listener went offline):
        // then the ending is not the listener's doing, and must not say it is.
        if (!s.ended) mark_ended(s, s.last_was_server ? config_.text_ended_by_server : config_.text_ended_by_listener);
    }
}

void WebSessions::tick(double now) {
    std::vector<ConnId> silent;
    for (const auto& [id, c] : conns_)
        if (!c.session && now - c.opened >= config_.hello_timeout) silent.push_back(id);
    for (ConnId id : silent) {
        conns_.erase(id);
        effects_.close(id, "no hello");
    }
    std::vector<Session*> expired;
    for (auto& [token, s] : sessions_)
        if (!s->conn && now - s->detached_since >= config_.grace) expired.push_back(s.get());
    for (Session* s : expired) {
        effects_.log(LogLevel::Info, s->ended ? "an ended chat was forgotten: its page did not come back to see the end"
                                              : "a session ended: its page was away for the grace period");
        end_session(*s);
    }
}

void WebSessions::bus_state(bool up) {
    if (up == bus_up_) return;
    bus_up_ = up;
    PageService frame{up, up ? config_.text_service_back : config_.text_service_away};
    for (auto& [token, s] : sessions_) live(*s, frame);
}

void WebSessions::shutdown() {
    std::vector<Session*> all;
    for (auto& [token, s] : sessions_) all.push_back(s.get());
    for (Session* s : all) end_session(*s);
}

void WebSessions::refuse(ConnId conn, const std::string& text) {
    effects_.send(conn, frame_text(PageRefused{text}));
    effects_.close(conn, "refused");
}

void WebSessions::refuse_msg(Session& s, std::int64_t id, const std::string& text) { live(s, PageNotSent{id, text}); }

void WebSessions::event(Session& s, PageEvent ev) {
    s.last_was_server = ev.kind == "service";
    ev.seq = static_cast<std::int64_t>(s.next_seq);
    std::string text = frame_text(ev);
    s.transcript.emplace_back(s.next_seq++, text);
    s.transcript_bytes += text.size();
    while (s.transcript_bytes > config_.max_transcript_bytes && s.transcript.size() > 1) {
        s.transcript_bytes -= s.transcript.front().second.size();
        s.transcript.pop_front();
    }
    if (s.conn) effects_.send(*s.conn, text);
}

void WebSessions::release_slot(Session& s) {
    if (!s.counted) return;
    s.counted = false;
    auto count = per_source_.find(s.source);
    if (count != per_source_.end() && --count->second == 0) per_source_.erase(count);
}

void WebSessions::mark_ended(Session& s, const std::string& text) {
    s.ended = true;
    release_slot(s);
    s.listener_typing = false;
    event(s, PageEvent{"ended", text, std::nullopt, 0});
}

void WebSessions::live(Session& s, const ServerFrame& frame) {
    if (s.conn) effects_.send(*s.conn, frame_text(frame));
}

void WebSessions::end_session(Session& s) {
    if (s.started && !s.ended) effects_.bus(BusDisassociate{s.address});
    if (s.conn) {
        effects_.close(*s.conn, "session ended");
        conns_.erase(*s.conn);
    }
    by_address_.erase(s.address);
    release_slot(s);
    // Acknowledgements still to come for it have no page to tell.
    for (auto it = awaiting_ack_.begin(); it != awaiting_ack_.end();)
        it = it->second.first == s.token ? awaiting_ack_.erase(it) : std::next(it);
    sessions_.erase(s.token);  // destroys s
}

}  // namespace nlchat
