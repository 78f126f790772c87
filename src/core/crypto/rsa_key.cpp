// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/rsa_key.h"

#include <stdexcept>

#include "core/codec/base64.h"
#include "core/codec/key_encoding.h"
#include "core/codec/pem.h"

namespace nlchat {
namespace {

std::shared_ptr<struct gcry_sexp> share(Sexp s) {
    return std::shared_ptr<struct gcry_sexp>(s.release(), SexpRelease());
}

// Reads one MPI parameter from a key S-expression.
Mpi find_param(gcry_sexp_t key, const char* name) {
    Sexp token(gcry_sexp_find_token(key, name, 0));
    if (!token) return nullptr;
    return Mpi(gcry_sexp_nth_mpi(token.get(), 1, GCRYMPI_FMT_USG));
}

bool bits_in_range(unsigned bits, std::string& error) {
    if (bits >= kMinKeyBits && bits <= kMaxKeyBits) return true;
    error = "RSA key of " + std::to_string(bits) + " bits: nlchat needs " + std::to_string(kMinKeyBits) + " to " +
            std::to_string(kMaxKeyBits) + " bits";
    return false;
}

}  // namespace

// ---- PublicKey ------------------------------------------------------------------------

std::optional<PublicKey> PublicKey::from_params(gcry_mpi_t n, gcry_mpi_t e, std::string& error) {
    crypto_init();
    gcry_sexp_t raw = nullptr;
    if (gcry_sexp_build(&raw, nullptr, "(public-key (rsa (n %m) (e %m)))", n, e) != 0) {
        error = "cannot build RSA public key";
        return std::nullopt;
    }
    Sexp sexp(raw);
    PublicKey key;
    key.bits_ = gcry_pk_get_nbits(sexp.get());
    if (!bits_in_range(key.bits_, error)) return std::nullopt;
    // A huge exponent makes every encryption to the key slow (a 39,000-bit one costs a
    // second and a half): a stranger's key must not be able to buy that much of the server.
    if (gcry_mpi_cmp_ui(e, 3) < 0 || !gcry_mpi_test_bit(e, 0) || gcry_mpi_get_nbits(e) > kMaxExponentBits) {
        error = "RSA public exponent must be odd, at least 3 and below 2^32 (65537 is usual)";
        return std::nullopt;
    }
    key.modulus_ = mpi_to_bytes(n, (key.bits_ + 7) / 8);
    RsaPublicParams params{Mpi(gcry_mpi_copy(n)), Mpi(gcry_mpi_copy(e))};
    key.spki_ = encode_spki(params);
    key.sexp_ = share(std::move(sexp));
    return key;
}

std::optional<PublicKey> PublicKey::from_pem(std::string_view text, std::string& error) {
    crypto_init();
    auto block = pem_decode(text, error);
    if (!block) return std::nullopt;
    auto params = decode_public_der(block->label, block->der, error);
    if (!params) return std::nullopt;
    return from_params(params->n.get(), params->e.get(), error);
}

std::string PublicKey::to_pem() const { return pem_encode("PUBLIC KEY", spki_); }

std::string PublicKey::fingerprint() const {
    std::string b64 = base64_encode(sha256(spki_));
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return "SHA256:" + b64;
}

std::string PublicKey::encrypt(std::string_view plain, const std::string_view* seed) const {
    // libgcrypt refuses empty messages, and a block longer than k - 42 cannot be padded;
    // both are caller bugs, since the packet codec never asks for them.
    if (plain.empty() || plain.size() > max_plain_bytes())
        throw std::invalid_argument("OAEP block of " + std::to_string(plain.size()) + " bytes");
    gcry_sexp_t data = nullptr;
    gcry_error_t err;
    // The hash is named explicitly: libgcrypt's default becomes SHA-256 in FIPS mode,
    // which would silently break interoperability.
    if (seed) {
        err =
            gcry_sexp_build(&data, nullptr, "(data (flags oaep) (hash-algo sha1) (value %b) (random-override %b))",
                            static_cast<int>(plain.size()), plain.data(), static_cast<int>(seed->size()), seed->data());
    } else {
        err = gcry_sexp_build(&data, nullptr, "(data (flags oaep) (hash-algo sha1) (value %b))",
                              static_cast<int>(plain.size()), plain.data());
    }
    if (err) throw std::runtime_error("cannot build OAEP data: " + gcrypt_error(err));
    Sexp data_owner(data);
    gcry_sexp_t enc = nullptr;
    err = gcry_pk_encrypt(&enc, data, sexp_.get());
    if (err) throw std::runtime_error("RSA encryption failed: " + gcrypt_error(err));
    Sexp enc_owner(enc);
    Sexp a(gcry_sexp_find_token(enc, "a", 0));
    size_t len = 0;
    const char* bytes = a ? gcry_sexp_nth_data(a.get(), 1, &len) : nullptr;
    if (!bytes || len > block_bytes()) throw std::runtime_error("RSA encryption gave no ciphertext");
    // libgcrypt 1.10 already returns k octets for OAEP; padding guards against a version
    // that returns the value as a minimal MPI (about 1 block in 256 starts with zero).
    std::string out(block_bytes() - len, '\0');
    out.append(bytes, len);
    return out;
}

std::string PublicKey::encrypt_block(std::string_view plain) const { return encrypt(plain, nullptr); }

std::string PublicKey::encrypt_block_with_seed(std::string_view plain, std::string_view seed) const {
    return encrypt(plain, &seed);
}

// ---- PrivateKey -----------------------------------------------------------------------

std::optional<PrivateKey> PrivateKey::from_sexp(Sexp key, std::string& error) {
    if (gcry_pk_testkey(key.get()) != 0) {
        error = "RSA private key fails its consistency check";
        return std::nullopt;
    }
    Mpi n = find_param(key.get(), "n"), e = find_param(key.get(), "e");
    if (!n || !e) {
        error = "RSA private key lacks n or e";
        return std::nullopt;
    }
    auto pub = PublicKey::from_params(n.get(), e.get(), error);
    if (!pub) return std::nullopt;
    PrivateKey out;
    out.sexp_ = share(std::move(key));
    out.public_ = std::move(*pub);
    // gcry_pk_testkey checks n = p * q but not d, so a damaged exponent would only show
    // as undecryptable packets later. One encryption and decryption (a few milliseconds,
    // once per load) proves the two halves belong together.
    static constexpr std::string_view kProbe = "nlchat pairwise consistency test";
    if (out.decrypt_block(out.public_.encrypt_block(kProbe)) != std::optional<std::string>(kProbe)) {
        error = "RSA private key does not match its public key (damaged key file?)";
        return std::nullopt;
    }
    return out;
}

std::optional<PrivateKey> PrivateKey::generate(unsigned bits, std::string& error) {
    crypto_init();
    if (!bits_in_range(bits, error)) return std::nullopt;
    gcry_sexp_t parms = nullptr, key = nullptr;
    if (gcry_sexp_build(&parms, nullptr, "(genkey (rsa (nbits %u)))", bits) != 0) {
        error = "cannot build key generation parameters";
        return std::nullopt;
    }
    Sexp parms_owner(parms);
    gcry_error_t err = gcry_pk_genkey(&key, parms);
    if (err) {
        error = "RSA key generation failed: " + gcrypt_error(err);
        return std::nullopt;
    }
    Sexp key_owner(key);
    Sexp priv(gcry_sexp_find_token(key, "private-key", 0));
    if (!priv) {
        error = "RSA key generation gave no private key";
        return std::nullopt;
    }
    return from_sexp(std::move(priv), error);
}

std::optional<PrivateKey> PrivateKey::from_pem(std::string_view text, std::string& error) {
    crypto_init();
    auto block = pem_decode(text, error);
    if (!block) return std::nullopt;
    auto p = decode_private_der(block->label, block->der, error);
    if (!p) return std::nullopt;
    gcry_sexp_t raw = nullptr;
    if (gcry_sexp_build(&raw, nullptr, "(private-key (rsa (n %m) (e %m) (d %m) (p %m) (q %m) (u %m)))", p->n.get(),
                        p->e.get(), p->d.get(), p->p.get(), p->q.get(), p->u.get()) != 0) {
        error = "cannot build RSA private key";
        return std::nullopt;
    }
    return from_sexp(Sexp(raw), error);
}

std::string PrivateKey::to_pem() const {
    RsaPrivateParams p;
    gcry_sexp_t key = sexp_.get();
    p.n = find_param(key, "n"), p.e = find_param(key, "e"), p.d = find_param(key, "d");
    p.p = find_param(key, "p"), p.q = find_param(key, "q"), p.u = find_param(key, "u");
    return pem_encode("RSA PRIVATE KEY", encode_pkcs1_private(p));
}

std::optional<std::string> PrivateKey::decrypt_block(std::string_view ciphertext) const {
    if (ciphertext.size() != public_.block_bytes() || !public_.below_modulus(ciphertext)) return std::nullopt;
    gcry_sexp_t enc = nullptr;
    if (gcry_sexp_build(&enc, nullptr, "(enc-val (flags oaep) (hash-algo sha1) (rsa (a %b)))",
                        static_cast<int>(ciphertext.size()), ciphertext.data()) != 0)
        return std::nullopt;
    Sexp enc_owner(enc);
    gcry_sexp_t plain = nullptr;
    if (gcry_pk_decrypt(&plain, enc, sexp_.get()) != 0) return std::nullopt;
    Sexp plain_owner(plain);
    Sexp value(gcry_sexp_find_token(plain, "value", 0));
    size_t len = 0;
    const char* bytes = value ? gcry_sexp_nth_data(value.get(), 1, &len) : nullptr;
    if (!bytes) return std::string();  // An empty message decrypts to an empty value.
    return std::string(bytes, len);
}

std::optional<PublicKey> public_key_from_any_pem(std::string_view text, std::string& error) {
    crypto_init();
    auto block = pem_decode(text, error);
    if (!block) return std::nullopt;
    if (is_private_label(block->label)) {
        auto priv = PrivateKey::from_pem(text, error);
        if (!priv) return std::nullopt;
        return priv->public_key();
    }
    return PublicKey::from_pem(text, error);
}

}  // namespace nlchat
