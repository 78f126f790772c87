// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's wiring, the v2 session's part (HACKING.md, "The v2 session"): the offer noted
// before the dispatch sees a challengeACK, the switch with the first line the dispatch
// sends a joined client, frames both ways, and acknowledgements after the commit.
#include "core/codec/json_util.h"
#include "server/server.h"

namespace nlchat {

bool Server::note_offer(ConnId conn, OperatorConn& c, const std::string& uuid, const Json::Value& inner) {
    if (settings_.v2) c.offer = parse_v2_offer(inner);
    if (c.offer) {
        c.uuid = uuid;
        c.challenge = inner["nonce"].asString();
        return true;
    }
    if (!settings_.require_v2) return true;
    // Refused before the dispatch sees it: the client never joins.
    logger_.log_limited(LogLevel::Warning, "v1 refused",
                        "connection " + std::to_string(conn) + ": refused: no v2 offer (--require-v2)");
    if (const PublicKey* key = dispatch_->connection_key(conn))
        c.stream->write_line(seal(write_json(to_json(Command{RefusedCommand{
                                      uuid, "this server takes only clients that speak the v2 session (nlchat 2)",
                                      std::string("v2_required")}})),
                                  *key, uuid, Role::Bob));
    forget(conn, true);
    dispatch_->operator_closed(conn, now());
    return false;
}

bool Server::switch_to_v2(ConnId conn, OperatorConn& c, const PublicKey& key, const std::string& uuid) {
    V2Offer offer = std::move(*c.offer);
    c.offer.reset();
    // The offer was made in the challengeACK of this UUID; a line for another UUID on
    // this connection (none is expected) stays on v1.
    if (uuid != c.uuid) return false;
    auto sw = v2_.answer(conn, uuid, offer, c.challenge, key.fingerprint(), key_.public_key().fingerprint(),
                         net::monotonic_seconds());
    if (!sw) {
        logger_.log(LogLevel::Warning, "connection " + std::to_string(conn) + ": unusable v2 offer; staying on v1");
        return false;
    }
    c.probe_text = write_json(to_json(Command{ProbeCommand{uuid}}));
    c.probe_ack_text = write_json(to_json(Command{ProbeAckCommand{uuid}}));
    c.stream->write_line(seal(write_json(v2_answer_json(sw->answer)), key, uuid, Role::Bob));
    for (const auto& line : sw->lines) c.stream->write_line(line);
    logger_.log(LogLevel::Info,
                "operator " + uuid.substr(0, 8) + " on connection " + std::to_string(conn) + ": v2 session " +
                    (sw->answer.resumed ? "resumed" : "started") +
                    (sw->lines.empty() ? "" : ", " + std::to_string(sw->lines.size()) + " frame(s) sent again"));
    return true;
}

void Server::write_frame(ConnId conn, OperatorConn& c, V2Endpoint& ep, const std::string& inner, bool last) {
    if (!ep.active()) return;  // after the connection's last frame: it is closing
    if (inner.size() > kMaxFrameInner) {
        // Nothing the dispatch sends is this large (the bus takes 64 KiB lines at most).
        logger_.log(LogLevel::Warning,
                    "connection " + std::to_string(conn) + ": a line too large for a v2 frame; dropped");
        return;
    }
    c.stream->write_line(last ? ep.send_final(inner) : ep.send(inner));
    bare_acks_due_.erase(conn);  // carried by this frame
}

void Server::on_frame(ConnId conn, OperatorConn& c, V2Endpoint& ep, std::string_view line) {
    auto r = ep.receive(line);
    if (!r.ok) {
        // One generic line whatever failed: authentication, order, form. The session ends
        // with this connection; the client may come back and resume.
        logger_.log_by_shape(LogLevel::Warning,
                             "connection " + std::to_string(conn) + ": " + kBadFrame + "; connection closed");
        forget(conn, false);
        dispatch_->operator_closed(conn, now());
        return reschedule();
    }
    if (ep.stream().frames_with_these_keys() > kRekeyFrames + kRekeyFrames / 4) {
        // The client should have renewed its keys long since (nlchat does at kRekeyFrames):
        // close, and it resumes on a new connection with new keys. (Checked here, on what
        // arrives, not inside a dispatch call.)
        logger_.log(LogLevel::Warning, "connection " + std::to_string(conn) + ": v2 keys not renewed; closed");
        forget(conn, false);
        dispatch_->operator_closed(conn, now());
        return reschedule();
    }
    if (r.inner.empty()) return;  // a bare acknowledgement
    if (r.inner == c.probe_ack_text) {
        // Known by its bytes: the same command the reader would make of them.
        v2_.taken(conn, false);
        dispatch_->operator_command(conn, c.uuid, ProbeAckCommand{c.uuid}, now());
        return reschedule();
    }
    std::string error;
    auto inner = parse_json_object(r.inner, error);
    v2_.taken(conn, !inner || (*inner)["type"] != ProbeAckCommand::kType);
    if (!inner) {
        logger_.log_by_shape(LogLevel::Warning, "connection " + std::to_string(conn) + ": v2 frame: " + error);
        return;
    }
    dispatch_->operator_packet(conn, c.uuid, *inner, now());
    reschedule();
}

void Server::send_bare_acks() {
    std::set<ConnId> due = std::move(bare_acks_due_);
    bare_acks_due_.clear();
    for (ConnId conn : due) {
        auto it = operators_.find(conn);
        V2Endpoint* ep = v2_.on(conn);
        if (it == operators_.end() || it->second.closed || !ep || !ep->active() || !ep->stream().ack_due()) continue;
        it->second.stream->write_line(ep->send(""));
    }
}

}  // namespace nlchat
