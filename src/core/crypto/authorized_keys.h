// SPDX-License-Identifier: GPL-3.0-or-later
// The server's authorized-keys file: which operator keys may join.
//
// One key per line, as its fingerprint ("SHA256:" and 43 base64 characters, as
// `nlchat --fingerprint` and `nlchat-packet fingerprint` print it) followed by an
// optional comment naming the operator (its name on the shift). Options may come before
// the fingerprint, comma-separated, as in sshd's authorized_keys: today only
// `role=operator` and `role=supervisor` (nlchat-protocol(7), THE SHIFT). Blank lines and
// lines starting with '#' are ignored. A line that is not a fingerprint, or has an option
// we do not know, is reported with its number and skipped, so one typo does not lock
// every operator out (and an option meant to restrict a key is never silently ignored).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace nlchat {

// Who an operator is on the shift, from its line.
struct OperatorProfile {
    std::string name;  // the comment, at most kMaxOperatorName bytes; empty: none given
    bool supervisor = false;
};
constexpr std::size_t kMaxOperatorName = 64;

struct AuthorizedKeys {
    std::set<std::string> fingerprints;
    std::map<std::string, OperatorProfile> profiles;  // by fingerprint
    std::vector<std::string> problems;                // "line 3: ..." for each skipped line
};

AuthorizedKeys parse_authorized_keys(const std::string& text);

bool is_fingerprint(const std::string& text);

}  // namespace nlchat
