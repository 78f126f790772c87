// SPDX-License-Identifier: GPL-3.0-or-later
// The v2 session's key schedule and frames (HACKING.md, "The v2 session"; byte by byte in
// nlchat-protocol(7)), sans-IO: keys and lines in, lines and inner commands out.
//
// Key schedule. Both sides hash the transcript (a label, then each field with a 4-byte
// big-endian length: client ephemeral, server ephemeral, client UUID, challenge nonce,
// client key fingerprint, server key fingerprint), then
//   PRK = HKDF-Extract(salt = SHA-256(transcript), IKM = X25519 shared secret)
// and expand it into one key per direction and a session id.
//
// A frame is one line, exactly {"v2":"B"} with B the base64 of
//   seq (8 bytes, big-endian) || ack (8 bytes) || ChaCha20-Poly1305(inner command) || tag
// with the 16 header bytes as associated data and the nonce
//   direction (4 bytes: 0 client to server, 1 server to client) || seq (8 bytes).
// seq counts this direction's frames from 1 and never repeats under one key; ack is the
// last seq taken from the other direction (0 for none). An empty inner command is a bare
// acknowledgement.
//
// A frame that fails in any way (form, authentication, a repeated, skipped or earlier seq,
// an ack of what was never sent) gives one generic error and ends the session: which check
// failed is not said to the peer, so a forger learns nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/crypto/session_crypto.h"

namespace nlchat {

enum class FrameDirection : std::uint32_t { ClientToServer = 0, ServerToClient = 1 };

struct SessionTranscript {
    std::string client_ephemeral;  // 32 bytes
    std::string server_ephemeral;  // 32 bytes
    std::string client_uuid;
    std::string challenge;           // the challenge nonce of this connection, as sent
    std::string client_fingerprint;  // "SHA256:..." of the operator's long-term key
    std::string server_fingerprint;  // ... and of the server's
};

struct SessionKeys {
    std::string client_to_server;  // 32 bytes each
    std::string server_to_client;
    std::string session_id;  // 16 bytes; names the session for a resume
    // 32 bytes: what rejoins without RSA next time (core/link/resumption.h).
    std::string resumption;
};

std::string transcript_hash(const SessionTranscript& t);
SessionKeys derive_session_keys(std::string_view shared_secret, const SessionTranscript& t);

// A rejoin by resumption (core/link/resumption.h): the transcript binds both ephemeral
// keys, the operator, the server's nonce for this connection, the session and both
// long-term keys; the keys come from the X25519 secret and the resumption secret
// together, so only who holds both has them.
struct ResumeTranscript {
    std::string client_ephemeral, server_ephemeral;  // 32 bytes each
    std::string client_uuid;
    std::string nonce;       // the server's, for this connection (16 bytes)
    std::string session_id;  // the session the client names (16 bytes)
    std::string client_fingerprint, server_fingerprint;
};
std::string resume_transcript_hash(const ResumeTranscript& t);
SessionKeys derive_resumed_keys(std::string_view shared_secret, std::string_view resumption, const ResumeTranscript& t);

// The largest inner command a frame carries: more than any line the service bus takes
// (64 KiB), so whatever a caller can write fits in one frame.
constexpr std::size_t kMaxFrameInner = std::size_t{96} * 1024;
// After this many frames (either way) under one pair of keys, or this long, the client
// reconnects and resumes: a new ephemeral exchange, so new keys (HACKING.md, "The v2
// session"). The server closes a connection that goes far past it.
constexpr std::uint64_t kRekeyFrames = std::uint64_t{1} << 20;
constexpr double kRekeySeconds = 3600;
// The one error every bad frame gives.
constexpr const char* kBadFrame = "bad v2 frame";

struct Frame {
    std::uint64_t seq = 0;
    std::uint64_t ack = 0;
    std::string inner;  // empty: a bare acknowledgement
};

std::string frame_nonce(FrameDirection dir, std::uint64_t seq);

// Seals frames of one direction under one key. seq must grow with every frame: a nonce
// is never used twice (a repeat is a bug and throws).
class FrameSealer {
public:
    FrameSealer(std::string_view key, FrameDirection dir) : aead_(key), dir_(dir) {}
    std::string seal(const Frame& frame);

private:
    Aead aead_;
    FrameDirection dir_;
    std::uint64_t last_seq_ = 0;
};

// Opens one direction's frames: only the line of exactly the next seq opens.
class FrameOpener {
public:
    FrameOpener(std::string_view key, FrameDirection dir, std::uint64_t last_taken = 0)
        : aead_(key), dir_(dir), last_seq_(last_taken) {}
    // The next frame, opened, if it authenticates. `ack_ok` says whether its ack is one
    // the receiver can take; a frame whose ack is not counts as never opened (it is not
    // taken, so a resume asks for it again).
    std::optional<Frame> open(std::string_view line, const std::function<bool(std::uint64_t)>& ack_ok = nullptr);
    std::uint64_t last_seq() const { return last_seq_; }

private:
    Aead aead_;
    FrameDirection dir_;
    std::uint64_t last_seq_;
};

// One side of a v2 session over its connections: numbers what it sends, keeps it until
// the peer acknowledges it, and on a new connection (new keys) seals again what the peer
// had not acknowledged, so nothing is lost or taken twice across an outage.
class SessionStream {
public:
    explicit SessionStream(bool is_client) : client_(is_client) {}

