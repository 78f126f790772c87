// SPDX-License-Identifier: GPL-3.0-or-later
// The primitives of the v2 session (HACKING.md, "The v2 session"), all from libgcrypt:
// X25519 key agreement, HMAC-SHA-256 and HKDF-SHA-256 (RFC 5869, built on gcry_mac,
// since libgcrypt 1.10 has no HKDF of its own), and the ChaCha20-Poly1305 AEAD
// (RFC 8439). Each is checked against its RFC's own test vectors in the unit tests and
// against Python's `cryptography` package in the interop tests.
//
// Byte strings are std::string throughout, as elsewhere in core. Nothing here keeps
// state between calls except Aead, which holds one direction's key.
#pragma once

#include <gcrypt.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nlchat {

constexpr std::size_t kX25519Bytes = 32;
constexpr std::size_t kAeadKeyBytes = 32;
constexpr std::size_t kAeadNonceBytes = 12;
constexpr std::size_t kAeadTagBytes = 16;

struct X25519KeyPair {
    std::string secret;      // 32 bytes (clamped by the function, as RFC 7748 says)
    std::string public_key;  // 32 bytes: X25519(secret, 9)
};

// A fresh ephemeral key pair from libgcrypt's strong random generator.
X25519KeyPair x25519_keypair();
// The public key of a given secret (for known-answer tests).
std::string x25519_public(std::string_view secret);
// X25519(secret, peer_public): the shared secret, or nothing when the peer's key is
// not 32 bytes or gives the all-zero result (a low-order point: no secret at all).
std::optional<std::string> x25519_shared(std::string_view secret, std::string_view peer_public);

std::string hmac_sha256(std::string_view key, std::string_view data);
// RFC 5869 with SHA-256: extract (an empty salt counts as 32 zero bytes), then expand
// to `length` bytes (at most 255 * 32).
std::string hkdf_sha256_extract(std::string_view salt, std::string_view ikm);
std::string hkdf_sha256_expand(std::string_view prk, std::string_view info, std::size_t length);
std::string hkdf_sha256(std::string_view salt, std::string_view ikm, std::string_view info, std::size_t length);

// ChaCha20-Poly1305 with one key, kept open for the many frames of one direction.
class Aead {
public:
    explicit Aead(std::string_view key);  // 32 bytes
    ~Aead();
    Aead(const Aead&) = delete;
    Aead& operator=(const Aead&) = delete;

    // The ciphertext followed by the 16-byte tag.
    std::string seal(std::string_view nonce, std::string_view aad, std::string_view plaintext);
    // The plaintext, or nothing when the tag does not match (nothing of a forged frame
    // is returned).
    std::optional<std::string> open(std::string_view nonce, std::string_view aad, std::string_view sealed);

private:
    void start(std::string_view nonce, std::string_view aad);
    gcry_cipher_hd_t handle_ = nullptr;
};

}  // namespace nlchat
