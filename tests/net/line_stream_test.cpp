// SPDX-License-Identifier: GPL-3.0-or-later
// LineStream, Listener and Connector together on real loopback sockets: line framing,
// limits, backpressure, closing from callbacks, and what each side is told.
#include "net/line_stream.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "loop_fixture.h"
#include "net/connector.h"
#include "net/listener.h"

using namespace nlchat;
using namespace nlchat::net;
using nlchat::net::testing::LoopFixture;

namespace {

// A connected pair over loopback TCP (or a unix socket): the accepted end and the dialled end,
// each recording the lines it reads and why it closed.
struct Pair : LoopFixture {
    struct End {
        std::unique_ptr<LineStream> stream;
        std::vector<std::string> lines;
        std::string closed;  // the reason given to on_close
    };
    Listener listener;
    Connector connector;
    End server, client;
    std::string dial_error;

    explicit Pair(size_t max_line = 64)
        : listener(loop, max_line,
                   [this](std::unique_ptr<LineStream> s) {
                       server.stream = std::move(s);
                       start(server);
                   }),
          connector(loop, max_line) {}

    void start(End& end) {
        LineStream::Handlers h;
        h.on_line = [&end](std::string_view line) { end.lines.emplace_back(line); };
        h.on_close = [&end](const std::string& why) { end.closed = why; };
        end.stream->start(std::move(h));
    }
    void dialled(std::unique_ptr<LineStream> s, const std::string& error) {
        dial_error = error;
        if (!s) return;
        client.stream = std::move(s);
        start(client);
    }
    void connect_tcp() {
        std::string error;
        REQUIRE(listener.listen_tcp({"127.0.0.1", 0}, error));
        REQUIRE(listener.bound().port != 0);
        connector.connect_tcp(listener.bound(), [this](auto s, const auto& e) { dialled(std::move(s), e); });
        REQUIRE(run_until([&] { return server.stream && client.stream; }));
    }
    void finish() {
        server.stream.reset(), client.stream.reset();
        listener.close();
        closes_clean();
    }
};

}  // namespace

TEST_CASE("lines are framed at newlines, CRLF is read as LF, and a write arrives whole", "[net][line]") {
    Pair p;
    p.connect_tcp();
    CHECK(p.server.stream->peer_host() == "127.0.0.1");
    CHECK(p.client.stream->write_line("one"));
    CHECK(p.client.stream->write_line(""));
    CHECK(p.client.stream->write_line("three\r"));
    CHECK(p.client.stream->write_line("ünïcödé ✓"));
    REQUIRE(p.run_until([&] { return p.server.lines.size() == 4; }));
    CHECK(p.server.lines == std::vector<std::string>{"one", "", "three", "ünïcödé ✓"});
    // And back the other way.
    CHECK(p.server.stream->write_line("pong"));
    REQUIRE(p.run_until([&] { return p.client.lines.size() == 1; }));
    CHECK(p.client.lines[0] == "pong");
    p.finish();
}

TEST_CASE("a last line without its newline still counts; the end is said once", "[net][line]") {
    Pair p;
    p.connect_tcp();
    // Write raw bytes with no final newline and close: the reader gets the piece, then EOF.
    p.client.stream->write_line("whole");
    REQUIRE(p.run_until([&] { return p.server.lines.size() == 1; }));
    p.client.stream->close(true);
    REQUIRE(p.run_until([&] { return !p.server.closed.empty(); }));
    CHECK(p.server.closed == "connection closed by peer");
    CHECK_FALSE(p.server.stream->is_open());
    CHECK(p.client.closed.empty());  // close() by the owner is not reported back to it
    p.finish();
}

TEST_CASE("a line longer than the limit ends the connection with the reason", "[net][line]") {
    Pair p(16);
    p.connect_tcp();
    p.client.stream->write_line("short");
    p.client.stream->write_line(std::string(17, 'x'));
    REQUIRE(p.run_until([&] { return !p.server.closed.empty(); }));
    CHECK(p.server.lines == std::vector<std::string>{"short"});
    CHECK(p.server.closed == "line longer than 16 bytes");
    // The limit can be raised on a live stream (nlchatd does once an operator has joined).
    p.finish();
}

TEST_CASE("set_max_line raises the limit on a live stream", "[net][line]") {
    Pair p(16);
    p.connect_tcp();
    p.server.stream->set_max_line(64);
    p.client.stream->write_line(std::string(40, 'y'));
    REQUIRE(p.run_until([&] { return p.server.lines.size() == 1; }));
    CHECK(p.server.closed.empty());
    p.finish();
}

