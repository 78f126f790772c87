// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/v2_link.h"

#include "core/codec/base64.h"
#include "core/codec/json_util.h"

namespace nlchat {
namespace {

constexpr std::size_t kSessionIdBytes = 16;

std::optional<std::uint64_t> count_field(const Json::Value& obj, const char* name) {
    if (!obj.isMember(name)) return 0;
    if (!obj[name].isUInt64()) return std::nullopt;
    return obj[name].asUInt64();
}

}  // namespace

std::optional<V2Offer> parse_v2_offer(const Json::Value& challenge_ack) {
    const Json::Value& v2 = challenge_ack["v2"];
    if (!v2.isObject()) return std::nullopt;
    V2Offer offer;
    auto epk = base64_field(v2, "epk", kX25519Bytes);
    auto took = count_field(v2, "took");
    if (!epk || !took) return std::nullopt;
    offer.epk = std::move(*epk);
    offer.took = *took;
    if (v2.isMember("sid")) {
        auto sid = base64_field(v2, "sid", kSessionIdBytes);
        if (!sid) return std::nullopt;
        offer.sid = std::move(*sid);
    }
    return offer;
}

bool v2_offer_usable(const V2Offer& offer) {
    // Any scalar times a low-order point is the identity: a random one tells.
    return x25519_shared(x25519_keypair().secret, offer.epk).has_value();
}

Json::Value v2_offer_json(const V2Offer& offer) {
    Json::Value v2(Json::objectValue);
    v2["epk"] = base64_encode(offer.epk);
    if (!offer.sid.empty()) v2["sid"] = base64_encode(offer.sid);
    v2["took"] = Json::UInt64(offer.took);
    return v2;
}

std::optional<V2Answer> parse_v2_answer(const Json::Value& inner) {
    if (inner["type"] != "v2" || !inner["UUID"].isString() || !inner["resumed"].isBool()) return std::nullopt;
    auto epk = base64_field(inner, "epk", kX25519Bytes);
    auto sid = base64_field(inner, "sid", kSessionIdBytes);
    auto took = count_field(inner, "took");
    if (!epk || !sid || !took) return std::nullopt;
    V2Answer answer{inner["UUID"].asString(), std::move(*epk), std::move(*sid), *took, inner["resumed"].asBool(), {}};
    if (inner.isMember("mac")) {
        auto mac = base64_field(inner, "mac", 32);
        if (!mac) return std::nullopt;
        answer.mac = std::move(*mac);
    }
    return answer;
}

Json::Value v2_answer_json(const V2Answer& answer) {
    Json::Value out(Json::objectValue);
    out["type"] = "v2";
    out["UUID"] = answer.uuid;
    out["epk"] = base64_encode(answer.epk);
    out["sid"] = base64_encode(answer.sid);
    out["took"] = Json::UInt64(answer.took);
    out["resumed"] = answer.resumed;
    if (!answer.mac.empty()) out["mac"] = base64_encode(answer.mac);
    return out;
}

V2Offer V2Endpoint::offer() {
    X25519KeyPair pair = x25519_keypair();
    ephemeral_secret_ = std::move(pair.secret);
    ephemeral_public_ = std::move(pair.public_key);
    active_ = false;
    return V2Offer{ephemeral_public_, sid_, sid_.empty() ? 0 : stream_->taken()};
}

std::optional<std::vector<std::string>> V2Endpoint::start(const SessionKeys& keys, bool resumed,
                                                          std::uint64_t peer_took) {
    if (resumed) {
        auto again = stream_->start(keys, peer_took);
        if (!again) {
            // The peer claims to have taken what was never sent, or less than it
            // acknowledged: that session cannot go on. The next offer starts afresh (what
            // was not acknowledged then goes again as new frames), rather than offering
            // the same session to the same answer again and again.
            if (client_) sid_.clear();
            return std::nullopt;
        }
        active_ = true;
        resumption_ = keys.resumption;  // each handshake gives the next rejoin its own secret
        return again;
    }
    // A fresh session: what the client's old one never had acknowledged goes again, as
    // new frames (the peer lost the old session, so it may or may not have taken them). A
    // server sends nothing of its old session again: its dispatch sends what matters (the
    // caller texts not acknowledged) itself, beside a fresh status and the open rings.
    std::vector<std::string> inners;
    if (client_) inners = stream_->unacknowledged_inners();
    // Receipts line up with those inners only once the acknowledged ones are set apart
    // (they are delivered, whether or not delivered() has been asked since).
    std::vector<std::uint64_t> old_receipts;
    for (const auto& [seq, receipt] : receipts_)
        (seq <= stream_->peer_acked() ? acked_ : old_receipts).push_back(receipt);
    const bool manual = stream_->manually_confirmed();
    stream_ = std::make_unique<SessionStream>(client_);
    if (manual) stream_->confirm_manually();
    receipts_.clear();
    sid_ = keys.session_id;
    if (!stream_->start(keys, 0)) return std::nullopt;
    active_ = true;
    resumption_ = keys.resumption;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < inners.size(); ++i) {
        lines.push_back(stream_->send(inners[i]));
        if (i < old_receipts.size()) receipts_[stream_->sent()] = old_receipts[i];
    }
    return lines;
}

std::optional<std::vector<std::string>> V2Endpoint::accept(const V2Answer& answer, const std::string& uuid,
                                                           const std::string& challenge, const std::string& client_fp,
                                                           const std::string& server_fp) {
    if (ephemeral_secret_.empty() || answer.uuid != uuid) return std::nullopt;
    auto shared = x25519_shared(ephemeral_secret_, answer.epk);
    ephemeral_secret_.clear();  // once per connection: forward secrecy
    if (!shared) return std::nullopt;
    const SessionKeys keys = derive_session_keys(
        *shared, SessionTranscript{ephemeral_public_, answer.epk, uuid, challenge, client_fp, server_fp});
    const bool resumed = answer.resumed && !sid_.empty() && answer.sid == sid_;
    // A fresh session's id is the one this handshake derives: both ends must agree.
    if (!resumed && answer.sid != keys.session_id) return std::nullopt;
    if (answer.resumed && !resumed) return std::nullopt;
    return start(keys, resumed, answer.took);
}

