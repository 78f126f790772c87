// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/session_crypto.h"

#include <array>
#include <stdexcept>

#include "core/crypto/gcrypt_util.h"

namespace nlchat {
namespace {

// The libgcrypt calls here fail only on misuse (a wrong length, an unknown algorithm),
// which the callers rule out; such a failure is a bug, not bad input.
void must(gcry_error_t err, const char* what) {
    if (err) throw std::logic_error(std::string(what) + ": " + gcrypt_error(err));
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string x25519(std::string_view scalar, std::string_view point) {
    crypto_init();
    std::array<unsigned char, kX25519Bytes> out{};
    must(gcry_ecc_mul_point(GCRY_ECC_CURVE25519, out.data(), bytes(scalar), bytes(point)), "X25519");
    return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

std::string base_point() {
    std::string u(kX25519Bytes, '\0');
    u[0] = 9;
    return u;
}

}  // namespace

X25519KeyPair x25519_keypair() {
    X25519KeyPair pair;
    pair.secret = random_bytes(kX25519Bytes);
    pair.public_key = x25519_public(pair.secret);
    return pair;
}

std::string x25519_public(std::string_view secret) {
    if (secret.size() != kX25519Bytes) throw std::logic_error("X25519: the secret is not 32 bytes");
    return x25519(secret, base_point());
}

std::optional<std::string> x25519_shared(std::string_view secret, std::string_view peer_public) {
    if (secret.size() != kX25519Bytes) throw std::logic_error("X25519: the secret is not 32 bytes");
    if (peer_public.size() != kX25519Bytes) return std::nullopt;
    std::string shared = x25519(secret, peer_public);
    // Compared in full, without an early exit, though the result is secret only when it
    // is not all zero.
    unsigned char any = 0;
    for (char c : shared) any |= static_cast<unsigned char>(c);
    if (any == 0) return std::nullopt;
    return shared;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    crypto_init();
    gcry_mac_hd_t h = nullptr;
    must(gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, nullptr), "HMAC");
    std::array<unsigned char, 32> out{};
    std::size_t len = out.size();
    gcry_error_t err = gcry_mac_setkey(h, key.data(), key.size());
    if (!err) err = gcry_mac_write(h, data.data(), data.size());
    if (!err) err = gcry_mac_read(h, out.data(), &len);
    gcry_mac_close(h);
    must(err, "HMAC");
    return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string hkdf_sha256_extract(std::string_view salt, std::string_view ikm) {
    const std::string zeros(32, '\0');
    return hmac_sha256(salt.empty() ? std::string_view(zeros) : salt, ikm);
}

std::string hkdf_sha256_expand(std::string_view prk, std::string_view info, std::size_t length) {
    if (length > std::size_t{255} * 32) throw std::logic_error("HKDF: more than 255 blocks asked for");
    std::string out, block;
    for (unsigned char n = 1; out.size() < length; ++n) {
        std::string input = block;
        input.append(info);
        input.push_back(static_cast<char>(n));
        block = hmac_sha256(prk, input);
        out += block;
    }
    out.resize(length);
    return out;
}

std::string hkdf_sha256(std::string_view salt, std::string_view ikm, std::string_view info, std::size_t length) {
    return hkdf_sha256_expand(hkdf_sha256_extract(salt, ikm), info, length);
}

Aead::Aead(std::string_view key) {
    if (key.size() != kAeadKeyBytes) throw std::logic_error("AEAD: the key is not 32 bytes");
    crypto_init();
    // Not in libgcrypt's secure memory: a server holds two of these for each of
    // thousands of operators, more than that small locked pool is for.
    must(gcry_cipher_open(&handle_, GCRY_CIPHER_CHACHA20, GCRY_CIPHER_MODE_POLY1305, 0), "AEAD");
    must(gcry_cipher_setkey(handle_, key.data(), key.size()), "AEAD key");
}

Aead::~Aead() { gcry_cipher_close(handle_); }

void Aead::start(std::string_view nonce, std::string_view aad) {
    if (nonce.size() != kAeadNonceBytes) throw std::logic_error("AEAD: the nonce is not 12 bytes");
    must(gcry_cipher_reset(handle_), "AEAD reset");
    must(gcry_cipher_setiv(handle_, nonce.data(), nonce.size()), "AEAD nonce");
    must(gcry_cipher_authenticate(handle_, aad.data(), aad.size()), "AEAD data");
}

std::string Aead::seal(std::string_view nonce, std::string_view aad, std::string_view plaintext) {
    start(nonce, aad);
    std::string out(plaintext.size() + kAeadTagBytes, '\0');
    must(gcry_cipher_final(handle_), "AEAD final");
    must(gcry_cipher_encrypt(handle_, out.data(), plaintext.size(), plaintext.data(), plaintext.size()), "AEAD seal");
    must(gcry_cipher_gettag(handle_, out.data() + plaintext.size(), kAeadTagBytes), "AEAD tag");
    return out;
}

std::optional<std::string> Aead::open(std::string_view nonce, std::string_view aad, std::string_view sealed) {
    if (sealed.size() < kAeadTagBytes) return std::nullopt;
    start(nonce, aad);
    const std::size_t n = sealed.size() - kAeadTagBytes;
    std::string out(n, '\0');
    must(gcry_cipher_final(handle_), "AEAD final");
    must(gcry_cipher_decrypt(handle_, out.data(), n, sealed.data(), n), "AEAD open");
    if (gcry_cipher_checktag(handle_, sealed.data() + n, kAeadTagBytes) != 0) return std::nullopt;
    return out;
}

}  // namespace nlchat
