// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/v2_sessions.h"

namespace nlchat {

std::optional<V2Endpoint::Switch> V2Sessions::answer(ConnId conn, const std::string& uuid, const V2Offer& offer,
                                                     const std::string& challenge, const std::string& client_fp,
                                                     const std::string& server_fp, double now) {
    return switch_on(conn, uuid, now,
                     [&](V2Endpoint& ep) { return ep.answer(offer, uuid, challenge, client_fp, server_fp); });
}

std::optional<V2Endpoint::Switch> V2Sessions::answer_resumed(ConnId conn, const ResumeHello& hello,
                                                             const std::string& secret, const std::string& nonce,
                                                             const std::string& client_fp, const std::string& server_fp,
                                                             double now) {
    return switch_on(conn, hello.uuid, now,
                     [&](V2Endpoint& ep) { return ep.answer_resumed(hello, secret, nonce, client_fp, server_fp); });
}

template <class F>
std::optional<V2Endpoint::Switch> V2Sessions::switch_on(ConnId conn, const std::string& uuid, double now, F answer) {
    auto [it, created] = sessions_.try_emplace(uuid);
    Entry& e = it->second;
    if (created) e.endpoint.stream().confirm_manually();
    // The session leaves the connection it had (a takeover has already told that one).
    if (e.conn) by_conn_.erase(*e.conn), unconfirmed_.erase(*e.conn);
    auto sw = answer(e.endpoint);
    if (!sw) {
        e.conn.reset();
        e.gone_since = now;
        return std::nullopt;
    }
    e.conn = conn;
    by_conn_[conn] = &e;
    return sw;
}

V2Endpoint* V2Sessions::on(ConnId conn) {
    auto it = by_conn_.find(conn);
    if (it == by_conn_.end()) return nullptr;
    return &it->second->endpoint;
}

void V2Sessions::closed(ConnId conn, double now) {
    auto it = by_conn_.find(conn);
    if (it == by_conn_.end()) return;
    Entry& e = *it->second;
    e.endpoint.link_down();
    e.conn.reset();
    e.gone_since = now;
    unconfirmed_.erase(conn);
    by_conn_.erase(it);
}

void V2Sessions::forget(const std::string& uuid) {
    auto it = sessions_.find(uuid);
    if (it == sessions_.end()) return;
    if (it->second.conn) by_conn_.erase(*it->second.conn), unconfirmed_.erase(*it->second.conn);
    sessions_.erase(it);
}

std::vector<ConnId> V2Sessions::confirm() {
    std::vector<ConnId> owing;
    for (ConnId conn : unconfirmed_) {
        V2Endpoint* ep = on(conn);
        if (!ep) continue;
        ep->stream().confirm();
        if (ep->stream().ack_due()) owing.push_back(conn);
    }
    unconfirmed_.clear();
    return owing;
}

}  // namespace nlchat
