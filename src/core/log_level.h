// SPDX-License-Identifier: GPL-3.0-or-later
// How much a log line matters. Shared by everything that logs (the dispatch, the web
// sessions, the daemons' logger), so that none of them has to include another's header.
#pragma once

namespace nlchat {

enum class LogLevel { Debug, Info, Warning };

}  // namespace nlchat
