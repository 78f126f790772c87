// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace nlchat {

std::optional<InstanceLock> InstanceLock::take(const std::string& path, std::string& error) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot open the lock file '" + path + "': " + std::strerror(errno);
        return std::nullopt;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int why = errno;
        char holder[256] = "";
        ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
        ::close(fd);
        if (why != EWOULDBLOCK) {
            error = "cannot lock '" + path + "': " + std::strerror(why);
            return std::nullopt;
        }
        std::string who = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "";
        while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
        error = "nlchat is already running with this key on this machine" +
                (who.empty() ? std::string() : " (" + who + ")") +
                ". Use that one (in tmux: tmux attach), or quit it first (F10): two would take the "
                "link from each other.";
        return std::nullopt;
    }
    // Say who holds it, for the next one's message.
    const char* tty = ::ttyname(STDIN_FILENO);
    std::time_t t = std::time(nullptr);
    char since[32];
    std::strftime(since, sizeof since, "%Y-%m-%d %H:%M", std::localtime(&t));
    std::string who =
        "PID " + std::to_string(::getpid()) + " on " + (tty ? tty : "no terminal") + ", since " + since + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) != static_cast<ssize_t>(who.size())) {
        // The lock holds all the same; only the next one's message loses the detail.
    }
    return InstanceLock(fd);
}

InstanceLock::~InstanceLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace nlchat
