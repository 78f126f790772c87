// SPDX-License-Identifier: GPL-3.0-or-later
// Loop hooks for a terminal program: a file descriptor to watch (stdin, read by
// ncurses itself), and a "just before the loop blocks" callback (where nlchat redraws,
// once per loop turn, whatever changed).
#pragma once

#include <functional>

#include "net/loop.h"

struct uv_poll_s;
struct uv_prepare_s;

namespace nlchat::net {

class FdWatcher {
public:
    // `on_ready(hangup)`: the fd is readable, or (hangup = true) it was closed or failed.
    FdWatcher(Loop& loop, int fd, std::function<void(bool hangup)> on_ready);
    ~FdWatcher();
    FdWatcher(const FdWatcher&) = delete;
    FdWatcher& operator=(const FdWatcher&) = delete;
    void close();

private:
    uv_poll_s* poll_;
    std::function<void(bool)> on_ready_;
};

class BeforeBlock {
public:
    BeforeBlock(Loop& loop, std::function<void()> run);
    ~BeforeBlock();
    BeforeBlock(const BeforeBlock&) = delete;
    BeforeBlock& operator=(const BeforeBlock&) = delete;
    void close();

private:
    uv_prepare_s* prepare_;
    std::function<void()> run_;
};

}  // namespace nlchat::net
