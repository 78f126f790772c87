// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/key_encoding.h"

#include <vector>

#include "core/codec/der.h"

namespace nlchat {
namespace {

std::string der_int(gcry_mpi_t m) { return der::tlv(der::kInteger, mpi_to_der_integer(m)); }

std::string algorithm_identifier() {
    return der::tlv(der::kSequence, der::tlv(der::kOid, der::kRsaEncryptionOid) + der::tlv(der::kNull, ""));
}

// Reads a non-negative INTEGER. Negative values and empty contents are malformed keys.
bool read_uint(der::Reader& r, Mpi& out) {
    std::string_view c;
    if (!r.read(der::kInteger, c) || c.empty() || (static_cast<unsigned char>(c[0]) & 0x80)) return false;
    out = mpi_from_bytes(c);
    return true;
}

// Checks an AlgorithmIdentifier for rsaEncryption; parameters are NULL or absent.
bool read_rsa_algorithm(der::Reader& r) {
    std::string_view alg, oid, null;
    if (!r.read(der::kSequence, alg)) return false;
    der::Reader a(alg);
    if (!a.read(der::kOid, oid) || oid != der::kRsaEncryptionOid) return false;
    if (!a.at_end() && (!a.read(der::kNull, null) || !null.empty())) return false;
    return a.at_end();
}

std::optional<RsaPublicParams> decode_rsa_public_key(std::string_view der, std::string& error) {
    der::Reader outer(der);
    std::string_view seq;
    RsaPublicParams key;
    if (outer.read(der::kSequence, seq) && outer.at_end()) {
        der::Reader r(seq);
        if (read_uint(r, key.n) && read_uint(r, key.e) && r.at_end()) return key;
    }
    error = "malformed RSA public key";
    return std::nullopt;
}

std::optional<RsaPrivateParams> decode_rsa_private_key(std::string_view der, std::string& error) {
    error = "malformed RSA private key";
    der::Reader outer(der);
    std::string_view seq, version;
    if (!outer.read(der::kSequence, seq) || !outer.at_end()) return std::nullopt;
    der::Reader r(seq);
    if (!r.read(der::kInteger, version)) return std::nullopt;
    if (version != std::string_view("\0", 1)) {
        error = "multi-prime RSA private keys are not supported";
        return std::nullopt;
    }
    Mpi n, e, d, p1, p2, dp, dq, qinv;
    for (Mpi* m : {&n, &e, &d, &p1, &p2, &dp, &dq, &qinv})
        if (!read_uint(r, *m)) return std::nullopt;
    if (!r.at_end()) return std::nullopt;
    RsaPrivateParams key;
    key.n = std::move(n);
    key.e = std::move(e);
    key.d = std::move(d);
    // Order the primes the way libgcrypt's CRT code expects, and recompute u for them.
    if (gcry_mpi_cmp(p1.get(), p2.get()) < 0) {
        key.p = std::move(p1), key.q = std::move(p2);
    } else {
        key.p = std::move(p2), key.q = std::move(p1);
    }
    key.u = Mpi(gcry_mpi_new(0));
    if (gcry_mpi_cmp_ui(key.p.get(), 1) <= 0 || !gcry_mpi_invm(key.u.get(), key.p.get(), key.q.get())) {
        error = "RSA private key has invalid primes";
        return std::nullopt;
    }
    error.clear();
    return key;
}

}  // namespace

bool is_private_label(std::string_view label) { return label == "RSA PRIVATE KEY" || label == "PRIVATE KEY"; }
bool is_public_label(std::string_view label) { return label == "PUBLIC KEY" || label == "RSA PUBLIC KEY"; }

std::string encode_spki(const RsaPublicParams& key) {
    std::string rsa_key = der::tlv(der::kSequence, der_int(key.n.get()) + der_int(key.e.get()));
    std::string bits = der::tlv(der::kBitString, std::string(1, '\0') + rsa_key);
    return der::tlv(der::kSequence, algorithm_identifier() + bits);
}

std::string encode_pkcs1_private(const RsaPrivateParams& key) {
    // prime1 = libgcrypt's q, prime2 = libgcrypt's p, so coefficient = p^-1 mod q = u.
    gcry_mpi_t prime1 = key.q.get(), prime2 = key.p.get();
    Mpi one_less(gcry_mpi_new(0)), dp(gcry_mpi_new(0)), dq(gcry_mpi_new(0));
    gcry_mpi_sub_ui(one_less.get(), prime1, 1);
    gcry_mpi_mod(dp.get(), key.d.get(), one_less.get());
    gcry_mpi_sub_ui(one_less.get(), prime2, 1);
    gcry_mpi_mod(dq.get(), key.d.get(), one_less.get());
    std::string body = der::tlv(der::kInteger, std::string(1, '\0'));
    for (gcry_mpi_t m : {key.n.get(), key.e.get(), key.d.get(), prime1, prime2, dp.get(), dq.get(), key.u.get()})
        body += der_int(m);
    return der::tlv(der::kSequence, body);
}

std::optional<RsaPublicParams> decode_public_der(std::string_view label, std::string_view der, std::string& error) {
    if (label == "RSA PUBLIC KEY") return decode_rsa_public_key(der, error);
    if (label != "PUBLIC KEY") {
        error = "not a public key (PEM label \"" + std::string(label) + "\")";
        return std::nullopt;
    }
    der::Reader outer(der);
    std::string_view seq, bits;
    if (outer.read(der::kSequence, seq) && outer.at_end()) {
        der::Reader r(seq);
        if (!read_rsa_algorithm(r)) {
            error = "not an RSA public key";
            return std::nullopt;
        }
        // The BIT STRING's first octet counts unused bits, which must be zero for a key.
        if (r.read(der::kBitString, bits) && r.at_end() && !bits.empty() && bits[0] == 0)
            return decode_rsa_public_key(bits.substr(1), error);
    }
    error = "malformed public key";
    return std::nullopt;
}

std::optional<RsaPrivateParams> decode_private_der(std::string_view label, std::string_view der, std::string& error) {
    if (label == "RSA PRIVATE KEY") return decode_rsa_private_key(der, error);
    if (label != "PRIVATE KEY") {
        error = "not a private key (PEM label \"" + std::string(label) + "\")";
        return std::nullopt;
    }
    der::Reader outer(der);
    std::string_view seq, version, inner;
    if (outer.read(der::kSequence, seq) && outer.at_end()) {
        der::Reader r(seq);
        if (!r.read(der::kInteger, version) || version != std::string_view("\0", 1)) {
            error = "unsupported PKCS#8 version";
            return std::nullopt;
        }
        if (!read_rsa_algorithm(r)) {
            error = "not an RSA private key";
            return std::nullopt;
        }
        // Optional attributes may follow the key; they carry nothing nlchat needs.
        if (r.read(der::kOctetString, inner)) return decode_rsa_private_key(inner, error);
    }
    error = "malformed PKCS#8 private key";
    return std::nullopt;
}

}  // namespace nlchat
