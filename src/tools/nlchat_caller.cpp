// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-caller: a service on nlchatd's bus driven from standard input, so a person or a
// script can play callers without a browser.
//
//   stdin                      stdout
//   ADDRESS: text              ADDRESS: text         (operator replies, server replies)
//   /state ADDRESS STATE       ADDRESS ~ STATE       (operator typing: composing/paused)
//   /leave ADDRESS             ADDRESS ended         (the chat was ended from the other side)
//   /status TEXT
//
// Probes are answered by itself. It exits at the end of input, or when the server closes
// the bus connection (status 1).

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include "core/codec/bus_line.h"
#include "core/codec/json_util.h"
#include "core/option_table.h"
#include "net/bus_link.h"
#include "net/loop.h"
#include "net/process.h"
#include "net/stdin_lines.h"

using namespace nlchat;

namespace {

constexpr size_t kMaxLine = size_t{64} * 1024;

struct Options {
    std::string socket_path = "/run/nlchatd/services.sock", service = "Caller";
    bool chat_states = true, redial = false, help = false, version = false;
};

const std::vector<OptionSpec<Options>>& options() {
    static const std::vector<OptionSpec<Options>> table = {
        {"socket", 's', "PATH", "nlchatd's service socket (default /run/nlchatd/services.sock)",
         [](Options& o, const std::string& v, std::string&) { return o.socket_path = v, true; }},
        {"service", 'n', "NAME", "the service's name, 1 to 64 bytes (default Caller)",
         [](Options& o, const std::string& v, std::string& e) {
             if (v.empty() || v.size() > 64) return e = "the service name must be 1 to 64 bytes", false;
             return o.service = v, true;
         }},
        {"redial", 0, nullptr, "when the bus cannot be reached or is lost, dial it again (until input ends)",
         [](Options& o, const std::string&, std::string&) { return o.redial = true, true; }},
        {"no-chat-states", 0, nullptr, "ask nlchatd for no chat states",
         [](Options& o, const std::string&, std::string&) { return o.chat_states = false, true; }},
        {"help", 'h', nullptr, "show this help",
         [](Options& o, const std::string&, std::string&) { return o.help = true, true; }},
        {"version", 'V', nullptr, "show the version",
         [](Options& o, const std::string&, std::string&) { return o.version = true, true; }},
    };
    return table;
}

void usage(std::FILE* out) {
    std::string text =
        "usage: nlchat-caller [OPTIONS]\n\n"
        "Connects to nlchatd's service bus as a service and plays callers:\n"
        "  ADDRESS: text          caller ADDRESS writes text\n"
        "  /state ADDRESS STATE   caller's chat state (composing, paused, active, gone)\n"
        "  /leave ADDRESS         caller ADDRESS leaves\n"
        "  /status TEXT           the service status operators see\n"
        "What reaches callers is printed as 'ADDRESS: text', 'ADDRESS ~ STATE' or 'ADDRESS ended'.\n\n"
        "Options:\n" +
        options_help(options()) + "\nSee nlchat-caller(1).\n";
    std::fputs(text.c_str(), out);
}

void print_line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// Turns one stdin line into a bus line; nothing means the line was not understood (and
// `error` says why).
std::optional<BusLine> command_line(const std::string& line, std::string& error) {
    auto word_end = [&](size_t from) { return line.find(' ', from); };
    if (line.rfind("/state ", 0) == 0) {
        size_t a = 7, b = word_end(a);
        if (b == std::string::npos || b == a || b + 1 >= line.size()) {
            error = "usage: /state ADDRESS STATE";
            return std::nullopt;
        }
        return BusChatState{line.substr(a, b - a), line.substr(b + 1), Direction::In};
    }
    if (line.rfind("/leave ", 0) == 0 && line.size() > 7) return BusDisassociate{line.substr(7)};
    if (line.rfind("/status ", 0) == 0 && line.size() > 8) return BusStatus{line.substr(8)};
    size_t sep = line.find(": ");
    if (line.empty() || line[0] == '/' || sep == std::string::npos || sep == 0) {
        error = "not understood (expected 'ADDRESS: text', /state, /leave or /status)";
        return std::nullopt;
    }
    return BusMsg{line.substr(0, sep), {line.substr(sep + 2)}, Direction::In, std::nullopt, std::nullopt};
}

// Prints what reaches callers (probes and acknowledgements are the bus link's business).
void on_bus_line(const BusLine& line) {
    if (auto* msg = std::get_if<BusMsg>(&line)) {
        for (const auto& m : msg->msg) print_line(msg->address + ": " + m);
    } else if (auto* state = std::get_if<BusChatState>(&line)) {
        print_line(state->address + " ~ " + state->state);
    } else if (auto* left = std::get_if<BusDisassociate>(&line)) {
        print_line(left->address + " ended");
    }
}

// Ids for this run's msgs: a random prefix (so a restarted nlchat-caller's do not look
// like its last run's to nlchatd) and a count.
std::string id_prefix() {
    std::random_device random;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
    return std::string("caller-") + hex;
}

}  // namespace

