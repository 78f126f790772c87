// SPDX-License-Identifier: GPL-3.0-or-later
// Reading and writing key files.
//
// Private keys are written with mode 0600 through a temporary file and a rename, so a
// crash never leaves half a key behind and the key is never readable by others, even
// for a moment. Reads are bounded: no key file is anywhere near the limit.
#pragma once

#include <optional>
#include <string>

#include "core/crypto/rsa_key.h"

namespace nlchat {

constexpr size_t kMaxKeyFileBytes = size_t{64} * 1024;

// Reads a whole file of at most `limit` bytes. On failure returns nullopt and sets
// `error` to "cannot read 'PATH': reason".
[[nodiscard]] std::optional<std::string> read_small_file(const std::string& path, size_t limit, std::string& error);

// Writes `content` to `path` with the given mode, atomically (temporary file + rename).
[[nodiscard]] bool write_file_atomic(const std::string& path, const std::string& content, unsigned mode,
                                     std::string& error);

[[nodiscard]] std::optional<PrivateKey> load_private_key(const std::string& path, std::string& error);

// Loads a public key file, or the public half of a private key file.
[[nodiscard]] std::optional<PublicKey> load_public_key(const std::string& path, std::string& error);

// Writes the private key (0600) and, when `public_path` is not empty, its public key (0644).
[[nodiscard]] bool save_key_pair(const PrivateKey& key, const std::string& private_path, const std::string& public_path,
                                 std::string& error);

}  // namespace nlchat
