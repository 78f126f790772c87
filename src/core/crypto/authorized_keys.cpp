// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/authorized_keys.h"

#include <sstream>

#include "core/codec/utf8.h"

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
        const std::string where = "line " + std::to_string(n) + ": ";
        OperatorProfile profile;
        if (word.rfind("SHA256:", 0) != 0 && word.find('=') != std::string::npos) {
            // Options first, then the fingerprint.
            std::string problem;
            std::istringstream options(word);
            for (std::string option; std::getline(options, option, ',');) {
                if (option == "role=supervisor") profile.supervisor = true;
                else if (option == "role=operator") profile.supervisor = false;
                else problem = "unknown option '" + option.substr(0, 40) + "' (known: role=operator, role=supervisor)";
            }
            if (!problem.empty()) {
                out.problems.push_back(where + problem + "; the line is skipped");
                continue;
            }
            start = end == std::string::npos ? std::string::npos : line.find_first_not_of(" \t\r", end);
            end = start == std::string::npos ? std::string::npos : line.find_first_of(" \t\r", start);
            word = start == std::string::npos
                       ? ""
                       : line.substr(start, end == std::string::npos ? std::string::npos : end - start);
        }
        if (!is_fingerprint(word)) {
            out.problems.push_back(where + "'" + word.substr(0, 60) +
                                   "' is not a key fingerprint (SHA256: and 43 base64 characters)");
            continue;
        }
        std::string name;
        if (end != std::string::npos) {
            const size_t from = line.find_first_not_of(" \t\r", end);
            const size_t to = line.find_last_not_of(" \t\r");
            if (from != std::string::npos) name = line.substr(from, to - from + 1);
        }
        if (name.size() > kMaxOperatorName || !is_valid_utf8(name)) {
            out.problems.push_back(where + "the name is not UTF-8 of at most " + std::to_string(kMaxOperatorName) +
                                   " bytes; the key is named by its fingerprint");
            name.clear();
        }
        profile.name = name;
        out.fingerprints.insert(word);
        out.profiles[word] = profile;
    }
    return out;
}

}  // namespace nlchat
