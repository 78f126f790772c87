// SPDX-License-Identifier: GPL-3.0-or-later
// RSA key pairs and the protocol's one cipher: RSAES-OAEP with SHA-1, MGF1-SHA-1 and an
// empty label, byte-compatible with PyCryptodome's PKCS1_OAEP defaults.
//
// Keys are immutable and cheap to copy (they share the libgcrypt handle), so a key can be
// handed to the libuv pool for decryption while the loop keeps using it. Public keys are
// read from and written as PEM SubjectPublicKeyInfo (also read: PKCS#1 "RSA PUBLIC KEY");
// private keys are written as PKCS#1 "RSA PRIVATE KEY" and read as PKCS#1 or PKCS#8.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto/gcrypt_util.h"

namespace nlchat {

// Keys outside this range are refused when read or generated: smaller ones are weak,
// larger ones make every decryption needlessly slow.
constexpr unsigned kMinKeyBits = 2048;
constexpr unsigned kMaxKeyBits = 8192;

// Public exponents are odd numbers below 2^32 (in practice always 65537).
constexpr unsigned kMaxExponentBits = 32;

// OAEP with SHA-1 costs 2 * 20 + 2 bytes of each block.
constexpr size_t kOaepOverhead = 42;

class PublicKey {
public:
    // Reads a public key from PEM text ("PUBLIC KEY" or "RSA PUBLIC KEY").
    static std::optional<PublicKey> from_pem(std::string_view text, std::string& error);

    std::string to_pem() const;  // SPKI PEM, as PyCryptodome writes it
    const std::string& spki_der() const { return spki_; }
    std::string fingerprint() const;  // "SHA256:" + unpadded base64
    unsigned bits() const { return bits_; }
    size_t block_bytes() const { return modulus_.size(); }  // k, the ciphertext length
    size_t max_plain_bytes() const { return block_bytes() - kOaepOverhead; }

    // Encrypts 1..max_plain_bytes() bytes into exactly block_bytes() bytes. Throws
    // std::invalid_argument for a block of the wrong size and std::runtime_error if
    // libgcrypt fails.
    std::string encrypt_block(std::string_view plain) const;

    // As encrypt_block, with the OAEP seed given (20 bytes) instead of drawn at random.
    // Only for known-answer tests: a fixed seed makes ciphertexts linkable.
    std::string encrypt_block_with_seed(std::string_view plain, std::string_view seed) const;

    // True when the big-endian `ciphertext` of block_bytes() bytes is below the modulus.
    bool below_modulus(std::string_view ciphertext) const { return ciphertext < std::string_view(modulus_); }

    bool operator==(const PublicKey& other) const { return spki_ == other.spki_; }
    bool operator!=(const PublicKey& other) const { return !(*this == other); }

private:
    friend class PrivateKey;
    static std::optional<PublicKey> from_params(gcry_mpi_t n, gcry_mpi_t e, std::string& error);
    std::string encrypt(std::string_view plain, const std::string_view* seed) const;

    std::shared_ptr<struct gcry_sexp> sexp_;  // (public-key (rsa (n) (e)))
    std::string modulus_;                     // n, big-endian, k bytes
    std::string spki_;
    unsigned bits_ = 0;
};

class PrivateKey {
public:
    // Generates a fresh key pair (e = 65537). Takes from a tenth of a second (2048 bits)
    // to several seconds (4096): never call it on a UI thread.
    static std::optional<PrivateKey> generate(unsigned bits, std::string& error);

    static std::optional<PrivateKey> from_pem(std::string_view text, std::string& error);

    std::string to_pem() const;  // PKCS#1 "RSA PRIVATE KEY"
    const PublicKey& public_key() const { return public_; }

    // Decrypts one block of exactly block_bytes() bytes. Every failure (wrong length,
    // value not below the modulus, bad padding) gives the same nullopt, so callers cannot
    // leak which check failed.
    std::optional<std::string> decrypt_block(std::string_view ciphertext) const;

private:
    static std::optional<PrivateKey> from_sexp(Sexp key, std::string& error);

    std::shared_ptr<struct gcry_sexp> sexp_;  // (private-key (rsa (n)(e)(d)(p)(q)(u)))
    PublicKey public_;
};

// Reads the public half of any key PEM: a public key, or a private key's public part.
[[nodiscard]] std::optional<PublicKey> public_key_from_any_pem(std::string_view text, std::string& error);

}  // namespace nlchat
