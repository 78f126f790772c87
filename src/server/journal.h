// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's journal: the file in --state-dir that lets chats survive a restart (what is
// in it: core/dispatch/dispatch_journal.cpp; what is on disk, for how long: nlchatd(8), FILES).
//
// One JSON record a line, appended. Records are buffered as the dispatch emits them and
// written with one fdatasync per loop turn (group commit: however many chats changed in
// a turn share it), before any acknowledgement of that turn is sent. When a chat ends the
// file is rewritten from the dispatch's snapshot (a new file, fsync'd, renamed over the
// old, the directory fsync'd), so the ended chat's text is gone from the disk, not only
// marked; the same rewrite compacts the file at start. A torn last line (a crash in the
// middle of a write) is dropped with a log line; a bad line elsewhere is skipped and
// counted. The file is 0600.
#pragma once

#include <json/json.h>

#include <cstddef>
#include <string>
#include <vector>

namespace nlchat {

class Journal {
public:
    explicit Journal(std::string path) : path_(std::move(path)) {}
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    struct Loaded {
        std::vector<Json::Value> records;
        bool torn = false;          // the last line was incomplete and was dropped
        std::size_t bad_lines = 0;  // other lines that were not records
    };
    // Reads the records of an existing journal (none when there is no file yet). False,
    // with `error`, when the file exists but cannot be read.
    [[nodiscard]] bool load(Loaded& out, std::string& error) const;

    // Queues a record for the next commit.
    void append(const Json::Value& record);
    bool pending() const { return !buffer_.empty(); }
    // Forgets what is queued (the caller rewrites from a snapshot instead).
    void discard_pending() { buffer_.clear(); }
    // Writes what is queued and waits for the disk. False, with `error`, when it could not
    // (disk full, read-only): what is queued is kept until discarded or written.
    [[nodiscard]] bool commit(std::string& error);
    // Replaces the file with exactly these records (and drops what is queued, which the
    // records supersede). False, with `error`, when it could not; the old file then stays.
    [[nodiscard]] bool rewrite(const std::vector<Json::Value>& records, std::string& error);

    const std::string& path() const { return path_; }

private:
    [[nodiscard]] bool open_for_append(std::string& error);

    std::string path_;
    std::string buffer_;
    int fd_ = -1;
};

}  // namespace nlchat
