// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat's end of the operator link (nlchat-protocol(7)), sans-IO: which lines are plain,
// which are raw packets to open, which are v2 frames; the v2 offer in the challengeACK,
// the server's answer, resume or a fresh start, bare acknowledgements after a quiet
// moment, new keys every hour or 2^20 frames, the receipts that say which of the
// operator's lines the server has acknowledged, and rejoining without RSA
// (core/link/resumption.h): with a secret from its last session, the machine holds the
// session's `key` back until server_online, and answers that line's nonce with a plain
// `resume` instead; the key goes only if the server refuses it.
//
// Bytes and the time come in; typed commands for the client session, lines to write, raw
// packets to open and the next deadline come out. client/app.cpp carries the bytes over
// TCP and opens the packets on libuv's pool (RSA private-key work, milliseconds each);
// the simulation (sim/) runs it over a simulated network. The session's rules are
// core/client/client_session.h's, the frames' core/link/v2_link.h's.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "core/codec/command.h"
#include "core/codec/raw_packet.h"
#include "core/link/v2_link.h"
#include "core/now.h"

namespace nlchat {

class ClientLinkEffects {
public:
    virtual ~ClientLinkEffects() = default;
    // Writes one line (without its newline). False: the link is gone.
    virtual bool write(const std::string& line) = 0;
    // A raw packet to open with the client's private key, off the loop; opened() gets the
    // result, in the order the packets were given.
    virtual void open(std::string packet) = 0;
    // The link must be closed now (a bad frame, an unusable answer, new keys due); the
    // client redials. The machine already counts itself down.
    virtual void drop(const std::string& why) = 0;
    // What the session is to hear: the plain server_online, a command, a receipt.
    virtual void server_online(const std::optional<std::string>& key_pem) = 0;
    virtual void command(const Command& command) = 0;
    virtual void delivered(std::uint64_t receipt) = 0;
    // The v2 session is up on this link (the session numbers the operator's lines then).
    virtual void v2_up() {}
};

struct ClientLinkSettings {
    std::string uuid;
    std::string own_fingerprint;  // of the operator's key (the v2 transcript names it)
    bool v2 = true;               // offer the v2 session
    double bare_ack_delay = 0.2;  // an acknowledgement with nothing to carry it waits this long
    // Sealing a v1 packet (RSA-OAEP under the server's key); the simulation gives its own.
    PacketSealer seal;
};

class ClientLink {
public:
    ClientLink(ClientLinkSettings settings, ClientLinkEffects& effects);

    void link_up(const Now& now);
    void link_down();
    // One line read from the server.
    void received(std::string line, const Now& now);
    // The result of a packet given to ClientLinkEffects::open (nullptr: it did not open).
    void opened(const OpenedPacket* packet, const Now& now);
    // Sends a command, sealed to `server_key` on v1 or in a frame on v2. False when
    // nothing was written (no link, or the v2 answer is awaited: nothing else goes then).
    bool send(const Command& command, const PublicKey& server_key, const Now& now);
    // The receipt of the command send() last wrote: named by delivered() once the server
    // acknowledges it (v2); 0 when nothing will (v1).
    std::uint64_t last_receipt() const { return last_receipt_; }

    void tick(const Now& now);
    std::optional<double> next_deadline() const;

    // "v1" or "v2" once the server has answered the offer (or joined us without one);
    // empty while the link is down or the answer awaited.
    const std::string& protocol() const { return protocol_; }
    bool up() const { return up_; }
    V2Endpoint& v2() { return v2_; }
    // How the last join went: true when it was a rejoin without RSA.
    bool rejoined() const { return rejoined_; }

    // How long a held `key` waits for server_online before it goes anyway (a server that
    // never sends one, as the 2015 protocol allows).
    static constexpr double kHoldKeySeconds = 5;

private:
    void take_answer(const Json::Value& inner, const Now& now);
    void on_server_online(const Json::Value& online, const Now& now);
    void take_resumed(const Json::Value& answer, const Now& now);
    // The operator's `key`, held while a rejoin without RSA may happen, goes now.
    void send_held_key(const Now& now);
    void switched(const std::vector<std::string>& first, const Now& now);
    void on_frame(const std::string& line, const Now& now);
    void drop(const std::string& why);
    void deliver(const Json::Value& inner);

    ClientLinkSettings settings_;
    ClientLinkEffects& effects_;
    bool up_ = false;
    std::string protocol_;
    // The v2 session, kept across connections so that a redial resumes it. Offered in the
    // challengeACK; frames that arrive while the answer is still being opened wait.
    V2Endpoint v2_{true};
    bool offered_ = false;
    std::string challenge_, server_fingerprint_;
    std::deque<std::string> early_frames_;
    std::uint64_t last_receipt_ = 0;
    std::optional<double> bare_ack_at_;  // a bare acknowledgement goes then, if still due
    std::optional<double> rekey_at_;     // the link is dropped then, for new keys
    // Rejoining without RSA: the key held until server_online (or until hold_until_), the
    // nonce the server gave, whether a `resume` awaits its answer, the chats last asked for.
    struct HeldKey {
        Command command;
        PublicKey server_key;
    };
    std::optional<HeldKey> held_key_;
    bool awaiting_online_ = false, resuming_ = false, rejoined_ = false;
    double hold_until_ = 0;
    std::string resume_nonce_;
    std::optional<std::int64_t> chats_;
};

}  // namespace nlchat
