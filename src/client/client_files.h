// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat's files under $XDG_CONFIG_HOME/nlchat/ (default ~/.config/nlchat/): the
// operator's key pair (mode 0600), the client UUID (kept so that a restarted client can
// take its chat back within the server's grace period), and the known-servers file that
// pins each server's key after the operator first trusted it.
#pragma once

#include <optional>
#include <string>

#include "core/crypto/rsa_key.h"

namespace nlchat {

// $XDG_CONFIG_HOME/nlchat, or ~/.config/nlchat; created (0700) when missing.
[[nodiscard]] std::optional<std::string> config_dir(std::string& error);

// Reads the UUID stored in `path`, or makes one (a random v4 UUID) and stores it.
[[nodiscard]] std::optional<std::string> load_or_make_uuid(const std::string& path, std::string& error);

std::string random_uuid();

// known_servers: one line per server, "HOST:PORT SHA256:... BASE64-DER-OF-PUBLIC-KEY".
std::optional<PublicKey> known_server_key(const std::string& path, const std::string& server);
[[nodiscard]] bool remember_server_key(const std::string& path, const std::string& server, const PublicKey& key,
                                       std::string& error);

}  // namespace nlchat
