// SPDX-License-Identifier: GPL-3.0-or-later
// The server's authorized-keys file: which operator keys may join.
//
// One key per line, as its fingerprint ("SHA256:" and 43 base64 characters, as
// `nlchat --fingerprint` and `nlchat-packet fingerprint` print it) followed by an
// optional comment naming the operator. Blank lines and lines starting with '#' are
// ignored. A line that is not a fingerprint is reported with its number and skipped, so
// one typo does not lock every operator out.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace nlchat {

struct AuthorizedKeys {
    std::set<std::string> fingerprints;
    std::vector<std::string> problems;  // "line 3: ..." for each skipped line
};

AuthorizedKeys parse_authorized_keys(const std::string& text);

bool is_fingerprint(const std::string& text);

}  // namespace nlchat
