// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/file_checks.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nlchat {
namespace {

bool stat_owned(const std::string& path, struct stat& st, std::string& error) {
    if (::stat(path.c_str(), &st) != 0) {
        error = "cannot use '" + path + "': " + std::strerror(errno);
        return false;
    }
    if (st.st_uid != ::geteuid() && st.st_uid != 0) {
        error = "'" + path + "' belongs to another user (uid " + std::to_string(st.st_uid) +
                "); it must belong to the user nlchatd runs as, or to root";
        return false;
    }
    return true;
}

std::string octal(unsigned mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", mode & 07777);
    return text;
}

}  // namespace

bool check_private_file(const std::string& path, std::string& error) {
    struct stat st;
    if (!stat_owned(path, st, error)) return false;
    if (st.st_mode & 077) {
        error = "'" + path + "' can be read by others (mode " + octal(st.st_mode) +
                "), so the server key is no longer secret; run `chmod 600 " + path +
                "`, and consider making a new key if others may have read it";
        return false;
    }
    return true;
}

bool check_not_writable_by_others(const std::string& path, std::string& error) {
    struct stat st;
    if (!stat_owned(path, st, error)) return false;
    if (st.st_mode & 022) {
        error = "'" + path + "' can be written by others (mode " + octal(st.st_mode) +
                "), so anyone could change what nlchatd trusts; run `chmod go-w " + path + "`";
        return false;
    }
    return true;
}

}  // namespace nlchat
