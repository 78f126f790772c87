// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/session_frames.h"

#include <stdexcept>

#include "core/codec/base64.h"
#include "core/crypto/gcrypt_util.h"

namespace nlchat {
namespace {

constexpr std::string_view kTranscriptLabel = "nlchat v2 transcript";
constexpr std::string_view kLinePrefix = "{\"v2\":\"";
constexpr std::string_view kLineSuffix = "\"}";
constexpr std::size_t kHeaderBytes = 16;

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint64_t get_u64(std::string_view in) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
    return v;
}

void put_field(std::string& out, std::string_view field) {
    put_u32(out, static_cast<std::uint32_t>(field.size()));
    out.append(field);
}

// The base64 of a frame of the largest inner command, with room for its header and tag.
constexpr std::size_t kMaxLine =
    kLinePrefix.size() + (kHeaderBytes + kMaxFrameInner + kAeadTagBytes + 2) / 3 * 4 + kLineSuffix.size();

}  // namespace

std::string transcript_hash(const SessionTranscript& t) {
    std::string data(kTranscriptLabel);
    for (std::string_view f : {std::string_view(t.client_ephemeral), std::string_view(t.server_ephemeral),
                               std::string_view(t.client_uuid), std::string_view(t.challenge),
                               std::string_view(t.client_fingerprint), std::string_view(t.server_fingerprint)})
        put_field(data, f);
    return sha256(data);
}

namespace {

SessionKeys expand_keys(const std::string& prk) {
    return SessionKeys{hkdf_sha256_expand(prk, "nlchat v2 client to server", kAeadKeyBytes),
                       hkdf_sha256_expand(prk, "nlchat v2 server to client", kAeadKeyBytes),
                       hkdf_sha256_expand(prk, "nlchat v2 session id", 16),
                       hkdf_sha256_expand(prk, "nlchat v2 resumption", 32)};
}

}  // namespace

SessionKeys derive_session_keys(std::string_view shared_secret, const SessionTranscript& t) {
    return expand_keys(hkdf_sha256_extract(transcript_hash(t), shared_secret));
}

std::string resume_transcript_hash(const ResumeTranscript& t) {
    std::string data("nlchat v2 resumed transcript");
    for (std::string_view f :
         {std::string_view(t.client_ephemeral), std::string_view(t.server_ephemeral), std::string_view(t.client_uuid),
          std::string_view(t.nonce), std::string_view(t.session_id), std::string_view(t.client_fingerprint),
          std::string_view(t.server_fingerprint)})
        put_field(data, f);
    return sha256(data);
}

SessionKeys derive_resumed_keys(std::string_view shared_secret, std::string_view resumption,
                                const ResumeTranscript& t) {
    std::string ikm(shared_secret);
    ikm += resumption;
    return expand_keys(hkdf_sha256_extract(resume_transcript_hash(t), ikm));
}

std::string frame_nonce(FrameDirection dir, std::uint64_t seq) {
    std::string nonce;
    put_u32(nonce, static_cast<std::uint32_t>(dir));
    put_u64(nonce, seq);
    return nonce;
}

std::string FrameSealer::seal(const Frame& frame) {
    if (frame.seq <= last_seq_) throw std::logic_error("v2: a frame's seq did not grow (a nonce would repeat)");
    if (frame.inner.size() > kMaxFrameInner) throw std::logic_error("v2: an inner command too large for a frame");
    last_seq_ = frame.seq;
    std::string header;
    put_u64(header, frame.seq);
    put_u64(header, frame.ack);
    std::string line(kLinePrefix);
    line += base64_encode(header + aead_.seal(frame_nonce(dir_, frame.seq), header, frame.inner));
    line += kLineSuffix;
    return line;
}

