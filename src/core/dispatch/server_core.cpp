// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/dispatch/server_core.h"

#include <algorithm>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"
#include "core/crypto/gcrypt_util.h"
#include "core/stats/figures.h"

namespace nlchat {

ServerCore::ServerCore(ServerCoreSettings settings, PublicKey server_key, StateStore& store, ServerCoreEffects& effects,
                       std::function<std::string()> make_nonce, std::string log_salt, std::int64_t first_ring_id,
                       PacketSealer seal, std::function<std::string(std::size_t)> random)
    : settings_(std::move(settings)),
      server_key_(std::move(server_key)),
      store_(store),
      effects_(effects),
      seal_(seal ? std::move(seal) : PacketSealer(nlchat::seal)),
      random_(random ? std::move(random) : [](std::size_t n) { return random_bytes(n); }),
      tickets_(settings_.resume_lifetime) {
    DispatchEffects& effects_of_mine = *this;
    dispatch_ = std::make_unique<Dispatch>(settings_.dispatch, server_key_, effects_of_mine, std::move(make_nonce),
                                           std::move(log_salt), first_ring_id);
}

ServerCore::~ServerCore() = default;

void ServerCore::restore(const std::vector<Json::Value>& records, const std::vector<Json::Value>& tickets,
                         const Now& now) {
    now_ = now;
    if (!records.empty()) restored_ = dispatch_->restore(records, now);
    // Without resumption (--resume-for 0) no secret stays on disk: the file is emptied.
    restored_tickets_ = settings_.resume_lifetime > 0 ? tickets_.restore(tickets, now.wall) : 0;
    ticket_records_ = tickets.size();
    compact_tickets_ = true;  // only the live tickets stay on disk
    // Compacted at once: only what is live stays on disk. (A disk that refuses it is
    // met as at any other commit: no new chat until it can be written.)
    compact_ = true;
    commit_journal(now);
}

// ---- operators ----------------------------------------------------------------------

void ServerCore::operator_connected(ConnId conn, const Now& now) {
    now_ = now;
    Link& link = links_[conn];
    if (settings_.v2 && settings_.resume_lifetime > 0) link.resume_nonce = random_(kResumeNonceBytes);
    dispatch_->operator_connected(conn, now);
}

bool ServerCore::operator_line(ConnId conn, std::string_view line, const Now& now) {
    auto it = links_.find(conn);
    if (it == links_.end()) return false;
    if (V2Endpoint* ep = v2_.on(conn)) {
        now_ = now;
        on_frame(conn, it->second, *ep, line, now);
        return true;
    }
    // A plain line before any packet (raw packets carry "messages"): a client that rejoins
    // without RSA. Anything else is left to be opened, and fails there as before.
    // Only as the connection's first line: after a packet, the nonce is spent.
    if (line.find("\"messages\"") != std::string_view::npos) it->second.resume_nonce.clear();
    if (it->second.resume_nonce.empty()) return false;
    std::string error;
    auto obj = parse_json_object(line, error);
    if (!obj || (*obj)["type"] != "resume") return false;
    now_ = now;
    auto hello = parse_resume_hello(*obj);
    if (!hello) {
        effects_.log(LogLevel::Warning, "connection " + std::to_string(conn) + ": an unreadable resume; closed");
        end_link(conn, false, now);
        return true;
    }
    on_resume(conn, it->second, *hello, now);
    return true;
}

void ServerCore::on_resume(ConnId conn, Link& link, const ResumeHello& hello, const Now& now) {
    // One try a connection, before its key, with a ticket of that session that has not
    // expired, of a key still authorized, whose MAC holds over this connection's nonce.
    // Any failure is one answer, whatever failed; the client then joins with its key.
    const Ticket* ticket = tickets_.find(hello.uuid, now.wall);
    std::optional<PublicKey> key;
    if (ticket) {
        std::string error;
        key = PublicKey::from_pem(ticket->key_pem, error);
    }
    const std::string nonce = link.resume_nonce;
    link.resume_nonce.clear();  // used once: operator_line takes no second resume
    bool ok = ticket && key && ticket->sid == hello.sid && dispatch_->authorized_key(*key) &&
              same_mac(hello.mac,
                       resume_hello_mac(ticket->secret, hello, nonce, key->fingerprint(), server_key_.fingerprint()));
    std::optional<V2Endpoint::Switch> sw;
    if (ok) {
        dispatch_->link_hint(conn, v2_.would_resume(hello.uuid, V2Offer{hello.epk, hello.sid, hello.took}), true);
        sw = v2_.answer_resumed(conn, hello, ticket->secret, nonce, key->fingerprint(), server_key_.fingerprint(),
                                now.mono);
        ok = sw.has_value();
    }
    if (!ok) {
        effects_.log(LogLevel::Info, "connection " + std::to_string(conn) + ": resume refused; the key is asked for");
        Json::Value failed(Json::objectValue);
        failed["type"] = "resume_failed";
        failed["UUID"] = hello.uuid;
        put_operator(conn, write_json(failed));
        return;
    }
    // The answer, in the clear (its MAC and the keys' use of the secret authenticate it),
    // then what the session sends again, then the join, whose first line is a frame.
    put_operator(conn, write_json(v2_answer_json(sw->answer)));
    for (const auto& line : sw->lines) put_operator(conn, line);
    link.uuid = hello.uuid;
    link.probe_text = write_json(to_json(Command{ProbeCommand{hello.uuid}}));
    link.probe_ack_text = write_json(to_json(Command{ProbeAckCommand{hello.uuid}}));
    const std::string old_sid = hello.sid;
    const PublicKey operator_key = *key;
    V2Endpoint* ep = v2_.on(conn);
    effects_.log(LogLevel::Info,
                 "operator " + hello.uuid.substr(0, 8) + " on connection " + std::to_string(conn) +
                     ": rejoined without RSA, v2 session " + (sw->answer.resumed ? "resumed" : "started") +
                     (sw->lines.empty() ? "" : ", " + std::to_string(sw->lines.size()) + " frame(s) sent again"));
    if (!dispatch_->resume_join(conn, hello.uuid, operator_key, hello.chats, now)) return;
    if (ep) {
        report_delivered(hello.uuid, *ep);
        dispatch_->link_session(hello.uuid, base64_encode(old_sid), base64_encode(ep->session_id()));
        issue_ticket(hello.uuid, operator_key, *ep, now);
    }
}

void ServerCore::issue_ticket(const std::string& uuid, const PublicKey& key, V2Endpoint& ep, const Now& now) {
    if (ep.resumption().empty() || settings_.resume_lifetime <= 0) return;
    store_.append_ticket(tickets_.issue(uuid, ep.session_id(), ep.resumption(), key.to_pem(), now.wall));
    ++ticket_records_;
}

void ServerCore::operator_forgotten(const std::string& uuid, bool rejoin_allowed) {
    v2_.forget(uuid);
    // After a disconnect or a revocation no client may rejoin with the old secret.
    if (rejoin_allowed) return;
    Json::Value r = tickets_.forget(uuid);
    if (!r.isNull()) store_.append_ticket(r), ++ticket_records_;
}

void ServerCore::operator_packet(ConnId conn, const OpenedPacket& packet, const Now& now) {
    auto it = links_.find(conn);
    if (it == links_.end()) return;
    now_ = now;
    if (!dispatch_->joined(conn) && packet.inner["type"] == ChallengeAckCommand::kType &&
        !note_offer(conn, it->second, packet, now))
        return;
    dispatch_->operator_packet(conn, packet.uuid, packet.inner, now);
}

void ServerCore::operator_closed(ConnId conn, const Now& now) {
    now_ = now;
    links_.erase(conn);
    v2_.closed(conn, now.mono);
    bare_acks_due_.erase(conn);
    dispatch_->operator_closed(conn, now);
}

void ServerCore::end_link(ConnId conn, bool flush, const Now& now) {
    links_.erase(conn);
    v2_.closed(conn, now.mono);
    bare_acks_due_.erase(conn);
    put_close(conn, false, flush);
    dispatch_->operator_closed(conn, now);
}

bool ServerCore::note_offer(ConnId conn, Link& link, const OpenedPacket& packet, const Now& now) {
    // An offer whose key is a low-order point would give an all-zero secret: it is no
    // offer at all, and is refused under --require-v2 like a missing one.
    if (settings_.v2) link.offer = parse_v2_offer(packet.inner);
    if (link.offer && !v2_offer_usable(*link.offer)) {
        effects_.log(LogLevel::Warning, "connection " + std::to_string(conn) + ": unusable v2 offer");
        link.offer.reset();
    }
    if (link.offer) {
        link.uuid = packet.uuid;
        link.challenge = packet.inner["nonce"].asString();
    } else if (settings_.require_v2) {
        refuse_v1(conn, packet.uuid, now);
        return false;
    }
    dispatch_->link_hint(conn, link.offer && v2_.would_resume(packet.uuid, *link.offer), link.offer.has_value());
    return true;
}

void ServerCore::refuse_v1(ConnId conn, const std::string& uuid, const Now& now) {
    // Refused before the dispatch sees it join: such a client never joins.
    effects_.log(LogLevel::Warning,
                 "connection " + std::to_string(conn) + ": refused: no usable v2 offer (--require-v2)");
    if (const PublicKey* key = dispatch_->connection_key(conn))
        put_operator(conn, seal_(write_json(to_json(Command{RefusedCommand{
                                     uuid, "this server takes only clients that speak the v2 session (nlchat 2)",
                                     std::string("v2_required")}})),
                                 *key, uuid, Role::Bob));
    end_link(conn, true, now);
}

bool ServerCore::switch_to_v2(ConnId conn, Link& link, const PublicKey& key, const std::string& uuid, const Now& now) {
    V2Offer offer = std::move(*link.offer);
    link.offer.reset();
    // The offer was made in the challengeACK of this UUID; a line for another UUID on
    // this connection (none is expected) stays on v1.
    if (uuid != link.uuid) return false;
    auto sw = v2_.answer(conn, uuid, offer, link.challenge, key.fingerprint(), server_key_.fingerprint(), now.mono);
    if (!sw) {
        effects_.log(LogLevel::Warning, "connection " + std::to_string(conn) + ": unusable v2 offer; staying on v1");
        return false;
    }
    link.probe_text = write_json(to_json(Command{ProbeCommand{uuid}}));
    link.probe_ack_text = write_json(to_json(Command{ProbeAckCommand{uuid}}));
    put_operator(conn, seal_(write_json(v2_answer_json(sw->answer)), key, uuid, Role::Bob));
    for (const auto& line : sw->lines) put_operator(conn, line);
    if (V2Endpoint* ep = v2_.on(conn)) report_delivered(uuid, *ep);
    // Which client run this is, before any of its lines is read; and its next rejoin.
    dispatch_->link_session(uuid, base64_encode(offer.sid), base64_encode(sw->answer.sid));
    if (V2Endpoint* ep = v2_.on(conn)) issue_ticket(uuid, key, *ep, now);
    effects_.log(LogLevel::Info,
                 "operator " + uuid.substr(0, 8) + " on connection " + std::to_string(conn) + ": v2 session " +
                     (sw->answer.resumed ? "resumed" : "started") +
                     (sw->lines.empty() ? "" : ", " + std::to_string(sw->lines.size()) + " frame(s) sent again"));
    return true;
}

std::uint64_t ServerCore::write_frame(ConnId conn, V2Endpoint& ep, const std::string& inner, bool last, bool track) {
    if (!ep.active()) return 0;  // after the connection's last frame: it is closing
    if (inner.size() > kMaxFrameInner) {
        // Nothing the dispatch sends is this large (the bus takes 64 KiB lines at most).
        effects_.log(LogLevel::Warning,
                     "connection " + std::to_string(conn) + ": a line too large for a v2 frame; dropped");
        return 0;
    }
    put_operator(conn, last ? ep.send_final(inner) : ep.send(inner, track));
    bare_acks_due_.erase(conn);  // carried by this frame
    return track && !last ? ep.last_receipt() : 0;
}

void ServerCore::report_delivered(const std::string& uuid, V2Endpoint& ep) {
    std::uint64_t last = 0;
    for (std::uint64_t receipt : ep.delivered()) last = std::max(last, receipt);
    if (last) dispatch_->operator_delivered(uuid, last);
}

void ServerCore::on_frame(ConnId conn, Link& link, V2Endpoint& ep, std::string_view line, const Now& now) {
    auto r = ep.receive(line);
    if (!r.ok) {
        // One generic line whatever failed: authentication, order, form. The session ends
        // with this connection; the client may come back and resume.
        effects_.log(LogLevel::Warning,
                     "connection " + std::to_string(conn) + ": " + kBadFrame + "; connection closed");
        return end_link(conn, false, now);
    }
    if (ep.stream().frames_with_these_keys() > kRekeyFrames + kRekeyFrames / 4) {
        // The client should have renewed its keys long since (nlchat does at kRekeyFrames):
        // close, and it resumes on a new connection with new keys.
        effects_.log(LogLevel::Warning, "connection " + std::to_string(conn) + ": v2 keys not renewed; closed");
        return end_link(conn, false, now);
    }
    report_delivered(link.uuid, ep);
    if (r.inner.empty()) return;  // a bare acknowledgement
    v2_.taken(conn);
    if (r.inner == link.probe_ack_text) {
        // Known by its bytes: the same command the reader would make of them.
        return dispatch_->operator_command(conn, link.uuid, ProbeAckCommand{link.uuid}, now);
    }
    std::string error;
    auto inner = parse_json_object(r.inner, error);
    if (!inner) {
        effects_.log(LogLevel::Warning, "connection " + std::to_string(conn) + ": v2 frame: " + error);
        return;
    }
    const std::string uuid = link.uuid;  // the dispatch may close the link
    dispatch_->operator_packet(conn, uuid, *inner, now);
}

// ---- the dispatch's effects ----------------------------------------------------------

void ServerCore::put_operator(ConnId conn, std::string line) {
    out_.push_back(Out{Out::Kind::Operator, conn, std::move(line), false});
}

void ServerCore::put_service(ConnId service, std::string line) {
    out_.push_back(Out{Out::Kind::Service, service, std::move(line), false});
}

void ServerCore::put_close(ConnId conn, bool service, bool flush) {
    out_.push_back(Out{service ? Out::Kind::CloseService : Out::Kind::CloseOperator, conn, {}, flush});
}

void ServerCore::send_plain(ConnId conn, const Json::Value& line) {
    auto it = links_.find(conn);
    if (it == links_.end()) return;
    // server_online offers this connection's nonce to a client that would rejoin without
    // RSA (an optional field a 2015 client ignores).
    if (line["type"] == ServerOnlineCommand::kType && !it->second.resume_nonce.empty()) {
        Json::Value online = line;
        online["resume"] = base64_encode(it->second.resume_nonce);
        return put_operator(conn, write_json(online));
    }
    put_operator(conn, write_json(line));
}

std::uint64_t ServerCore::send_sealed(ConnId conn, const PublicKey& key, const std::string& uuid,
                                      const Command& command) {
    auto it = links_.find(conn);
    if (it == links_.end()) return 0;
    Link& link = it->second;
    V2Endpoint* ep = v2_.on(conn);
    if (const auto* probe = std::get_if<ProbeCommand>(&command);
        ep && probe && probe->uuid == link.uuid && !link.probe_text.empty())
        return write_frame(conn, *ep, link.probe_text, false);
    const std::string inner = write_json(to_json(command));
    // A refusal is a connection's last line: it never starts a v2 session.
    const bool last = std::holds_alternative<RefusedCommand>(command);
    if (!ep && link.offer && !last && switch_to_v2(conn, link, key, uuid, now_)) ep = v2_.on(conn);
    if (ep) {
        // A caller's text is the dispatch's to keep until the client acknowledges it.
        const auto* msg = std::get_if<MsgCommand>(&command);
        return write_frame(conn, *ep, inner, last, msg && msg->io == Direction::In);
    }
    put_operator(conn, seal_(inner, key, uuid, Role::Bob));
    // Written is all a v1 client gives: a caller's text is delivered once this turn's
    // writes are out (after the commit that put it on disk), which the receipt says then.
    const auto* msg = std::get_if<MsgCommand>(&command);
    if (!msg || msg->io != Direction::In) return 0;
    written_v1_.emplace_back(uuid, next_v1_receipt_);
    return next_v1_receipt_++;
}

void ServerCore::close_operator(ConnId conn) {
    // The dispatch has forgotten the connection already.
    links_.erase(conn);
    v2_.closed(conn, now_.mono);
    bare_acks_due_.erase(conn);
    put_close(conn, false, true);  // a refusal just written must reach the client
}

void ServerCore::send_service(ConnId service, const Json::Value& line) {
    // An acknowledgement promises the line is safe: it waits for this turn's commit.
    // (Bounded while the journal cannot be written: an acknowledgement left out is only
    // a line its service keeps and writes again after a reconnect, taken once by its id.)
    if (line["type"] == BusAck::kType) {
        if (held_acks_.size() < kMaxHeldAcks) held_acks_.emplace_back(service, line);
        return;
    }
    put_service(service, write_json(line));
}

void ServerCore::close_service(ConnId service) { put_close(service, true, true); }

bool ServerCore::save_ring_counter(std::int64_t next_id) {
    std::string error;
    if (store_.save_ring_counter(next_id, error)) return true;
    effects_.log(LogLevel::Warning,
                 "cannot save the ring counter: " + error + "; no new chat can start until it can be saved");
    return false;
}

void ServerCore::journal(const Json::Value& record) {
    store_.append(record);
    const std::string kind = record["j"].asString();
    if (kind == "end" || kind == "ring_end") compact_ = true;
}

// ---- services -----------------------------------------------------------------------

void ServerCore::service_connected(ConnId service, const Now& now) {
    now_ = now;
    dispatch_->service_connected(service, now);
}

void ServerCore::service_line(ConnId service, std::string_view line, const Now& now) {
    now_ = now;
    std::string error;
    auto obj = parse_json_object(line, error);
    if (!obj) {
        effects_.log(LogLevel::Warning, "service connection " + std::to_string(service) + ": bad line: " + error);
        return;
    }
    dispatch_->service_line(service, *obj, now);
}

void ServerCore::service_closed(ConnId service, const Now& now) {
    now_ = now;
    dispatch_->service_closed(service, now);
}

// ---- time and the disk --------------------------------------------------------------

bool ServerCore::end_of_turn(const Now& now) {
    now_ = now;
    const auto acks = bare_acks_at_, retry = retry_;
    finish_turn(now);
    return bare_acks_at_ != acks || retry_ != retry;
}

void ServerCore::shutdown(const Now& now) {
    now_ = now;
    retry_.reset();  // a last try now, whatever the wait
    finish_turn(now);
}

void ServerCore::finish_turn(const Now& now) {
    // The turn's records reach the disk before anything of the turn leaves: so nothing a
    // client or a service sees is lost to a crash, and what a crash catches before the
    // commit was seen by nobody (it is taken again when its sender writes it again).
    const bool committed = commit_journal(now);
    // Written even when the disk refused: the chats go on (a crash while the journal
    // cannot be written may then show a line twice; nlchatd(8), FILES).
    std::vector<Out> out = std::move(out_);
    out_.clear();
    for (auto& o : out) {
        switch (o.kind) {
        case Out::Kind::Operator: effects_.write_operator(o.conn, o.line); break;
        case Out::Kind::Service: effects_.write_service(o.conn, o.line); break;
        case Out::Kind::CloseOperator: effects_.close_operator(o.conn, o.flush); break;
        case Out::Kind::CloseService: effects_.close_service(o.conn); break;
        }
    }
    // The acknowledgements only once the records they stand for are on disk.
    if (committed) flush_acks(now);
    // The caller texts written to v1 clients are theirs now.
    auto written = std::move(written_v1_);
    written_v1_.clear();
    for (const auto& [uuid, receipt] : written) dispatch_->operator_delivered(uuid, receipt);
}

bool ServerCore::commit_journal(const Now& now) {
    if (!compact_ && !store_.pending()) return journal_ok_;
    // While the disk refuses, a try costs a whole snapshot: one a second is enough (the
    // acknowledgements wait for it, which is the point).
    if (retry_ && now.mono < *retry_) return false;
    std::string error;
    bool ok = compact_ ? store_.rewrite(dispatch_->snapshot(), error) : store_.commit(error);
    if (!ok) {
        // Nothing of this turn is acknowledged; the dispatch takes no new chat until the
        // journal can be written again, and keeps the chats it has. What was not written
        // is not kept in memory to be written later: the next write is a whole rewrite
        // from the snapshot, which holds all that is live (so memory stays bounded
        // however long the disk is full).
        if (journal_ok_) effects_.log(LogLevel::Warning, error + "; no new chat starts until it can be written");
        journal_ok_ = false;
        dispatch_->set_journal_ok(false);
        store_.discard_pending();
        compact_ = true;
        compact_tickets_ = true;  // the tickets of this turn were dropped with it
        retry_ = now.mono + 1;
        return false;
    }
    compact_ = false;
    retry_.reset();
    if (compact_tickets_ || ticket_records_ > 2 * tickets_.size() + 1000) {
        // At start, and when the file is mostly retired tickets: rewritten with the live
        // ones (a retired secret opens nothing, but need not stay on disk either).
        std::string ticket_error;
        if (store_.rewrite_tickets(tickets_.snapshot(now.wall), ticket_error)) {
            ticket_records_ = tickets_.size();
            compact_tickets_ = false;
        }
    }
    if (!journal_ok_) {
        effects_.log(LogLevel::Info, "the journal can be written again");
        journal_ok_ = true;
        dispatch_->set_journal_ok(true);
    }
    return true;
}

void ServerCore::flush_acks(const Now& now) {
    std::vector<std::pair<ConnId, Json::Value>> acks = std::move(held_acks_);
    held_acks_.clear();
    for (const auto& [service, line] : acks) effects_.write_service(service, write_json(line));
    // The v2 frames taken this turn are safe now too: acknowledged with the next frame,
    // or by a bare acknowledgement if nothing else goes soon.
    for (ConnId conn : v2_.confirm()) bare_acks_due_.insert(conn);
    if (!bare_acks_due_.empty() && !bare_acks_at_) bare_acks_at_ = now.mono + settings_.bare_ack_delay;
}

void ServerCore::send_bare_acks() {
    std::set<ConnId> due = std::move(bare_acks_due_);
    bare_acks_due_.clear();
    for (ConnId conn : due) {
        V2Endpoint* ep = v2_.on(conn);
        if (!links_.count(conn) || !ep || !ep->active() || !ep->stream().ack_due()) continue;
        put_operator(conn, ep->send(""));
    }
}

void ServerCore::tick(const Now& now) {
    now_ = now;
    dispatch_->tick(now);
    if (bare_acks_at_ && now.mono >= *bare_acks_at_) {
        bare_acks_at_.reset();
        send_bare_acks();
    }
    // (A due retry of the journal is the end of this turn's business: finish_turn.)
}

std::optional<double> ServerCore::next_deadline() const {
    std::optional<double> next = dispatch_->next_deadline();
    for (const auto& at : {bare_acks_at_, retry_})
        if (at && (!next || *at < *next)) next = at;
    return next;
}

void ServerCore::ring_figure(const std::string& service, double rang_wall, double waited, const std::string& outcome) {
    effects_.figure(figures_ring_record(service, rang_wall, waited, outcome));
}

void ServerCore::chat_figure(const std::string& service, double started_wall, double lasted,
                             const std::string& ended_by, std::int64_t handovers, std::int64_t support) {
    effects_.figure(figures_chat_record(service, started_wall, lasted, ended_by,
                                        static_cast<unsigned>(std::max<std::int64_t>(0, handovers)),
                                        static_cast<unsigned>(std::max<std::int64_t>(0, support))));
}

}  // namespace nlchat
