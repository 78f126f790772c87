// SPDX-License-Identifier: GPL-3.0-or-later
// Process set-up every program does first: standard descriptors that are really open, and
// the open-file allowance the system grants.
#pragma once

#include <cstddef>

namespace nlchat::net {

// Opens /dev/null onto any of descriptors 0, 1 and 2 that is closed (as git does). A
// program started with stdin closed (`nlchatd <&-`) would otherwise get its first socket
// as descriptor 0, and libuv refuses to close a descriptor below 3 (an assertion that took
// the process down on SIGTERM). Call it before anything opens a file.
void sanitize_std_fds();

// Raises the soft limit on open files to the hard limit (at most `at_most`): a server's
// every connection is a descriptor, and the shell's usual 1024 is the soft limit only.
// Returns the soft limit in force afterwards.
std::size_t raise_open_file_limit(std::size_t at_most = std::size_t(1) << 20);

}  // namespace nlchat::net
