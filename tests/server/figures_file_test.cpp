// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/figures_file.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/codec/json_util.h"
#include "core/stats/figures.h"

using namespace nlchat;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/nlchat-figures-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A limit on the size of files this process writes (RLIMIT_FSIZE, with SIGXFSZ ignored,
// so a write past it fails or comes up short as on a full disk), lifted again after.
struct FileSizeLimit {
    rlimit saved{};
    void (*saved_handler)(int);
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved);
        saved_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, saved_handler);
    }
};

const Json::Value kRing = figures_ring_record("web", 1765000079, 12, "answered");
const Json::Value kChat = figures_chat_record("web", 1765000020, 754, "operator", 1, 0);
const std::string kRingLine = write_json(kRing) + "\n";
const std::string kChatLine = write_json(kChat) + "\n";

}  // namespace

TEST_CASE("records are appended one a line, to a file made 0640", "[figures]") {
    TempDir d;
    std::string path = d.path + "/figures";
    FiguresFile f;
    std::string error;
    CHECK_FALSE(f.is_open());
    CHECK_FALSE(f.append(kRing));
    CHECK(f.error() == "the figures file is not open");
    mode_t old = umask(022);
    REQUIRE(f.open(path, error));
    umask(old);
    CHECK(f.is_open());
    CHECK(f.path() == path);
    CHECK(f.append(kRing));
    CHECK(f.append(kChat));
    CHECK(contents(path) == kRingLine + kChatLine);
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    // Opened again, it is appended to, not replaced.
    f.close();
    CHECK_FALSE(f.is_open());
    REQUIRE(f.open(path, error));
    CHECK(f.append(kRing));
    CHECK(contents(path) == kRingLine + kChatLine + kRingLine);
    std::string reason;
    CHECK(parse_figures_line(kRingLine.substr(0, kRingLine.size() - 1), reason));
}

TEST_CASE("only figures records reach the file, with the format's fields only", "[figures]") {
    TempDir d;
    std::string path = d.path + "/figures";
    FiguresFile f;
    std::string error;
    REQUIRE(f.open(path, error));
    Json::Value with_text = kChat;
    with_text["text"] = "I feel awful tonight";
    CHECK_FALSE(f.append(with_text));
    CHECK(f.error() == "not a figures record: \"text\" is not a field of the format");
    Json::Value with_address = kRing;
    with_address["address"] = "web-1234";
    CHECK_FALSE(f.append(with_address));
    Json::Value ring_with_chat_field = kRing;
    ring_with_chat_field["lasted"] = 5;
    CHECK_FALSE(f.append(ring_with_chat_field));
    CHECK_FALSE(f.append(figures_ring_record("web", 60, 1, "missed")));
    CHECK(f.error() == "not a figures record: \"outcome\" is not known");
    CHECK_FALSE(f.append(figures_chat_record("web", 60, 1, "nobody", 0, 0)));
    CHECK_FALSE(f.append(figures_ring_record("", 60, 1, "answered")));
    CHECK_FALSE(f.append(Json::Value("text")));
    CHECK_FALSE(f.append(Json::Value()));
    CHECK(contents(path).empty());
    // And the file still takes good ones.
    CHECK(f.append(kRing));
    CHECK(contents(path) == kRingLine);
}

TEST_CASE("a path that is no regular file is refused with its reason", "[figures]") {
    TempDir d;
    FiguresFile f;
    std::string error;
    CHECK_FALSE(f.open(d.path, error));
    CHECK(error == "cannot use the figures file '" + d.path + "': Is a directory");
    // Kept all the same: each record tries again (and says why it could not).
    CHECK(f.is_open());
    CHECK_FALSE(f.append(kRing));
    CHECK(f.error().find("Is a directory") != std::string::npos);
    CHECK_FALSE(f.open(d.path + "/no/such/dir/figures", error));
    CHECK(error.find("No such file or directory") != std::string::npos);
    // A FIFO with no reader would block an open for writing: it is refused at once.
    std::string fifo = d.path + "/fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_FALSE(f.open(fifo, error));
    CHECK(error.find("cannot use the figures file '" + fifo + "'") == 0);
    CHECK_FALSE(f.open("/dev/null", error));
    CHECK(error == "cannot use the figures file '/dev/null': not a regular file");
    CHECK_FALSE(f.append(kRing));
    f.close();
    CHECK_FALSE(f.is_open());
}

TEST_CASE("the figures file is held open by no one between records", "[figures]") {
    TempDir d;
    std::string path = d.path + "/figures";
    FiguresFile f;
    std::string error;
    REQUIRE(f.open(path, error));
    REQUIRE(f.append(kRing));
    // Rotated away as a log is: the next record starts a new file.
    REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
    REQUIRE(f.append(kRing));
    CHECK(contents(path) == kRingLine);
    CHECK(contents(path + ".1") == kRingLine);
    // A directory that could not be written at start can be later.
    std::string later = d.path + "/later/figures";
    CHECK_FALSE(f.open(later, error));
    REQUIRE(mkdir((d.path + "/later").c_str(), 0700) == 0);
    CHECK(f.append(kRing));
    CHECK(contents(later) == kRingLine);
}

TEST_CASE("a write that fails is reported, and a cut-off line stays a line of its own", "[figures]") {
    TempDir d;
    std::string path = d.path + "/figures";
    FiguresFile f;
    std::string error;
    REQUIRE(f.open(path, error));
    REQUIRE(f.append(kRing));
    {
        // Room for 10 more bytes: the next record is cut off, as on a full disk.
        FileSizeLimit full(kRingLine.size() + 10);
        CHECK_FALSE(f.append(kChat));
        CHECK(f.error().find("cannot write the figures file '" + path + "'") == 0);
        // No room at all: nothing is written.
        CHECK_FALSE(f.append(kChat));
        CHECK(f.error().find("File too large") != std::string::npos);
    }
    CHECK(f.append(kRing));
    std::string text = contents(path);
    CHECK(text == kRingLine + kChatLine.substr(0, 10) + "\n" + kRingLine);
}

TEST_CASE("a file left without its last newline gets one before the next record", "[figures]") {
    TempDir d;
    std::string path = d.path + "/figures";
    std::ofstream(path) << kRingLine << "{\"v\":1,\"kind\":";
    FiguresFile f;
    std::string error;
    REQUIRE(f.open(path, error));
    CHECK(f.append(kChat));
    CHECK(contents(path) == kRingLine + "{\"v\":1,\"kind\":\n" + kChatLine);
}
