// SPDX-License-Identifier: GPL-3.0-or-later
// The raw packet: the encrypted envelope every command travels in.
//
//   {"messages":["<base64 RSA block>", ...],"UUID":"<client uuid>","to":"alice"|"bob"}
//
// `seal` splits the inner command's UTF-8 JSON into blocks of at most k - 42 bytes (never
// an empty one), encrypts each with RSA-OAEP under the recipient's key and wraps them.
// `open` reverses it, running the cheap checks before any private-key operation, and
// reports every failure with the same generic error: a peer must not learn which check
// failed (Manger's OAEP attack needs exactly that). The detail is returned separately for
// a debug log the peer cannot see.
#pragma once

#include <json/json.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/rsa_key.h"

namespace nlchat {

// "alice" is the server, "bob" a client.
enum class Role { Alice, Bob };
const char* role_name(Role role);
std::optional<Role> role_from_name(std::string_view name);

// The one message every failure of open() gives.
extern const char* const kOpenFailed;

struct OpenLimits {
    // Bounds the private-key work one packet can cause (about 4 ms per block for a
    // 2048-bit key). 128 blocks carry 27 KB of inner JSON at 2048 bits.
    size_t max_blocks = 128;
    // UUIDs are 36 characters; anything much longer is not one.
    size_t max_uuid_bytes = 128;
};

struct OpenedPacket {
    std::string uuid;   // the wrapper's UUID
    std::string json;   // the inner JSON text, valid UTF-8
    Json::Value inner;  // ...parsed: always an object
};

struct OpenResult {
    std::optional<OpenedPacket> packet;  // empty on failure
    std::string detail;                  // on failure, what went wrong (debug logs only)
};

// Seals an inner JSON text (any bytes; normally one JSON object) into one raw packet
// line, without the trailing newline. Throws std::invalid_argument for an empty text.
std::string seal(std::string_view inner_json, const PublicKey& recipient, std::string_view uuid, Role to);

// How a link machine seals its v1 packets: seal() itself, or the simulation's stand-in
// (sim/ leaves RSA out, whose cost would bound how many runs it makes).
using PacketSealer =
    std::function<std::string(std::string_view inner_json, const PublicKey& recipient, std::string_view uuid, Role to)>;

// Block ciphers as seal() and open_split() see them. The public-key forms use RSA-OAEP;
// these let the benchmark measure the packet layer's own cost with the RSA left out.
using BlockEncryptor = std::function<std::string(std::string_view plain)>;
using BlockDecryptor = std::function<std::optional<std::string>(std::string_view ciphertext)>;

// seal() with the cipher given: `max_plain` bytes per block, each passed to `encrypt`.
std::string seal_with(std::string_view inner_json, size_t max_plain, const BlockEncryptor& encrypt,
                      std::string_view uuid, Role to);

// Opens one raw packet line (without its newline) addressed to `expected_to`.
OpenResult open(std::string_view line, const PrivateKey& key, Role expected_to, const OpenLimits& limits = {});

// The checks open() runs before any decryption, exposed so the network layer can reject a
// bad packet on the loop and send only plausible ones to the thread pool.
struct SplitPacket {
    std::string uuid;
    std::vector<std::string> ciphertexts;  // each exactly k bytes
};
[[nodiscard]] std::optional<SplitPacket> split_packet(std::string_view line, const PublicKey& own, Role expected_to,
                                                      const OpenLimits& limits, std::string& detail);

// How open_split() treats a block that does not decrypt.
enum class OnBadBlock {
    // Decrypt every block before deciding, so the time taken does not say which block
    // failed: for joined operators, whose packets are worth that care.
    DecryptAll,
    // Stop at the first: for strangers, whose junk must cost the server one private-key
    // operation, not one per block. Knowing whether a block decrypts is no help against
    // OAEP (it is secure against chosen ciphertexts); what must never leak is *which*
    // check inside a block failed, and that is one result either way.
    StopAtFirst,
};

// The private-key half of open(): decrypts the blocks, checks their sizes, joins the
// bytes and parses the inner object.
OpenResult open_split(SplitPacket&& split, const PrivateKey& key, OnBadBlock on_bad = OnBadBlock::DecryptAll);

// open_split() with the cipher given; `max_plain` is the size of every block but the last.
OpenResult open_split_with(SplitPacket&& split, size_t max_plain, const BlockDecryptor& decrypt,
                           OnBadBlock on_bad = OnBadBlock::DecryptAll);

}  // namespace nlchat
