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
#include <string>

#include "core/bus_line.h"
#include "core/json_util.h"
#include "core/option_table.h"
#include "net/loop.h"
#include "net/process.h"
#include "net/redialer.h"
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

// Turns one stdin line into a bus line; an empty result means the line was not understood
// (and `error` says why).
Json::Value command_line(const std::string& line, std::string& error) {
    Json::Value out(Json::objectValue);
    auto word_end = [&](size_t from) { return line.find(' ', from); };
    if (line.rfind("/state ", 0) == 0) {
        size_t a = 7, b = word_end(a);
        if (b == std::string::npos || b == a || b + 1 >= line.size()) {
            error = "usage: /state ADDRESS STATE";
            return Json::Value();
        }
        return bus_chat_state(line.substr(a, b - a), line.substr(b + 1), Direction::In);
    }
    if (line.rfind("/leave ", 0) == 0 && line.size() > 7) return bus_disassociate(line.substr(7));
    if (line.rfind("/status ", 0) == 0 && line.size() > 8) {
        out["type"] = "status";
        out["status"] = line.substr(8);
        return out;
    }
    size_t sep = line.find(": ");
    if (line.empty() || line[0] == '/' || sep == std::string::npos || sep == 0) {
        error = "not understood (expected 'ADDRESS: text', /state, /leave or /status)";
        return Json::Value();
    }
    return bus_msg(line.substr(0, sep), {line.substr(sep + 2)}, Direction::In);
}

// Prints what the server sends for callers; answers probes.
void on_bus_line(net::LineStream& bus, std::string_view text) {
    std::string error;
    auto line = parse_json_object(text, error);
    if (!line) {
        std::fprintf(stderr, "nlchat-caller: bad line from the server: %s\n", error.c_str());
        return;
    }
    ParsedBusLine parsed = parse_bus_line(*line);
    if (parsed.kind == ParsedBusLine::Kind::Invalid) {
        std::fprintf(stderr, "nlchat-caller: bad line from the server: %s\n", parsed.error.c_str());
        return;
    }
    if (!parsed.value) return;  // a type this tool does not know
    if (std::holds_alternative<BusProbe>(*parsed.value)) {
        bus.write_line(write_json(bus_probe_ack()));
    } else if (auto* msg = std::get_if<BusMsg>(&*parsed.value)) {
        for (const auto& m : msg->msg) print_line(msg->address + ": " + m);
    } else if (auto* state = std::get_if<BusChatState>(&*parsed.value)) {
        print_line(state->address + " ~ " + state->state);
    } else if (auto* left = std::get_if<BusDisassociate>(&*parsed.value)) {
        print_line(left->address + " ended");
    }
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
        std::unique_ptr<net::LineStream> bus;
        std::unique_ptr<net::StdinLines> input;
        bool input_ended = false;
        std::unique_ptr<net::Redialer> redialer;
        auto leave = [&] {
            redialer->close();
            input.reset();
        };
        auto connected = [&](std::unique_ptr<net::LineStream> stream) {
            bus = std::move(stream);
            redialer->reset();
            net::LineStream::Handlers h;
            h.on_line = [&](std::string_view line) { on_bus_line(*bus, line); };
            h.on_close = [&](const std::string& reason) {
                bus.reset();
                std::fprintf(stderr, "nlchat-caller: the bus connection ended: %s%s\n", reason.c_str(),
                             opts.redial && !input_ended ? "; dialling again" : "");
                if (opts.redial && !input_ended) return redialer->dial();
                status = 1;
                leave();
            };
            bus->start(std::move(h));
            bus->write_line(write_json(bus_service_online(service, chat_states)));
            if (input) return;  // back after an outage: standard input is still being read
            input = std::make_unique<net::StdinLines>(
                loop, kMaxLine,
                [&](std::string_view text) {
                    std::string line(text), error;
                    Json::Value cmd = command_line(line, error);
                    if (cmd.isNull()) {
                        std::fprintf(stderr, "nlchat-caller: %s\n", error.c_str());
                        return;
                    }
                    // Never as if sent: a line typed while the bus is down is said not sent.
                    if (!bus || !bus->write_line(write_json(cmd)))
                        std::fprintf(stderr, "nlchat-caller: not sent (the bus is down): %s\n", line.c_str());
                },
                [&] {
                    // End of input: let the last lines go out, then leave.
                    input_ended = true;
                    redialer->close();
                    if (bus) bus->close(true);
                });
        };
        redialer = std::make_unique<net::Redialer>(
            loop, kMaxLine, net::Redialer::Target{std::nullopt, socket_path}, Backoff::Policy{0.25, 5, 0.2, false},
            net::Redialer::Handlers{connected, [&](const std::string& err, double retry_in) {
                                        char again[48] = "";
                                        if (opts.redial)
                                            std::snprintf(again, sizeof again, "; dialling again in %.2f s", retry_in);
                                        std::fprintf(stderr, "nlchat-caller: cannot connect to '%s': %s%s\n",
                                                     socket_path.c_str(), err.c_str(), again);
                                        if (opts.redial) return;
                                        status = 1;
                                        leave();
                                    }});
        redialer->dial();
        loop.run();
        input.reset();
        bus.reset();
        redialer->close();
    }
    loop.run();
    if (!loop.close()) std::fprintf(stderr, "nlchat-caller: event loop closed with handles still open\n");
    return status;
}
