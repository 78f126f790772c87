// SPDX-License-Identifier: GPL-3.0-or-later
// The daemons' log: one line per event on standard error.
//
// Under systemd (JOURNAL_STREAM set) each line starts with a syslog priority, "<6>", so
// journald files it at the right level; on a terminal it starts with the time and the
// level in words. Debug lines appear only with -v. Nothing about a caller but a salted
// hash ever reaches a log line: the dispatch writes them that way. Lines a stranger can
// cause are rate-limited, so that nobody can fill the disk through the log.
#pragma once

#include <map>
#include <string>

#include "core/log_level.h"
#include "core/log_limiter.h"

namespace nlchat {

class Logger {
public:
    Logger(std::string program, bool verbose);
    void log(LogLevel level, const std::string& text) const;
    void set_verbose(bool verbose) { verbose_ = verbose; }

    // For lines a peer can cause again and again (bad input, connections refused): at
    // most a burst of lines of one `kind` a minute, then a count of those left out.
    void log_limited(LogLevel level, const std::string& kind, const std::string& text);

    // log_limited() with the kind taken from the text's shape: its start with every
    // number replaced, so "connection 12: bad line" and "connection 13: bad line" count
    // as one kind.
    void log_by_shape(LogLevel level, const std::string& text);

private:
    std::map<std::string, LogLimiter> limiters_;
    std::string program_;
    bool verbose_;
    bool journal_;
};

}  // namespace nlchat
