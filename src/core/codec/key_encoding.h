// SPDX-License-Identifier: GPL-3.0-or-later
// DER encodings of RSA keys: SubjectPublicKeyInfo, PKCS#1 RSAPublicKey and RSAPrivateKey,
// and PKCS#8 PrivateKeyInfo.
//
// The one trap is the CRT coefficient. libgcrypt keeps p < q and u = p^-1 mod q, while
// PKCS#1 stores prime1, prime2 and qInv = prime2^-1 mod prime1. Writing libgcrypt's q as
// prime1 and its p as prime2 makes qInv equal u, and on reading the primes are ordered
// and u is recomputed, so keys written by any tool load correctly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/crypto/gcrypt_util.h"

namespace nlchat {

struct RsaPublicParams {
    Mpi n, e;
};

// In libgcrypt's convention: p < q, u = p^-1 mod q.
struct RsaPrivateParams {
    Mpi n, e, d, p, q, u;
};

std::string encode_spki(const RsaPublicParams& key);
std::string encode_pkcs1_private(const RsaPrivateParams& key);

// Decodes "PUBLIC KEY" (SPKI) or "RSA PUBLIC KEY" (PKCS#1) DER, chosen by the PEM label.
[[nodiscard]] std::optional<RsaPublicParams> decode_public_der(std::string_view label, std::string_view der,
                                                               std::string& error);

// Decodes "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8) DER, chosen by the PEM label.
[[nodiscard]] std::optional<RsaPrivateParams> decode_private_der(std::string_view label, std::string_view der,
                                                                 std::string& error);

bool is_private_label(std::string_view label);
bool is_public_label(std::string_view label);

}  // namespace nlchat
