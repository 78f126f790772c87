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

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "core/codec/command.h"
#include "core/codec/json_util.h"
#include "core/codec/raw_packet.h"
#include "core/crypto/key_file.h"
#include "core/option_table.h"
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
    struct Options {
        std::string server, key_file, uuid;
        bool auto_key = true, auto_challenge = true, wrong_challenge = false, auto_probe = true;
    } o;
    auto value_of = [](std::string Options::*field) {
        return [field](Options& to, const std::string& v, std::string&) { return to.*field = v, true; };
    };
    auto flag = [](bool Options::*field, bool value) {
        return [field, value](Options& to, const std::string&, std::string&) { return to.*field = value, true; };
    };
    const std::vector<OptionSpec<Options>> table = {
        {"server", 0, "HOST:PORT", "", value_of(&Options::server)},
        {"key", 0, "FILE", "", value_of(&Options::key_file)},
        {"uuid", 0, "UUID", "", value_of(&Options::uuid)},
        {"no-auto-key", 0, nullptr, "", flag(&Options::auto_key, false)},
        {"no-auto-challenge", 0, nullptr, "", flag(&Options::auto_challenge, false)},
        {"wrong-challenge", 0, nullptr, "", flag(&Options::wrong_challenge, true)},
        {"no-auto-probe", 0, nullptr, "", flag(&Options::auto_probe, false)},
    };
    if (std::string why; !read_options(argc, argv, table, o, why)) {
        std::fprintf(stderr, "test-operator: %s\n", why.c_str());
        return 2;
    }
    const std::string &server = o.server, &key_file = o.key_file, &uuid = o.uuid;
    const bool auto_key = o.auto_key, auto_challenge = o.auto_challenge, wrong_challenge = o.wrong_challenge,
               auto_probe = o.auto_probe;
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
