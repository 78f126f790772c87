// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nlchat {
namespace {

std::string describe(const std::string& verb, const std::string& path, int err) {
    return "cannot " + verb + " '" + path + "': " + std::strerror(err);
}

}  // namespace

std::optional<std::string> read_small_file(const std::string& path, size_t limit, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = describe("read", path, errno);
        return std::nullopt;
    }
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = describe("read", path, errno);
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > limit) {
            error = "cannot read '" + path + "': larger than " + std::to_string(limit) + " bytes";
            ::close(fd);
            return std::nullopt;
        }
    }
    ::close(fd);
    return out;
}

bool write_file_atomic(const std::string& path, const std::string& content, unsigned mode, std::string& error) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        error = describe("write", tmp, errno);
        return false;
    }
    // The umask may have removed bits from `mode`; it must never have added any, but
    // fchmod makes the final mode exact either way.
    bool ok = ::fchmod(fd, mode) == 0;
    size_t done = 0;
    while (ok && done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) ok = false;
        else done += static_cast<size_t>(n);
    }
    if (ok) ok = ::fsync(fd) == 0;
    int saved = errno;
    if (::close(fd) != 0 && ok) ok = false, saved = errno;
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) ok = false, saved = errno;
    if (!ok) {
        ::unlink(tmp.c_str());
        error = describe("write", path, saved);
    }
    return ok;
}

std::optional<PrivateKey> load_private_key(const std::string& path, std::string& error) {
    auto text = read_small_file(path, kMaxKeyFileBytes, error);
    if (!text) return std::nullopt;
    auto key = PrivateKey::from_pem(*text, error);
    if (!key) error = "'" + path + "': " + error;
    return key;
}

std::optional<PublicKey> load_public_key(const std::string& path, std::string& error) {
    auto text = read_small_file(path, kMaxKeyFileBytes, error);
    if (!text) return std::nullopt;
    auto key = public_key_from_any_pem(*text, error);
    if (!key) error = "'" + path + "': " + error;
    return key;
}

bool save_key_pair(const PrivateKey& key, const std::string& private_path, const std::string& public_path,
                   std::string& error) {
    if (!write_file_atomic(private_path, key.to_pem() + "\n", 0600, error)) return false;
    if (!public_path.empty() && !write_file_atomic(public_path, key.public_key().to_pem() + "\n", 0644, error))
        return false;
    return true;
}

}  // namespace nlchat