int main(int argc, char** argv) {
    net::sanitize_std_fds();
    Options opts;
    if (std::string why; !read_options(argc, argv, options(), opts, why)) {
        std::fprintf(stderr, "nlchat-caller: %s (try --help)\n", why.c_str());
        return 2;
    }
    if (opts.help) return usage(stdout), 0;
    if (opts.version) return std::printf("nlchat-caller %s\n", NLCHAT_VERSION), 0;
    const std::string& socket_path = opts.socket_path;
    const std::string& service = opts.service;
    const bool chat_states = opts.chat_states;
    std::signal(SIGPIPE, SIG_IGN);

    int status = 0;
    net::Loop loop;
    {
        std::unique_ptr<net::StdinLines> input;
        std::unique_ptr<net::BusLink> bus;
        bool up = false, leaving = false;
        const std::string prefix = id_prefix();
        std::uint64_t next_id = 1;
        auto leave = [&](int code) {
            if (leaving) return;
            leaving = true;
            status = code;
            input.reset();
            bus->stop();  // what waits goes out first
        };
        auto read_input = [&] {
            input = std::make_unique<net::StdinLines>(
                loop, kMaxLine,
                [&](std::string_view text) {
                    std::string line(text), error;
                    std::optional<BusLine> cmd = command_line(line, error);
                    if (!cmd) {
                        std::fprintf(stderr, "nlchat-caller: %s\n", error.c_str());
                        return;
                    }
                    // Numbered, so that nlchatd acknowledges it and a resend is taken once.
                    if (auto* msg = std::get_if<BusMsg>(&*cmd)) msg->id = prefix + "-" + std::to_string(next_id++);
                    // Never as if sent: a line that cannot even be held is said so, and one
                    // held while the bus is down is said to wait.
                    if (!bus->write(*cmd))
                        std::fprintf(stderr, "nlchat-caller: not sent (too many lines wait for the bus): %s\n",
                                     line.c_str());
                    else if (!up)
                        std::fprintf(stderr, "nlchat-caller: the bus is down; held until it is back: %s\n",
                                     line.c_str());
                },
                [&] { leave(0); });  // end of input: let the last lines go out, then leave
        };
        net::BusLink::Handlers handlers{[](const BusLine& line) { on_bus_line(line); },
                                        [&](bool now_up, const std::string& why) {
                                            up = now_up;
                                            if (now_up) {
                                                if (!input && !leaving) read_input();
                                                return;
                                            }
                                            std::fprintf(stderr, "nlchat-caller: %s%s\n", why.c_str(),
                                                         opts.redial ? "; dialling again" : "");
                                            if (!opts.redial) leave(1);
                                        }};
        bus = std::make_unique<net::BusLink>(loop, socket_path, service, 2000, handlers, chat_states);
        bus->start();
        loop.run();
        input.reset();
        bus.reset();
    }
    loop.run();
    if (!loop.close()) std::fprintf(stderr, "nlchat-caller: event loop closed with handles still open\n");
    return status;
}
