// SPDX-License-Identifier: GPL-3.0-or-later
// A scriptable operator for the functional tests, built on the core library and net/:
// it connects to nlchatd, does the key/challenge handshake and answers probes by itself
// (each can be turned off to test the server's refusals), and otherwise relays:
//
//   stdin:  an inner command as JSON          -> sealed to the server and sent
//           raw TEXT                          -> TEXT sent as a line, unsealed
//           quit                              -> close and exit
//   stdout: {"recv": {...}}                   an inner command that arrived
//           {"plain": {...}}                  an unencrypted line (server_online, refused)
//           {"event": "connected"|"closed"|"undecryptable", ...}
#include <getopt.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "core/command.h"
#include "core/json_util.h"
#include "core/key_file.h"
#include "core/raw_packet.h"
#include "net/connector.h"
#include "net/loop.h"
#include "net/stdin_lines.h"

using namespace nlchat;

namespace {

void emit(const std::string& key, const Json::Value& value) {
    Json::Value out(Json::objectValue);
    out[key] = value;
    std::string line = write_json(out);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void event(const std::string& what, const std::string& detail = "") {
    Json::Value v(Json::objectValue);
    v["event"] = what;
    if (!detail.empty()) v["detail"] = detail;
    std::string line = write_json(v);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    std::string server, key_file, uuid;
    bool auto_key = true, auto_challenge = true, wrong_challenge = false, auto_probe = true;
    static const option long_opts[] = {
        {"server", required_argument, nullptr, 's'},      {"key", required_argument, nullptr, 'k'},
        {"uuid", required_argument, nullptr, 'u'},        {"no-auto-key", no_argument, nullptr, 'K'},
        {"no-auto-challenge", no_argument, nullptr, 'C'}, {"wrong-challenge", no_argument, nullptr, 'W'},
        {"no-auto-probe", no_argument, nullptr, 'P'},     {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", long_opts, nullptr)) != -1) {
        switch (c) {
        case 's': server = optarg; break;
        case 'k': key_file = optarg; break;
        case 'u': uuid = optarg; break;
        case 'K': auto_key = false; break;
        case 'C': auto_challenge = false; break;
        case 'W': wrong_challenge = true; break;
        case 'P': auto_probe = false; break;
        default: std::fprintf(stderr, "test-operator: bad option\n"); return 2;
        }
    }
    std::string error;
    auto where = parse_host_port(server, error);
    auto key = load_private_key(key_file, error);
    if (!where || !key || uuid.empty()) {
        std::fprintf(stderr, "test-operator: %s\n", uuid.empty() ? "--uuid is required" : error.c_str());
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);

    net::Loop loop;
    {
        std::optional<PublicKey> server_key;
        std::unique_ptr<net::LineStream> conn;
        std::unique_ptr<net::StdinLines> input;
        net::Connector connector(loop, 1 << 20);
        auto send = [&](const Command& cmd) {
            if (conn && server_key) conn->write_line(seal(write_json(to_json(cmd)), *server_key, uuid, Role::Alice));
        };
        auto on_line = [&](std::string_view text) {
            std::string err;
            auto obj = parse_json_object(text, err);
            if (obj && !obj->isMember("messages")) {  // server_online, or a plaintext refusal
                emit("plain", *obj);
                if ((*obj)["type"] != "server_online") return;
                if ((*obj)["key"].isString()) server_key = PublicKey::from_pem((*obj)["key"].asString(), err);
                if (auto_key) send(KeyCommand{uuid, key->public_key().to_pem()});
                return;
            }
            OpenResult r = open(text, *key, Role::Bob);
            if (!r.packet) return event("undecryptable", r.detail);
            emit("recv", r.packet->inner);
            ParsedCommand p = parse_command(r.packet->inner);
            if (p.kind != ParsedCommand::Kind::Ok) return;
            if (auto* ch = std::get_if<ChallengeCommand>(&*p.command); ch && auto_challenge)
                send(ChallengeAckCommand{uuid, wrong_challenge ? "wrong" : ch->nonce});
            if (std::holds_alternative<ProbeCommand>(*p.command) && auto_probe) send(ProbeAckCommand{uuid});
        };
        connector.connect_tcp(*where, [&](std::unique_ptr<net::LineStream> stream, const std::string& err) {
            if (!stream) {
                event("closed", "connect failed: " + err);
                input.reset();
                return;
            }
            conn = std::move(stream);
            net::LineStream::Handlers h;
            h.on_line = on_line;
            h.on_close = [&](const std::string& reason) {
                event("closed", reason);
                input.reset();
            };
            conn->start(std::move(h));
            event("connected");
        });
        input = std::make_unique<net::StdinLines>(
            loop, 1 << 20,
            [&](std::string_view text) {
                std::string line(text), err;
                if (line == "quit") {
                    if (conn) conn->close(true);
                    conn.reset();
                    connector.cancel();
                    input.reset();
                    return;
                }
                if (line.rfind("raw ", 0) == 0) {
                    if (conn) conn->write_line(line.substr(4));
                    return;
                }
                auto obj = parse_json_object(line, err);
                if (!obj) return event("bad-input", err);
                if (conn && server_key) conn->write_line(seal(line, *server_key, uuid, Role::Alice));
            },
            [&] {
                if (conn) conn->close(true);
                conn.reset();
                connector.cancel();
            });
        loop.run();
        input.reset();
        conn.reset();
    }
    loop.run();
    return loop.close() ? 0 : 1;
}
