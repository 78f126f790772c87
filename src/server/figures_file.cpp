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

int FiguresFile::open_for_append(const std::string& path, std::string& why, bool& needs_newline) {
    auto failed = [&](int fd, const std::string& reason) {
        why = reason;
        if (fd >= 0) ::close(fd);
        return -1;
    };
    // O_NONBLOCK: a FIFO without a reader fails at once instead of hanging the server;
    // it is refused below anyway, and means nothing to a regular file.
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0640);
    if (fd < 0) return failed(fd, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) return failed(fd, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return failed(fd, "not a regular file");
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return failed(fd, std::strerror(errno));
    // A file whose last line has no end (a crash or a full disk mid-write) gets one before
    // the next record. (Read through a descriptor of its own: this one is for writing.)
    needs_newline = false;
    if (st.st_size > 0) {
        int rd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        struct stat same {};
        char last = '\n';
        if (rd >= 0 && ::fstat(rd, &same) == 0 && same.st_ino == st.st_ino && same.st_dev == st.st_dev &&
            ::pread(rd, &last, 1, st.st_size - 1) == 1 && last != '\n')
            needs_newline = true;
        if (rd >= 0) ::close(rd);
    }
    return fd;
}

bool FiguresFile::open(const std::string& path, std::string& error) {
    close();
    // Checked now, so that a wrong path stops nlchatd at start; then opened again for each
    // record and closed after it, so that nothing holds the file (a log rotation moves
    // it away and the next record starts a new one; the disk can be remounted).
    std::string why;
    bool needs_newline = false;
    path_ = path;
    open_ = true;
    error_.clear();
    int fd = open_for_append(path, why, needs_newline);
    if (fd < 0) {
        error = "cannot use the figures file '" + path + "': " + why;
        return false;
    }
    ::close(fd);
    return true;
}

bool FiguresFile::append(const Json::Value& record) {
    try {
        if (!open_) return error_ = "the figures file is not open", false;
        std::string reason;
        auto parsed = figures_record_from_json(record, reason);
        if (!parsed) return error_ = "not a figures record: " + reason, false;
        for (const auto& name : record.getMemberNames())
            if (!figures_field_known(record["kind"].asString(), name))
                return error_ = "not a figures record: \"" + name + "\" is not a field of the format", false;
        std::string why;
        bool needs_newline = false;
        int fd = open_for_append(path_, why, needs_newline);
        if (fd < 0) return error_ = "cannot open the figures file '" + path_ + "': " + why, false;
        std::string line = needs_newline ? "\n" : "";
        line += write_json(figures_record_to_json(*parsed));
        line += '\n';
        ssize_t n;
        do n = ::write(fd, line.data(), line.size());
        while (n < 0 && errno == EINTR);
        const int write_errno = errno;
        ::close(fd);
        if (n == static_cast<ssize_t>(line.size())) return true;
        // Part of a line (or none of it) reached the file: whatever did is left as a
        // line of its own, and the next record starts on a new one.
        error_ = "cannot write the figures file '" + path_ +
                 "': " + (n < 0 ? std::strerror(write_errno) : "short write (the disk is full?)");
        return false;
    } catch (const std::exception& e) {
        error_ = std::string("cannot write a figures record: ") + e.what();
        return false;
    }
}

void FiguresFile::close() { open_ = false; }

}  // namespace nlchat
