// SPDX-License-Identifier: GPL-3.0-or-later
// Canned responses: the texts operators reuse (a sign-off, the service's policy on
// calls of a kind), one per file in a directory. Each regular file is one response, its
// name (less ".txt") the title in the picker, its contents the text. Files are read
// once at start, sorted by name; files over 16 KiB or not UTF-8 are skipped with a
// warning rather than shown garbled.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nlchat {

struct CannedLoad {
    std::vector<std::pair<std::string, std::string>> responses;
    std::vector<std::string> warnings;
};

CannedLoad load_canned(const std::string& dir);

}  // namespace nlchat
