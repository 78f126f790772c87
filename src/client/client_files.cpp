// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/client_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/codec/base64.h"
#include "core/codec/pem.h"
#include "core/crypto/gcrypt_util.h"
#include "core/crypto/key_file.h"

namespace nlchat {

std::optional<std::string> config_dir(std::string& error) {
    std::string base;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        base = std::string(home) + "/.config";
    } else {
        error = "neither XDG_CONFIG_HOME nor HOME is set; give --key FILE";
        return std::nullopt;
    }
    mkdir(base.c_str(), 0700);
    std::string dir = base + "/nlchat";
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        error = "cannot create '" + dir + "': " + std::strerror(errno);
        return std::nullopt;
    }
    return dir;
}

std::string random_uuid() {
    std::string b = random_bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
    std::string out = to_hex(b);
    for (size_t at : {20, 16, 12, 8}) out.insert(at, 1, '-');  // 8-4-4-4-12
    return out;
}

std::optional<std::string> load_or_make_uuid(const std::string& path, std::string& error) {
    std::string read_error;
    if (auto text = read_small_file(path, 256, read_error)) {
        std::string uuid = text->substr(0, text->find_first_of("\r\n"));
        if (uuid.size() >= 8 && uuid.size() <= 64) return uuid;
    }
    std::string uuid = random_uuid();
    if (!write_file_atomic(path, uuid + "\n", 0600, error)) return std::nullopt;
    return uuid;
}

std::optional<PublicKey> known_server_key(const std::string& path, const std::string& server) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string name, fp, der;
        if (!(words >> name >> fp >> der) || name != server) continue;
        auto bytes = base64_decode(der);
        if (!bytes) return std::nullopt;
        std::string error;
        return PublicKey::from_pem(pem_encode("PUBLIC KEY", *bytes), error);
    }
    return std::nullopt;
}

bool remember_server_key(const std::string& path, const std::string& server, const PublicKey& key, std::string& error) {
    std::string kept;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string name;
        if (words >> name && name == server) continue;
        kept += line + "\n";
    }
    kept += server + " " + key.fingerprint() + " " + base64_encode(key.spki_der()) + "\n";
    return write_file_atomic(path, kept, 0600, error);
}

}  // namespace nlchat
