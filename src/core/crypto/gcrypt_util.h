// SPDX-License-Identifier: GPL-3.0-or-later
// libgcrypt set-up and ownership helpers.
//
// libgcrypt must be initialised once, before any thread uses it (later the libuv pool
// decrypts packets), and its S-expressions and MPIs are C handles that must be released
// exactly once. These small wrappers make both hard to get wrong.
#pragma once

#include <gcrypt.h>

#include <memory>
#include <string>
#include <string_view>

namespace nlchat {

// Initialises libgcrypt (version check, secure memory) the first time it is called; later
// calls do nothing. Every function in core that touches libgcrypt calls it itself.
void crypto_init();

struct SexpRelease {
    void operator()(gcry_sexp_t s) const { gcry_sexp_release(s); }
};
struct MpiRelease {
    void operator()(gcry_mpi_t m) const { gcry_mpi_release(m); }
};
using Sexp = std::unique_ptr<struct gcry_sexp, SexpRelease>;
using Mpi = std::unique_ptr<struct gcry_mpi, MpiRelease>;

// The unsigned big-endian bytes of `m`, left-padded with zeros to `width` when given.
std::string mpi_to_bytes(gcry_mpi_t m, size_t width = 0);

// Reads unsigned big-endian bytes into an MPI.
Mpi mpi_from_bytes(std::string_view bytes);

// The content octets of a DER INTEGER holding non-negative `m` (a leading zero byte when
// the top bit is set, as two's complement requires).
std::string mpi_to_der_integer(gcry_mpi_t m);

std::string sha256(std::string_view data);

// `bytes` bytes from libgcrypt's strong random generator.
std::string random_bytes(size_t bytes);

// Bytes as lowercase hex, for digests and random ids.
std::string to_hex(std::string_view bytes);

// A short human-readable description of a libgcrypt error code.
std::string gcrypt_error(gcry_error_t err);

}  // namespace nlchat
