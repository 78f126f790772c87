// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat --demo: the whole system on one machine. It starts nlchatd as a child process
// in open mode on a loopback port the system picks, with its files in a temporary
// directory, and plays a few simulated callers on its service bus from nlchat's own
// loop: they write in at different moments, type (with chat states), answer after a
// human-like pause, sometimes leave, sometimes wait until their ring expires. Nothing is
// written outside the temporary directory, which is removed at exit with the server.
#pragma once

#include <json/json.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/codec/host_port.h"
#include "core/crypto/rsa_key.h"
#include "net/bus_link.h"
#include "net/loop.h"
#include "net/timer.h"

namespace nlchat {

class DemoServer {
public:
    DemoServer() = default;
    ~DemoServer() { stop(); }
    DemoServer(const DemoServer&) = delete;
    DemoServer& operator=(const DemoServer&) = delete;

    // Makes the temporary directory and starts nlchatd (found next to this program, or
    // on PATH). On failure returns false with a sentence in `error`.
    [[nodiscard]] bool start(std::string& error);
    void stop();

    const std::string& dir() const { return dir_; }
    const HostPort& address() const { return address_; }
    std::string bus() const { return dir_ + "/bus.sock"; }
    const std::optional<PublicKey>& server_key() const { return server_key_; }

private:
    std::string dir_;
    pid_t pid_ = -1;
    HostPort address_;
    std::optional<PublicKey> server_key_;
};

// The simulated callers, as a service named "Web" on the demo server's bus.
class DemoCallers {
public:
    DemoCallers(net::Loop& loop, std::string bus_path);
    ~DemoCallers();
    void start();
    // Closes the bus connection and cancels every pending step.
    void stop();

private:
    struct Persona;
    void on_line(const BusLine& line);
    void send(BusLine line);
    void say(Persona& p, const std::string& text);
    void state(Persona& p, const char* s);
    void leave(Persona& p);
    void reply_later(Persona& p);
    void begin(std::size_t index);

    net::Loop& loop_;
    net::BusLink bus_;  // dialled until nlchatd is up, and again if it goes
    std::vector<std::unique_ptr<Persona>> personas_;
    std::vector<std::unique_ptr<net::Timer>> timers_;
    int round_ = 0;
    std::uint64_t sent_ = 0;
};

}  // namespace nlchat
