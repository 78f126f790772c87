// SPDX-License-Identifier: GPL-3.0-or-later
// Standard input as lines, on the loop, for the line-oriented tools (nlchat-caller and
// the test operator). A terminal or pipe is read as a stream; a regular file (stdin
// redirected from a file) through libuv's file API, since files cannot be polled.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/loop.h"

namespace nlchat::net {

class LineStream;

class StdinLines {
public:
    // `on_eof` runs once, after the last line.
    StdinLines(Loop& loop, size_t max_line, std::function<void(std::string_view)> on_line,
               std::function<void()> on_eof);
    ~StdinLines();
    StdinLines(const StdinLines&) = delete;
    StdinLines& operator=(const StdinLines&) = delete;

private:
    void read_file_chunk();
    void feed(std::string_view chunk);

    Loop& loop_;
    size_t max_line_;
    std::function<void(std::string_view)> on_line_;
    std::function<void()> on_eof_;
    std::unique_ptr<LineStream> stream_;
    // File mode:
    struct FileRead;
    FileRead* file_read_ = nullptr;
    std::string partial_;
    bool skipping_ = false;
    int64_t offset_ = 0;  // -1: not seekable, read from wherever the descriptor is
};

}  // namespace nlchat::net
