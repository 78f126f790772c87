// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/process.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace nlchat::net {

void sanitize_std_fds() {
    // open() returns the lowest free descriptor, so each call fills the next gap below 3.
    for (;;) {
        int fd = ::open("/dev/null", O_RDWR);
        if (fd < 0) return;
        if (fd > 2) {
            ::close(fd);
            return;
        }
    }
}

std::size_t raise_open_file_limit(std::size_t at_most) {
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) != 0) return 1024;
    rlim_t want = files.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(at_most)
                                                  : std::min<rlim_t>(files.rlim_max, static_cast<rlim_t>(at_most));
    if (files.rlim_cur < want) {
        files.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &files) != 0) getrlimit(RLIMIT_NOFILE, &files);
    }
    return files.rlim_cur == RLIM_INFINITY ? at_most : static_cast<std::size_t>(files.rlim_cur);
}

}  // namespace nlchat::net
