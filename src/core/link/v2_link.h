// SPDX-License-Identifier: GPL-3.0-or-later
// The switch to the v2 session on an operator link, sans-IO, for both ends (HACKING.md,
// "The v2 session"; byte by byte in nlchat-protocol(7)).
//
// The client offers v2 inside its challengeACK (a v1 packet), in an optional field a
// 2015 server ignores:
//   "v2": {"epk": B64(32 bytes), "sid": B64(16 bytes) or absent, "took": N}
// sid and took name the session it had and the last frame it took there, to resume it.
// A server that does v2 answers, as a v1 packet and before anything else,
//   {"type":"v2","UUID":U,"epk":B64,"sid":B64,"took":N,"resumed":true|false}
// and from the next line on both sides write only frames (core/link/session_frames.h). A
// client that gets `status` instead has a 2015 server and stays on v1.
//
// V2Endpoint is one side's session across its connections: it makes the ephemeral key,
// derives the keys, and resumes (both sides seal again what the other had not taken)
// or, when the other side no longer knows the session (a restart), starts a fresh one
// and sends again, as new frames, what was never acknowledged.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/link/resumption.h"
#include "core/link/session_frames.h"

namespace nlchat {

struct V2Offer {
    std::string epk;         // 32 bytes
    std::string sid;         // 16 bytes, or empty: no session to resume
    std::uint64_t took = 0;  // the last frame taken in that session
};

struct V2Answer {
    std::string uuid;
    std::string epk;
    std::string sid;
    std::uint64_t took = 0;
    bool resumed = false;
    std::string mac;  // 32 bytes in answer to a `resume` (core/link/resumption.h); else empty
};

// The challengeACK's "v2" field; nothing when there is none or it is malformed.
std::optional<V2Offer> parse_v2_offer(const Json::Value& challenge_ack);
// False when the offer's key is a low-order point (its X25519 secret would be all zero).
bool v2_offer_usable(const V2Offer& offer);
Json::Value v2_offer_json(const V2Offer& offer);
std::optional<V2Answer> parse_v2_answer(const Json::Value& inner);
Json::Value v2_answer_json(const V2Answer& answer);

class V2Endpoint {
public:
    explicit V2Endpoint(bool is_client) : client_(is_client), stream_(std::make_unique<SessionStream>(is_client)) {}

    // Client: a fresh ephemeral key for this connection's offer (with the session to resume).
    V2Offer offer();
    // Client: the server's answer. The lines to write first (frames sealed again), or
    // nothing when the answer is unusable (the link must then be dropped).
    std::optional<std::vector<std::string>> accept(const V2Answer& answer, const std::string& uuid,
                                                   const std::string& challenge, const std::string& client_fp,
                                                   const std::string& server_fp);
    // Server: answers a client's offer on a connection that passed the challenge. The
    // answer to send (as a v1 packet), then the lines to write after it; nothing when the
    // offer is unusable.
    struct Switch {
        V2Answer answer;
        std::vector<std::string> lines;
    };
    std::optional<Switch> answer(const V2Offer& offer, const std::string& uuid, const std::string& challenge,
                                 const std::string& client_fp, const std::string& server_fp);

    // ---- rejoining without RSA (core/link/resumption.h) ----
    // The secret the last handshake gave (empty before the first): what a `resume` is
    // MACed with, and what the server keeps as the operator's ticket.
    const std::string& resumption() const { return resumption_; }
    // The server refused it, or answered it wrongly: the next join is a full one.
    void forget_resumption() { resumption_.clear(); }
    // Client: a `resume` for the server's nonce of this connection (a fresh ephemeral
    // key); nothing without a session to resume.
    std::optional<ResumeHello> resume_hello(const std::string& uuid, const std::string& nonce,
                                            std::optional<std::int64_t> chats, const std::string& client_fp,
                                            const std::string& server_fp);
    // Client: the server's answer to it. The lines to write first, or nothing when it is
    // unusable (its MAC does not hold: not the server that has the secret).
    std::optional<std::vector<std::string>> accept_resumed(const V2Answer& answer, const std::string& uuid,
                                                           const std::string& nonce, const std::string& client_fp,
                                                           const std::string& server_fp);
    // Server: answers a `resume` whose MAC holds under the operator's ticket `secret`.
    std::optional<Switch> answer_resumed(const ResumeHello& hello, const std::string& secret, const std::string& nonce,
                                         const std::string& client_fp, const std::string& server_fp);

    // The connection is gone: nothing is sealed until the next switch.
    void link_down() { active_ = false; }
    bool active() const { return active_; }

    // A frame carrying `inner` (empty: a bare acknowledgement). Only while active.
    // `track`: give it a receipt, which delivered() names once the peer acknowledges it
    // (by default a client's every line; a server tracks the caller texts it must keep).
    std::string send(const std::string& inner, std::optional<bool> track = std::nullopt);
    // Server: whether answer() would resume the session for this offer.
    bool would_resume(const V2Offer& offer) const;
    // The connection's last frame (SessionStream::send_final); inactive after it.
    std::string send_final(const std::string& inner) {
        active_ = false;
        return stream_->send_final(inner);
    }
    // The receipt of the last line sent: it names it in delivered() when the other side
    // acknowledges it, whichever frame (after a fresh start) carried it in the end.
    std::uint64_t last_receipt() const { return last_receipt_; }
    // Opens a frame. Not ok: the connection must end (one generic error).
    SessionStream::Received receive(std::string_view line);
    // Receipts acknowledged since the last call, oldest first.
    std::vector<std::uint64_t> delivered();

    SessionStream& stream() { return *stream_; }
    const std::string& session_id() const { return sid_; }

private:
    std::optional<std::vector<std::string>> start(const SessionKeys& keys, bool resumed, std::uint64_t peer_took);

    bool client_;
    std::unique_ptr<SessionStream> stream_;
    std::string sid_;
    std::string resumption_;
    std::string ephemeral_secret_, ephemeral_public_;
    std::string resume_sid_;  // client: the session its `resume` named
    bool active_ = false;
    std::uint64_t last_receipt_ = 0, next_receipt_ = 1;
    std::map<std::uint64_t, std::uint64_t> receipts_;  // seq -> receipt, while unacknowledged
    std::vector<std::uint64_t> acked_;                 // acknowledged before a fresh start, not yet told
};

}  // namespace nlchat
