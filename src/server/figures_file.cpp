// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/figures_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/codec/json_util.h"
#include "core/stats/figures.h"

namespace nlchat {

FiguresFile::~FiguresFile() { close(); }

bool FiguresFile::open(const std::string& path, std::string& error) {
    close();
    auto failed = [&](const std::string& why) {
        error = "cannot use the figures file '" + path + "': " + why;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        return false;
    };
    // O_NONBLOCK: a FIFO without a reader fails at once instead of hanging the server;
    // it is refused below anyway, and means nothing to a regular file.
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0640);
    if (fd_ < 0) return failed(std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return failed(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return failed("not a regular file");
    int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) != 0) return failed(std::strerror(errno));
    // A file whose last line has no end (a crash mid-write) gets one before the next record.
    // (Read through a descriptor of its own: the one kept is for writing only.)
    needs_newline_ = false;
    if (st.st_size > 0) {
        int rd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        struct stat same {};
        char last = '\n';
        if (rd >= 0 && ::fstat(rd, &same) == 0 && same.st_ino == st.st_ino && same.st_dev == st.st_dev &&
            ::pread(rd, &last, 1, st.st_size - 1) == 1 && last != '\n')
            needs_newline_ = true;
        if (rd >= 0) ::close(rd);
    }
    path_ = path;
    error_.clear();
    return true;
}

bool FiguresFile::append(const Json::Value& record) {
    try {
        if (fd_ < 0) return error_ = "the figures file is not open", false;
        std::string reason;
        auto parsed = figures_record_from_json(record, reason);
        if (!parsed) return error_ = "not a figures record: " + reason, false;
        for (const auto& name : record.getMemberNames())
            if (!figures_field_known(record["kind"].asString(), name))
                return error_ = "not a figures record: \"" + name + "\" is not a field of the format", false;
        std::string line = needs_newline_ ? "\n" : "";
        line += write_json(figures_record_to_json(*parsed));
        line += '\n';
        ssize_t n;
        do n = ::write(fd_, line.data(), line.size());
        while (n < 0 && errno == EINTR);
        if (n == static_cast<ssize_t>(line.size())) {
            needs_newline_ = false;
            return true;
        }
        // Part of a line (or none of it) reached the file: whatever did is left as a
        // line of its own, and the next record starts on a new one.
        if (n > 0) needs_newline_ = true;
        error_ = "cannot write the figures file '" + path_ +
                 "': " + (n < 0 ? std::strerror(errno) : "short write (the disk is full?)");
        return false;
    } catch (const std::exception& e) {
        error_ = std::string("cannot write a figures record: ") + e.what();
        return false;
    }
}

void FiguresFile::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    needs_newline_ = false;
}

}  // namespace nlchat
