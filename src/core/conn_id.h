// SPDX-License-Identifier: GPL-3.0-or-later
// How the server's machines name a connection (an operator's or a service's): a number
// the wiring gives each one it accepts, never reused while the process lives.
#pragma once

#include <cstdint>

namespace nlchat {

using ConnId = std::uint64_t;

}  // namespace nlchat
