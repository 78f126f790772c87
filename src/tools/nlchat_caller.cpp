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
#include <getopt.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "core/bus_line.h"
#include "core/json_util.h"
#include "net/connector.h"
#include "net/loop.h"
#include "net/process.h"
#include "net/stdin_lines.h"

using namespace nlchat;

namespace {

constexpr size_t kMaxLine = size_t{64} * 1024;

void usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: nlchat-caller [--socket PATH] [--service NAME] [--no-chat-states]\n\n"
                 "Connects to nlchatd's service bus as a service and plays callers:\n"
                 "  ADDRESS: text          caller ADDRESS writes text\n"
                 "  /state ADDRESS STATE   caller's chat state (composing, paused, active, gone)\n"
                 "  /leave ADDRESS         caller ADDRESS leaves\n"
                 "  /status TEXT           the service status operators see\n"
                 "What reaches callers is printed as 'ADDRESS: text', 'ADDRESS ~ STATE' or 'ADDRESS ended'.\n"
                 "Defaults: --socket /run/nlchatd/services.sock --service Caller. See nlchat-caller(1).\n");
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
    std::string socket_path = "/run/nlchatd/services.sock", service = "Caller";
    bool chat_states = true;
    static const option long_opts[] = {
        {"socket", required_argument, nullptr, 's'},   {"service", required_argument, nullptr, 'n'},
        {"no-chat-states", no_argument, nullptr, 'x'}, {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},        {nullptr, 0, nullptr, 0}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "s:n:hV", long_opts, nullptr)) != -1) {
        switch (c) {
        case 's': socket_path = optarg; break;
        case 'n': service = optarg; break;
        case 'x': chat_states = false; break;
        case 'h': usage(stdout); return 0;
        case 'V': std::printf("nlchat-caller %s\n", NLCHAT_VERSION); return 0;
        default:
            std::fprintf(stderr, "nlchat-caller: option '%s' is not known or lacks its value\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "nlchat-caller: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (service.empty() || service.size() > 64) {
        std::fprintf(stderr, "nlchat-caller: the service name must be 1 to 64 bytes\n");
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);

    int status = 0;
    net::Loop loop;
    {
        net::Connector connector(loop, kMaxLine);
        std::unique_ptr<net::LineStream> bus;
        std::unique_ptr<net::StdinLines> input;
        connector.connect_unix(socket_path, [&](std::unique_ptr<net::LineStream> stream, const std::string& err) {
            if (!stream) {
                std::fprintf(stderr, "nlchat-caller: cannot connect to '%s': %s\n", socket_path.c_str(), err.c_str());
                status = 1;
                return;
            }
            bus = std::move(stream);
            net::LineStream::Handlers h;
            h.on_line = [&](std::string_view line) { on_bus_line(*bus, line); };
            h.on_close = [&](const std::string& reason) {
                std::fprintf(stderr, "nlchat-caller: the bus connection ended: %s\n", reason.c_str());
                status = 1;
                input.reset();
            };
            bus->start(std::move(h));
            bus->write_line(write_json(bus_service_online(service, chat_states)));
            input = std::make_unique<net::StdinLines>(
                loop, kMaxLine,
                [&](std::string_view text) {
                    std::string line(text), error;
                    Json::Value cmd = command_line(line, error);
                    if (cmd.isNull()) {
                        std::fprintf(stderr, "nlchat-caller: %s\n", error.c_str());
                        return;
                    }
                    if (bus) bus->write_line(write_json(cmd));
                },
                [&] {
                    // End of input: let the last lines go out, then leave.
                    if (bus) bus->close(true);
                });
        });
        loop.run();
        input.reset();
        bus.reset();
    }
    loop.run();
    if (!loop.close()) std::fprintf(stderr, "nlchat-caller: event loop closed with handles still open\n");
    return status;
}
