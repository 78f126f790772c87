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

    // Opens (creating it with mode 0640, less the umask) `path` for appending. False,
    // with `error` naming the file and why, when it cannot be opened or is not a regular
    // file (a directory, a FIFO, a device). An open file is closed first.
    [[nodiscard]] bool open(const std::string& path, std::string& error);
    // Writes `record` as one line, with one write(). False, with error() saying why,
    // when the file is not open, `record` is not a figures record (or has a field the
    // format has not), or the write failed (a full disk); never throws. A line cut off
    // by a failed write is left as a line of its own (the next record starts on a new
    // line), which readers skip.
    bool append(const Json::Value& record);
    void close();

    bool is_open() const { return fd_ >= 0; }
    const std::string& path() const { return path_; }
    // Why the last append failed.
    const std::string& error() const { return error_; }

private:
    int fd_ = -1;
    std::string path_;
    std::string error_;
    // The file does not end with a newline (cut off by a crash or a failed write).
    bool needs_newline_ = false;
};

}  // namespace nlchat