TEST_CASE("a peer that does not read is cut off at the backlog limit", "[net][line]") {
    Pair p(1 << 20);
    p.connect_tcp();
    p.client.stream->pause();  // the client stops reading; the kernel buffers fill
    // A stream over the server's socket with a small backlog: writes until refused.
    LineStream& out = *p.server.stream;
    std::string line(64 * 1024, 'z');
    int written = 0;
    bool refused = false;
    for (int i = 0; i < 4000 && !refused; ++i) {
        refused = !out.write_line(line);
        if (!refused) ++written;
        p.loop.run_nowait();
    }
    CHECK(refused);
    CHECK(written > 0);
    CHECK_THAT(p.server.closed, Catch::StartsWith("peer is not reading"));
    CHECK_FALSE(out.write_line("after"));  // a closed stream refuses, it does not crash
    p.finish();
}

TEST_CASE("pause stops reading and resume delivers what waited, in order", "[net][line]") {
    Pair p;
    p.connect_tcp();
    p.server.stream->pause();
    CHECK(p.server.stream->paused());
    for (const char* l : {"a", "b", "c"}) p.client.stream->write_line(l);
    // Give the bytes time to arrive; none is read while paused.
    REQUIRE_FALSE(p.run_until([&] { return !p.server.lines.empty(); }, 0.2));
    p.server.stream->resume();
    REQUIRE(p.run_until([&] { return p.server.lines.size() == 3; }));
    CHECK(p.server.lines == std::vector<std::string>{"a", "b", "c"});
    p.finish();
}

TEST_CASE("a handler may destroy its stream from inside on_line", "[net][line]") {
    Pair p;
    p.connect_tcp();
    int seen = 0;
    LineStream::Handlers h;
    h.on_line = [&](std::string_view) {
        ++seen;
        p.server.stream.reset();  // the rest of this read must not touch freed memory
    };
    p.server.stream->start(std::move(h));
    p.client.stream->write_line("one");
    p.client.stream->write_line("two");
    REQUIRE(p.run_until([&] { return seen == 1 && !p.server.stream; }));
    p.loop.run_nowait();
    CHECK(seen == 1);
    p.finish();
}

TEST_CASE("dialling a port nobody listens on says why; a cancelled dial says nothing", "[net][connect]") {
    Pair p;
    std::string error;
    // Bind, note the port, close: now nobody listens there.
    REQUIRE(p.listener.listen_tcp({"127.0.0.1", 0}, error));
    HostPort where = p.listener.bound();
    p.listener.close();
    bool told = false;
    p.connector.connect_tcp(where, [&](auto s, const std::string& e) {
        told = true;
        CHECK_FALSE(s);
        error = e;
    });
    REQUIRE(p.run_until([&] { return told; }));
    CHECK(error == "connection refused");
    bool called = false;
    p.connector.connect_tcp(where, [&](auto, const std::string&) { called = true; });
    CHECK(p.connector.busy());
    p.connector.cancel();
    p.loop.run();
    CHECK_FALSE(called);
    p.finish();
}

TEST_CASE("listening: a taken port and an unusable address are errors in words", "[net][listen]") {
    Pair p;
    p.connect_tcp();
    Listener second(p.loop, 64, [](std::unique_ptr<LineStream>) {});
    std::string error;
    CHECK_FALSE(second.listen_tcp(p.listener.bound(), error));
    CHECK_THAT(error, Catch::Contains("cannot listen on 127.0.0.1:") && Catch::Contains("address already in use"));
    CHECK_FALSE(second.listen_tcp({"192.0.2.1", 0}, error));  // not an address of this machine
    CHECK_THAT(error, Catch::Contains("cannot listen on 192.0.2.1:0"));
    p.finish();
}

TEST_CASE("a unix socket: a stale socket file is replaced, any other file is not", "[net][listen]") {
    char dir_template[] = "/tmp/nlchat-net-XXXXXX";
    REQUIRE(mkdtemp(dir_template));
    const std::string dir = dir_template, path = dir + "/bus.sock";
    {
        Pair p;
        // A socket file left behind by a process that died.
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path.copy(addr.sun_path, sizeof addr.sun_path - 1);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        close(fd);
        std::string error;
        REQUIRE(p.listener.listen_unix(path, 0600, error));
        struct stat st;
        REQUIRE(stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        p.connector.connect_unix(path, [&](auto s, const auto& e) { p.dialled(std::move(s), e); });
        REQUIRE(p.run_until([&] { return p.server.stream && p.client.stream; }));
        p.client.stream->write_line("over the bus");
        REQUIRE(p.run_until([&] { return p.server.lines.size() == 1; }));
        CHECK(p.server.stream->peer_host().empty());  // no IP address on a unix socket
        p.finish();
        CHECK(access(path.c_str(), F_OK) != 0);  // the listener removes its socket file
    }
    {
        Pair p;
        FILE* f = fopen(path.c_str(), "w");
        REQUIRE(f);
        fclose(f);
        std::string error;
        CHECK_FALSE(p.listener.listen_unix(path, 0600, error));
        CHECK_THAT(error, Catch::Contains("a file that is not a socket is in the way"));
        CHECK(access(path.c_str(), F_OK) == 0);  // and it is left alone
        p.finish();
    }
    unlink(path.c_str());
    rmdir(dir.c_str());
}