std::optional<Frame> FrameOpener::open(std::string_view line, const std::function<bool(std::uint64_t)>& ack_ok) {
    if (line.size() > kMaxLine || line.substr(0, kLinePrefix.size()) != kLinePrefix ||
        line.size() < kLinePrefix.size() + kLineSuffix.size() ||
        line.substr(line.size() - kLineSuffix.size()) != kLineSuffix)
        return std::nullopt;
    auto raw = base64_decode(line.substr(kLinePrefix.size(), line.size() - kLinePrefix.size() - kLineSuffix.size()));
    if (!raw || raw->size() < kHeaderBytes + kAeadTagBytes) return std::nullopt;
    const std::string_view header = std::string_view(*raw).substr(0, kHeaderBytes);
    Frame frame;
    frame.seq = get_u64(header);
    frame.ack = get_u64(header.substr(8));
    // Only the very next frame: a repeat, a gap or an earlier one is never opened.
    if (frame.seq != last_seq_ + 1) return std::nullopt;
    auto inner = aead_.open(frame_nonce(dir_, frame.seq), header, std::string_view(*raw).substr(kHeaderBytes));
    if (!inner || (ack_ok && !ack_ok(frame.ack))) return std::nullopt;
    last_seq_ = frame.seq;
    frame.inner = std::move(*inner);
    return frame;
}

std::optional<std::vector<std::string>> SessionStream::start(const SessionKeys& keys, std::uint64_t peer_took) {
    if (peer_took > sent() || peer_took < peer_acked_) return std::nullopt;
    const auto out_dir = client_ ? FrameDirection::ClientToServer : FrameDirection::ServerToClient;
    const auto in_dir = client_ ? FrameDirection::ServerToClient : FrameDirection::ClientToServer;
    last_taken_ = taken();
    sealer_ = std::make_unique<FrameSealer>(client_ ? keys.client_to_server : keys.server_to_client, out_dir);
    opener_ =
        std::make_unique<FrameOpener>(client_ ? keys.server_to_client : keys.client_to_server, in_dir, last_taken_);
    sealed_now_ = opened_now_ = 0;
    // What the peer took it need not get again; but its took is no acknowledgement: that
    // comes, as always, in the `ack` of its frames. (An acknowledgement says the frame was
    // taken; a frame of ours the peer has not seen yet may say what became of it, and the
    // peer must see that frame before the acknowledgement, as it would have without the
    // outage.) So each frame goes again exactly as it first went: its seq and its ack.
    while (!unacked_.empty() && unacked_.front().seq <= peer_took) unacked_.pop_front();
    std::vector<std::string> again;
    for (const auto& f : unacked_) {
        again.push_back(sealer_->seal(Frame{f.seq, f.ack, f.inner}));
        ++sealed_now_;
    }
    return again;
}

std::string SessionStream::send(std::string inner) {
    if (!sealer_) throw std::logic_error("v2: send before the session has keys");
    const std::uint64_t seq = next_seq_++;
    ack_sent_ = ack_to_send();
    std::string line = sealer_->seal(Frame{seq, ack_sent_, inner});
    ++sealed_now_;
    unacked_.push_back(Unacked{seq, ack_sent_, std::move(inner)});
    return line;
}

std::string SessionStream::send_final(const std::string& inner) {
    if (!sealer_) throw std::logic_error("v2: send before the session has keys");
    std::string line = sealer_->seal(Frame{next_seq_, ack_to_send(), inner});
    sealer_.reset();
    return line;
}

SessionStream::Received SessionStream::receive(std::string_view line) {
    if (!opener_) return {};
    // The peer cannot acknowledge what was never sent, nor take back an acknowledgement;
    // a frame that tries is refused before it counts as taken (its command is not lost
    // for a resume to recover: it was never taken).
    auto frame = opener_->open(line, [this](std::uint64_t ack) { return ack <= sent() && ack >= peer_acked_; });
    if (!frame) return {};
    peer_acked_ = frame->ack;
    ++opened_now_;
    while (!unacked_.empty() && unacked_.front().seq <= peer_acked_) unacked_.pop_front();
    if (!frame->inner.empty()) last_data_ = frame->seq;
    return {true, std::move(frame->inner)};
}

std::vector<std::string> SessionStream::unacknowledged_inners() const {
    std::vector<std::string> out;
    for (const auto& f : unacked_)
        if (!f.inner.empty()) out.push_back(f.inner);
    return out;
}

}  // namespace nlchat
