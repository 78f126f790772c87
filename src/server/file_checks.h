// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's checks on the files it trusts, in the manner of sshd's StrictModes: a server
// key others can read is no longer secret, and an authorized-keys file or state directory
// others can write lets them enrol a key or forge the server's state. Each check gives a
// sentence naming the file and the command that fixes it.
#pragma once

#include <string>

namespace nlchat {

// The private key: a regular file owned by us (or root), readable by nobody else.
[[nodiscard]] bool check_private_file(const std::string& path, std::string& error);

// A file or directory we trust: owned by us (or root), writable by nobody else.
[[nodiscard]] bool check_not_writable_by_others(const std::string& path, std::string& error);

}  // namespace nlchat