    // New keys (a new connection, or a rekey): from now on frames are sealed and opened
    // with them. `peer_took` is the last seq the peer says it took (from its resume
    // message; 0 on a fresh session): what is newer is returned, sealed again with its
    // old seq and ack, to be written first. Nothing if the peer claims more than was ever
    // sent, or less than it has acknowledged.
    std::optional<std::vector<std::string>> start(const SessionKeys& keys, std::uint64_t peer_took);

    // A frame line carrying `inner` (empty: a bare acknowledgement).
    std::string send(std::string inner);
    // The last frame under these keys (a refusal before the connection closes): sealed
    // with the next seq but not kept for a resend, and nothing more is sealed until
    // new keys come (so no nonce is used twice).
    std::string send_final(const std::string& inner);

    struct Received {
        bool ok = false;
        std::string inner;  // empty for a bare acknowledgement
    };
    // Opens a line and applies its acknowledgement. Not ok: the session must end.
    Received receive(std::string_view line);

    std::uint64_t taken() const { return opener_ ? opener_->last_seq() : last_taken_; }
    // The last of our frames the peer has acknowledged.
    std::uint64_t peer_acked() const { return peer_acked_; }
    // The inner commands not acknowledged, oldest first (bare acknowledgements left
    // out), for a fresh session to send again when the peer lost this one.
    std::vector<std::string> unacknowledged_inners() const;
    // By default every frame taken is acknowledged at once. With manual confirmation
    // (nlchatd, which first makes what it took durable) only up to the last confirm().
    void confirm_manually() { manual_ = true; }
    bool manually_confirmed() const { return manual_; }
    void confirm() { confirmed_ = taken(); }
    std::uint64_t sent() const { return next_seq_ - 1; }
    std::size_t unacknowledged() const { return unacked_.size(); }
    // True when a frame has been taken since this side last said so (a bare
    // acknowledgement is due after a quiet moment). A bare acknowledgement taken does not
    // call for one (so two quiet sides do not answer each other for ever).
    bool ack_due() const { return last_data_ > ack_sent_ && ack_to_send() > ack_sent_; }
    // Frames sealed or opened under the current keys (a rekey is due after 2^20).
    std::uint64_t frames_with_these_keys() const { return sealed_now_ + opened_now_; }

private:
    bool client_;
    std::unique_ptr<FrameSealer> sealer_;
    std::unique_ptr<FrameOpener> opener_;
    std::uint64_t next_seq_ = 1;
    std::uint64_t last_taken_ = 0;
    std::uint64_t peer_acked_ = 0;
    std::uint64_t sealed_now_ = 0, opened_now_ = 0;
    bool manual_ = false;
    std::uint64_t confirmed_ = 0;  // with manual confirmation: what may be acknowledged
    std::uint64_t last_data_ = 0;  // the last frame taken that was not a bare acknowledgement
    std::uint64_t ack_sent_ = 0;   // the last acknowledgement we sent
    std::uint64_t ack_to_send() const { return manual_ ? confirmed_ : taken(); }
    // What the peer has not acknowledged, with the ack each frame first carried (it goes
    // again with the same).
    struct Unacked {
        std::uint64_t seq, ack;
        std::string inner;
    };
    std::deque<Unacked> unacked_;
};

}  // namespace nlchat
