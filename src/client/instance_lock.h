// SPDX-License-Identifier: GPL-3.0-or-later
// One nlchat per key on a machine. Two clients with the same key and UUID take the link
// from each other (the server lets the newest connection win), so a second nlchat of the
// same operator on the same machine, opened by mistake in another tmux window, stops at
// start and names the one already running.
//
// The lock is flock(2) on a file in the config directory: the kernel releases it when the
// process ends, however it ends, so a crash never leaves a stale lock behind. The file
// holds the holder's PID and terminal, for the message.
#pragma once

#include <optional>
#include <string>

namespace nlchat {

class InstanceLock {
public:
    // Takes the lock at `path` (created 0600). On failure returns nullopt with a sentence
    // in `error` naming the nlchat that holds it.
    static std::optional<InstanceLock> take(const std::string& path, std::string& error);

    InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    InstanceLock& operator=(InstanceLock&&) = delete;
    InstanceLock(const InstanceLock&) = delete;
    ~InstanceLock();

private:
    explicit InstanceLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace nlchat
