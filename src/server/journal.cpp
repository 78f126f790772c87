// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/codec/json_util.h"
#include "core/crypto/key_file.h"

namespace nlchat {
namespace {

std::string dirname_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

bool write_all(int fd, const std::string& data, std::string& error) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return error = std::strerror(errno), false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

Journal::~Journal() {
    if (fd_ >= 0) ::close(fd_);
}

bool Journal::load(Loaded& out, std::string& error) const {
    if (access(path_.c_str(), F_OK) != 0) return true;  // a first start
    // Bounded like every file nlchatd reads: live chats' waiting texts are far smaller.
    std::string read_error;
    auto text = read_small_file(path_, std::size_t{256} << 20, read_error);
    if (!text) return error = "cannot read the journal: " + read_error, false;
    std::size_t start = 0;
    while (start < text->size()) {
        std::size_t nl = text->find('\n', start);
        if (nl == std::string::npos) {
            out.torn = true;  // written without its end: the crash came mid-write
            break;
        }
        std::string parse_error;
        auto v = parse_json_object(std::string_view(*text).substr(start, nl - start), parse_error);
        if (v) out.records.push_back(std::move(*v));
        else ++out.bad_lines;
        start = nl + 1;
    }
    return true;
}

bool Journal::open_for_append(std::string& error) {
    if (fd_ >= 0) return true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return error = "cannot open the journal '" + path_ + "': " + std::strerror(errno), false;
    return true;
}

void Journal::append(const Json::Value& record) {
    buffer_ += write_json(record);
    buffer_ += '\n';
}

bool Journal::commit(std::string& error) {
    if (buffer_.empty()) return true;
    if (!open_for_append(error)) return false;
    off_t before = ::lseek(fd_, 0, SEEK_END);
    std::string why;
    if (!write_all(fd_, buffer_, why) || ::fdatasync(fd_) != 0) {
        if (why.empty()) why = std::strerror(errno);
        // A part written is taken back, so the next try does not leave half a record
        // before the whole one (a torn line in the middle would be skipped as bad).
        // (If even that fails, a load drops the torn line.)
        if (before >= 0) (void)::ftruncate(fd_, before);
        ::close(fd_);
        fd_ = -1;
        return error = "cannot write the journal '" + path_ + "': " + why, false;
    }
    buffer_.clear();
    // Not kept open between commits: a file open for writing keeps its filesystem from
    // being remounted read-only by an admin, and the open costs microseconds.
    ::close(fd_);
    fd_ = -1;
    return true;
}

bool Journal::rewrite(const std::vector<Json::Value>& records, std::string& error) {
    std::string data;
    for (const auto& r : records) data += write_json(r) + '\n';
    const std::string tmp = path_ + ".new";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::string why;
    bool ok = fd >= 0 && write_all(fd, data, why) && ::fsync(fd) == 0;
    if (!ok && why.empty()) why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    if (ok && ::rename(tmp.c_str(), path_.c_str()) != 0) ok = false, why = std::strerror(errno);
    if (!ok) {
        ::unlink(tmp.c_str());
        return error = "cannot rewrite the journal '" + path_ + "': " + why, false;
    }
    // The rename itself must reach the disk before the old text counts as gone.
    int dir = ::open(dirname_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        (void)::fsync(dir);
        ::close(dir);
    }
    if (fd_ >= 0) ::close(fd_);  // it pointed at the old file
    fd_ = -1;
    buffer_.clear();
    return true;
}

}  // namespace nlchat
