// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/canned.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "core/codec/utf8.h"
#include "core/crypto/key_file.h"

namespace nlchat {

CannedLoad load_canned(const std::string& dir) {
    CannedLoad out;
    DIR* d = opendir(dir.c_str());
    if (!d) return out;  // no directory: no canned responses, which is fine
    std::vector<std::string> names;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        std::string path = dir + "/" + name;
        struct stat st;
        if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (out.responses.size() >= 200) {
            out.warnings.push_back("more than 200 canned responses; the rest are left out");
            break;
        }
        std::string error;
        auto text = read_small_file(path, std::size_t{16} * 1024, error);
        if (!text || !is_valid_utf8(*text)) {
            out.warnings.push_back(text ? "'" + path + "' is not UTF-8; skipped" : error + "; skipped");
            continue;
        }
        while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
        std::string title =
            name.size() > 4 && name.substr(name.size() - 4) == ".txt" ? name.substr(0, name.size() - 4) : name;
        std::replace(title.begin(), title.end(), '_', ' ');
        out.responses.emplace_back(title, *text);
    }
    return out;
}

}  // namespace nlchat
