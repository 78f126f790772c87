// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's figures file (nlchat-stats(1), FILES): one record a line, appended, for each
// ring and chat that ended. Each record is checked against the format before it is
// written and written with its kind's fields only, so nothing else (a text, an address)
// can reach the file through it. Records come from core/stats/figures.h's builders.
#pragma once

#include <json/json.h>

#include <string>

namespace nlchat {

class FiguresFile {
public:
    FiguresFile() = default;
    ~FiguresFile();
    FiguresFile(const FiguresFile&) = delete;
    FiguresFile& operator=(const FiguresFile&) = delete;

    // Takes `path` for the figures and checks that it can be appended to (creating it with
    // mode 0640, less the umask). False, with `error` naming the file and why, when it
    // cannot be opened or is not a regular file (a directory, a FIFO, a device); each
    // append tries it again all the same (a disk may become writable). Each append opens
    // the file and closes it: nothing holds it between records (rotation, a remount).
    [[nodiscard]] bool open(const std::string& path, std::string& error);
    // Writes `record` as one line, with one write(). False, with error() saying why,
    // when the file is not open, `record` is not a figures record (or has a field the
    // format has not), or the write failed (a full disk); never throws. A line cut off
    // by a failed write is left as a line of its own (the next record starts on a new
    // line), which readers skip.
    bool append(const Json::Value& record);
    void close();

    bool is_open() const { return open_; }
    const std::string& path() const { return path_; }
    // Why the last append failed.
    const std::string& error() const { return error_; }

private:
    // The file opened for appending after the checks, or -1 with `why`; `needs_newline`
    // when it does not end with one (cut off by a crash or a failed write).
    static int open_for_append(const std::string& path, std::string& why, bool& needs_newline);

    bool open_ = false;
    std::string path_;
    std::string error_;
};

}  // namespace nlchat
