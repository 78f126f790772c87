// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/authorized_keys.h"

#include <sstream>

namespace nlchat {

bool is_fingerprint(const std::string& text) {
    static const std::string kPrefix = "SHA256:";
    if (text.size() != kPrefix.size() + 43 || text.compare(0, kPrefix.size(), kPrefix) != 0) return false;
    for (size_t i = kPrefix.size(); i < text.size(); ++i) {
        char c = text[i];
        bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (!b64) return false;
    }
    return true;
}

AuthorizedKeys parse_authorized_keys(const std::string& text) {
    AuthorizedKeys out;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        size_t start = line.find_first_not_of(" \t\r");
        if (start == std::string::npos || line[start] == '#') continue;
        size_t end = line.find_first_of(" \t\r", start);
        std::string word = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (is_fingerprint(word)) {
            out.fingerprints.insert(word);
        } else {
            out.problems.push_back("line " + std::to_string(n) + ": '" + word.substr(0, 60) +
                                   "' is not a key fingerprint (SHA256: and 43 base64 characters)");
        }
    }
    return out;
}

}  // namespace nlchat
