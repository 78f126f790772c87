// SPDX-License-Identifier: GPL-3.0-or-later
// Rejoining without RSA (nlchat-protocol(7), "Resumption"; HACKING.md, "The v2 session"):
// every v2 handshake also derives a resumption secret, which both ends keep. A client that
// holds one answers the server's fresh nonce (in server_online) with a plain `resume`
// line, MACed with the secret, carrying a new X25519 key; the server, which keeps the
// secret (on disk, so a restart is the fast case), answers with its own X25519 key and a
// MAC, and the session's keys come from both the new X25519 secret and the resumption
// secret: one round trip, forward secret, bound to the operator's key, and the nonce makes
// a replay useless. Each rejoin gives a new secret and retires the old one. The full RSA
// handshake stays the way in for a first join, an unknown secret, and every 2015 client.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nlchat {

constexpr std::size_t kResumeNonceBytes = 16;

// The client's `resume` line (plain JSON, like server_online):
//   {"type":"resume","UUID":U,"sid":B64,"epk":B64,"took":N,"chats":C,"mac":B64}
struct ResumeHello {
    std::string uuid;
    std::string sid;  // 16 bytes: the session whose secret it holds
    std::string epk;  // 32 bytes: a fresh X25519 key
    std::uint64_t took = 0;
    std::optional<std::int64_t> chats;  // as in challengeACK (SEVERAL CHATS)
    std::string mac;                    // 32 bytes
};
std::optional<ResumeHello> parse_resume_hello(const Json::Value& line);
Json::Value resume_hello_json(const ResumeHello& hello);
// HMAC-SHA-256 under the resumption secret of everything in the hello (but its mac), the
// server's nonce for this connection and both long-term keys' fingerprints.
std::string resume_hello_mac(std::string_view secret, const ResumeHello& hello, std::string_view nonce,
                             std::string_view client_fp, std::string_view server_fp);
// The server's answer carries HMAC-SHA-256(secret, "nlchat v2 resumed" || the transcript
// hash): the client knows at once that it speaks to who holds the secret.
std::string resume_answer_mac(std::string_view secret, std::string_view transcript_hash);
bool same_mac(std::string_view a, std::string_view b);  // in time that does not depend on where they differ

// What the server keeps of an operator's last session, to let it rejoin without RSA.
struct Ticket {
    std::string uuid;
    std::string sid;     // 16 bytes
    std::string secret;  // 32 bytes
    std::string key_pem;
    double expires = 0;  // wall clock
};

// nlchatd's tickets, one per operator (the newest retires the one before). Each change is a
// record for the state dir's tickets file (kind in "t"): {"t":"ticket","op":U,"sid":B64,
// "secret":B64,"key":PEM,"expires":E} or {"t":"forget","op":U}.
class TicketBook {
public:
    explicit TicketBook(double lifetime) : lifetime_(lifetime) {}

    // A session's secret: the operator's ticket from now on. Returns the record to keep.
    Json::Value issue(const std::string& uuid, const std::string& sid, const std::string& secret,
                      const std::string& key_pem, double now_wall);
    // The operator's ticket, if it has one that has not expired.
    const Ticket* find(const std::string& uuid, double now_wall) const;
    // Returns the record to keep, or null when there was nothing to forget.
    Json::Value forget(const std::string& uuid);

    // Every live ticket, as records (a rewrite of the file), and rebuilt from them.
    std::vector<Json::Value> snapshot(double now_wall) const;
    std::size_t restore(const std::vector<Json::Value>& records, double now_wall);
    std::size_t size() const { return tickets_.size(); }
    double lifetime() const { return lifetime_; }

private:
    double lifetime_;
    std::map<std::string, Ticket> tickets_;  // by operator UUID
};

}  // namespace nlchat