std::optional<V2Endpoint::Switch> V2Endpoint::answer(const V2Offer& offer, const std::string& uuid,
                                                     const std::string& challenge, const std::string& client_fp,
                                                     const std::string& server_fp) {
    X25519KeyPair mine = x25519_keypair();
    auto shared = x25519_shared(mine.secret, offer.epk);
    if (!shared) return std::nullopt;
    const SessionKeys keys = derive_session_keys(
        *shared, SessionTranscript{offer.epk, mine.public_key, uuid, challenge, client_fp, server_fp});
    const bool resumed = would_resume(offer);
    // What the session took is acknowledged now, as taken: the frames after it are the
    // ones the client sends again, and a frame the server has taken cannot be taken
    // twice. (nlchatd confirms at every commit, so this differs from its last
    // confirmation only while its journal cannot be written.)
    stream_->confirm();
    const std::uint64_t took_here = stream_->taken();
    auto lines = start(keys, resumed, offer.took);
    if (!lines) return std::nullopt;
    return Switch{V2Answer{uuid, mine.public_key, sid_, resumed ? took_here : 0, resumed, {}}, std::move(*lines)};
}

std::optional<ResumeHello> V2Endpoint::resume_hello(const std::string& uuid, const std::string& nonce,
                                                    std::optional<std::int64_t> chats, const std::string& client_fp,
                                                    const std::string& server_fp) {
    if (sid_.empty() || resumption_.empty() || nonce.size() != kResumeNonceBytes) return std::nullopt;
    X25519KeyPair pair = x25519_keypair();
    ephemeral_secret_ = std::move(pair.secret);
    ephemeral_public_ = std::move(pair.public_key);
    active_ = false;
    resume_sid_ = sid_;
    ResumeHello hello{uuid, sid_, ephemeral_public_, stream_->taken(), chats, {}};
    hello.mac = resume_hello_mac(resumption_, hello, nonce, client_fp, server_fp);
    return hello;
}

std::optional<std::vector<std::string>> V2Endpoint::accept_resumed(const V2Answer& answer, const std::string& uuid,
                                                                   const std::string& nonce,
                                                                   const std::string& client_fp,
                                                                   const std::string& server_fp) {
    if (ephemeral_secret_.empty() || answer.uuid != uuid || resume_sid_.empty()) return std::nullopt;
    auto shared = x25519_shared(ephemeral_secret_, answer.epk);
    ephemeral_secret_.clear();
    if (!shared) return std::nullopt;
    const ResumeTranscript t{ephemeral_public_, answer.epk, uuid, nonce, resume_sid_, client_fp, server_fp};
    if (!same_mac(answer.mac, resume_answer_mac(resumption_, resume_transcript_hash(t)))) return std::nullopt;
    const SessionKeys keys = derive_resumed_keys(*shared, resumption_, t);
    const bool resumed = answer.resumed && answer.sid == sid_;
    if (answer.resumed && !resumed) return std::nullopt;
    if (!resumed && answer.sid != keys.session_id) return std::nullopt;
    return start(keys, resumed, answer.took);
}

std::optional<V2Endpoint::Switch> V2Endpoint::answer_resumed(const ResumeHello& hello, const std::string& secret,
                                                             const std::string& nonce, const std::string& client_fp,
                                                             const std::string& server_fp) {
    X25519KeyPair mine = x25519_keypair();
    auto shared = x25519_shared(mine.secret, hello.epk);
    if (!shared) return std::nullopt;
    const ResumeTranscript t{hello.epk, mine.public_key, hello.uuid, nonce, hello.sid, client_fp, server_fp};
    const SessionKeys keys = derive_resumed_keys(*shared, secret, t);
    const bool resumed = would_resume(V2Offer{hello.epk, hello.sid, hello.took});
    stream_->confirm();
    const std::uint64_t took_here = stream_->taken();
    auto lines = start(keys, resumed, hello.took);
    if (!lines) return std::nullopt;
    V2Answer answer{hello.uuid, mine.public_key, sid_, resumed ? took_here : 0, resumed, {}};
    answer.mac = resume_answer_mac(secret, resume_transcript_hash(t));
    return Switch{std::move(answer), std::move(*lines)};
}

bool V2Endpoint::would_resume(const V2Offer& offer) const {
    // Resumed only when the client names this session and claims no more than was sent.
    return !sid_.empty() && offer.sid == sid_ && offer.took <= stream_->sent() && offer.took >= stream_->peer_acked();
}

std::string V2Endpoint::send(const std::string& inner, std::optional<bool> track) {
    std::string line = stream_->send(inner);
    last_receipt_ = next_receipt_++;
    if (track.value_or(client_ && !inner.empty())) receipts_[stream_->sent()] = last_receipt_;
    return line;
}

SessionStream::Received V2Endpoint::receive(std::string_view line) { return stream_->receive(line); }

std::vector<std::uint64_t> V2Endpoint::delivered() {
    std::vector<std::uint64_t> out = std::move(acked_);
    acked_.clear();
    while (!receipts_.empty() && receipts_.begin()->first <= stream_->peer_acked()) {
        out.push_back(receipts_.begin()->second);
        receipts_.erase(receipts_.begin());
    }
    return out;
}

}  // namespace nlchat
