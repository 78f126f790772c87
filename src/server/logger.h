// The daemons' log: one line per event on standard error.
//
// Under systemd (JOURNAL_STREAM set) each line starts with a syslog priority, "<6>", so
// journald files it at the right level; on a terminal it starts with the time and the
// level in words. Debug lines appear only with -v. Nothing about a caller but a salted
// hash ever reaches a log line: the dispatch writes them that way.
#pragma once

#include <string>

#include "core/dispatch.h"

namespace nlchat {

class Logger {
public:
    Logger(std::string program, bool verbose);
    void log(LogLevel level, const std::string& text) const;
    void set_verbose(bool verbose) { verbose_ = verbose; }

private:
    std::string program_;
    bool verbose_;
    bool journal_;
};

}  // namespace nlchat
