// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat: the operator's terminal client. Reads its options (and config file), finds or
// makes the operator's key pair and UUID, pins the server's key, and runs App on one
// libuv loop until the operator quits or the terminal goes away.
#include <ini.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <vector>

#include "client/app.h"
#include "client/client_files.h"
#include "client/demo.h"
#include "client/instance_lock.h"
#include "core/crypto/key_file.h"
#include "core/option_table.h"
#include "net/loop.h"
#include "net/process.h"
#include "net/timer.h"
#include "ui/terminal.h"
#include "ui/text_width.h"

using namespace nlchat;

namespace {

struct Options {
    AppSettings app;
    std::string server_key_file, key_file, config_file;
    bool fingerprint = false, help = false, version = false, demo = false;
};

using Apply = std::function<bool(Options&, const std::string&, std::string&)>;

struct ConfigOptionSpec {
    const char* name;
    const char* arg;
    const char* help;
    bool in_config;
    Apply apply;
    char short_name = 0;  // none: nlchat has long options only
};

bool number(const std::string& v, double& out, const char* name, std::string& error) {
    if (v == "off" && std::strcmp(name, "bell-interval") == 0) return out = -1, true;
    if (parse_number(v, 0, 3600, out)) return true;
    error = std::string(name) + " must be a number of seconds from 0 to 3600, not '" + v + "'";
    return false;
}

const std::vector<ConfigOptionSpec>& options() {
    static const std::vector<ConfigOptionSpec> table = {
        {"server", "HOST:PORT", "the nlchatd to connect to (default 127.0.0.1:7780)", true,
         [](Options& o, const std::string& v, std::string& e) {
             auto hp = parse_host_port(v, e);
             if (hp) o.app.server = *hp;
             return hp.has_value();
         }},
        {"server-key", "FILE", "pin the server's public key (otherwise: trust on first use)", true,
         [](Options& o, const std::string& v, std::string&) { return o.server_key_file = v, true; }},
        {"key", "FILE", "own key pair (default $XDG_CONFIG_HOME/nlchat/key, made on first run)", true,
         [](Options& o, const std::string& v, std::string&) { return o.key_file = v, true; }},
        {"welcome", "TEXT", "message sent to a caller when a chat starts", true,
         [](Options& o, const std::string& v, std::string&) { return o.app.session.welcome = v, true; }},
        {"bell-interval", "SECONDS", "ring the bell again this often while rings wait (0: once; off; default 15)", true,
         [](Options& o, const std::string& v, std::string& e) {
             return number(v, o.app.bell_interval, "bell-interval", e);
         }},
        {"canned", "DIR", "canned responses, one file each (default $XDG_CONFIG_HOME/nlchat/canned)", true,
         [](Options& o, const std::string& v, std::string&) { return o.app.canned_dir = v, true; }},
        {"silence", "SECONDS", "no word from the server this long: say so and resend key (default 20)", true,
         [](Options& o, const std::string& v, std::string& e) {
             if (!number(v, o.app.session.silence, "silence", e)) return false;
             if (o.app.session.silence < 1) return e = "silence must be at least 1 second", false;
             o.app.session.key_interval = std::min(10.0, o.app.session.silence / 2);
             return true;
         }},
        {"chats", "N", "chats held at once, each in a pane, 1 to 9, if the server allows (default 4)", true,
         [](Options& o, const std::string& v, std::string& e) {
             return parse_count(v, "chats", 1, 9, o.app.session.max_chats, e);
         }},
        {"notify", nullptr, "also send desktop notifications (OSC 9/777, passed through tmux)", true,
         [](Options& o, const std::string& v, std::string&) { return o.app.notify = v != "no" && v != "false", true; }},
        {"ascii", nullptr, "show ASCII only, for a terminal that cannot show UTF-8 (see LOCALES in nlchat(1))", true,
         [](Options& o, const std::string& v, std::string&) { return o.app.ascii = v != "no" && v != "false", true; }},
        {"no-v2", nullptr, "stay on the 2015 protocol: do not offer the v2 session", true,
         [](Options& o, const std::string& v, std::string&) { return o.app.v2 = v == "no" || v == "false", true; }},
        {"config", "FILE", "settings file (default $XDG_CONFIG_HOME/nlchat/config if present)", false,
         [](Options& o, const std::string& v, std::string&) { return o.config_file = v, true; }},
        {"demo", nullptr, "the whole system on this machine: a server and simulated callers", false,
         [](Options& o, const std::string&, std::string&) { return o.demo = true, true; }},
        {"fingerprint", nullptr, "print own key's fingerprint (for enrollment) and exit", false,
         [](Options& o, const std::string&, std::string&) { return o.fingerprint = true, true; }},
        {"help", nullptr, "show this help", false,
         [](Options& o, const std::string&, std::string&) { return o.help = true, true; }},
        {"version", nullptr, "show the version", false,
         [](Options& o, const std::string&, std::string&) { return o.version = true, true; }},
    };
    return table;
}

void usage(std::FILE* out) {
    std::fprintf(out, "usage: nlchat [OPTIONS]\n\nThe NL chat operator client. Options:\n%s",
                 options_help(options()).c_str());
    std::fprintf(out, "\nIn the program, F1 lists every key. See nlchat(1).\n");
}

bool load_config(const std::string& path, Options& o, bool must_exist, std::string& error) {
    struct State {
        Options* o;
        std::string error;
    } st{&o, ""};
    int rc = ini_parse(
        path.c_str(),
        [](void* user, const char*, const char* name, const char* value) -> int {
            auto* s = static_cast<State*>(user);
            for (const auto& spec : options())
                if (spec.in_config && std::strcmp(spec.name, name) == 0)
                    return spec.apply(*s->o, value, s->error) ? 1 : 0;
            s->error = std::string("unknown setting '") + name + "'";
            return 0;
        },
        &st);
    if (rc == -1) {
        if (!must_exist) return true;
        error = "cannot read config file '" + path + "'";
        return false;
    }
    if (rc != 0) {
        error = path + ":" + std::to_string(rc) + ": " + (st.error.empty() ? "not a 'name = value' line" : st.error);
        return false;
    }
    return true;
}

bool parse(int argc, char** argv, Options& o, const std::string& default_config, std::string& error) {
    // Two passes: the config file first, then every other option, so the command line wins.
    for (int pass = 0; pass < 2; ++pass) {
        auto take = [&](const ConfigOptionSpec& spec, const std::string& value) {
            bool is_config = std::strcmp(spec.name, "config") == 0;
            return (pass == 0) != is_config || spec.apply(o, value, error);
        };
        if (!read_command_line(argc, argv, options(), take, error)) return false;
        if (pass == 0) {
            bool given = !o.config_file.empty();
            if (!given && !default_config.empty()) o.config_file = default_config;
            if (!o.config_file.empty() && !load_config(o.config_file, o, given, error)) return false;
        }
    }
    return true;
}

int fail(const std::string& message, int status) {
    std::fprintf(stderr, "nlchat: %s\n", message.c_str());
    return status;
}

}  // namespace

// The demo: a server child, simulated callers, and nlchat, with every file in a
// temporary directory that goes when the demo ends.
int run_demo(Options& o) {
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return fail("nlchat needs a terminal", 1);
    std::string error;
    DemoServer server;
    std::fprintf(stderr, "nlchat: starting the demo server...\n");
    if (!server.start(error)) return fail(error, 1);
    auto key = PrivateKey::generate(2048, error);
    if (!key) return fail(error, 1);
    o.app.server = server.address();
    o.app.known_servers.clear();
    o.app.canned_dir = server.dir() + "/canned";
    mkdir(o.app.canned_dir.c_str(), 0700);
    // The demo's canned responses; the demo runs without them if they cannot be written.
    std::string werr;
    if (!write_file_atomic(o.app.canned_dir + "/1_check_in.txt", "How are you feeling right now?\n", 0600, werr) ||
        !write_file_atomic(o.app.canned_dir + "/2_sign_off.txt",
                           "Thanks for talking tonight. Take care of yourself, and you can write again any time.\n",
                           0600, werr))
        std::fprintf(stderr, "nlchat: the demo has no canned responses: %s\n", werr.c_str());
    if (o.app.session.welcome.empty())
        o.app.session.welcome = "Hi, you're through to the Nightline demo. I'm listening.";
    o.app.session.uuid = random_uuid();
    std::signal(SIGPIPE, SIG_IGN);
    int status;
    {
        net::Loop loop;
        net::start_pool_deaf_to({SIGHUP, SIGTERM, SIGINT, SIGWINCH}, loop);  // see App::shut_down
        ui::Terminal term(o.app.ascii);
        DemoCallers callers(loop, server.bus());
        App app(loop, term, o.app, *key, server.server_key());
        app.on_shutdown([&callers] { callers.stop(); });
        app.start();
        callers.start();
        loop.run();
        status = app.exit_status();
        term.end();
    }
    server.stop();
    return status;
}

int main(int argc, char** argv) {
    net::sanitize_std_fds();
    std::string error;
    Options o;
    // The demo reads no config and writes nothing outside its temporary directory.
    bool demo = false;
    for (int i = 1; i < argc; ++i) demo |= std::strcmp(argv[i], "--demo") == 0;
    auto dir = demo ? std::optional<std::string>() : config_dir(error);
    if (!parse(argc, argv, o, dir ? *dir + "/config" : "", error)) return fail(error + " (try --help)", 2);
    if (o.help) return usage(stdout), 0;
    if (o.version) return std::printf("nlchat %s\n", NLCHAT_VERSION), 0;
    if (o.demo) return run_demo(o);
    if (!dir && (o.key_file.empty())) return fail(error, 1);
    if (o.key_file.empty()) o.key_file = *dir + "/key";
    if (dir) o.app.known_servers = *dir + "/known_servers";
    if (o.app.canned_dir.empty() && dir) o.app.canned_dir = *dir + "/canned";

    std::optional<PrivateKey> key;
    bool have_key = access(o.key_file.c_str(), F_OK) == 0;
    if (have_key) {
        key = load_private_key(o.key_file, error);
        if (!key) return fail(error, 1);
    }
    if (o.fingerprint) {
        if (!key) {
            std::fprintf(stderr, "nlchat: making your key pair in '%s'...\n", o.key_file.c_str());
            key = PrivateKey::generate(2048, error);
            if (!key || !save_key_pair(*key, o.key_file, o.key_file + ".pub", error)) return fail(error, 1);
        }
        std::printf("%s\n", key->public_key().fingerprint().c_str());
        return 0;
    }

    std::optional<PublicKey> pinned;
    if (!o.server_key_file.empty()) {
        pinned = load_public_key(o.server_key_file, error);
        if (!pinned) return fail(error, 1);
    } else if (!o.app.known_servers.empty()) {
        pinned = known_server_key(o.app.known_servers, format_host_port(o.app.server));
    }
    std::string uuid_file = dir ? *dir + "/uuid" : o.key_file + ".uuid";
    auto uuid = load_or_make_uuid(uuid_file, error);
    if (!uuid) return fail(error, 1);
    o.app.session.uuid = *uuid;
    // Held until nlchat exits (the kernel lets go of it then, whatever the way out).
    auto lock = InstanceLock::take(dir ? *dir + "/lock" : o.key_file + ".lock", error);
    if (!lock) return fail(error, 1);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return fail("nlchat needs a terminal", 1);

    std::signal(SIGPIPE, SIG_IGN);
    int status = 0;
    {
        net::Loop loop;
        // The signals nlchat watches go to the loop's thread only: App::shut_down relies on
        // it to keep a hangup from killing nlchat on its way out.
        net::start_pool_deaf_to({SIGHUP, SIGTERM, SIGINT, SIGWINCH}, loop);
        ui::Terminal term(o.app.ascii);
        if (!key) {
            // First run: the key is made on the thread pool while the screen says so.
            term.clear();
            term.put(0, 0, "nlchat: making your key pair (first run)...", ui::Style::Bold);
            term.put(2, 0, ui::fit("It will be saved in " + o.key_file, term.width()), ui::Style::Normal);
            term.cursor(-1, 0);
            term.present();
            auto made = std::make_shared<std::optional<PrivateKey>>();
            auto made_error = std::make_shared<std::string>();
            net::run_in_pool(
                loop, [made, made_error] { *made = PrivateKey::generate(2048, *made_error); }, [] {});
            loop.run();
            if (!*made || !save_key_pair(**made, o.key_file, o.key_file + ".pub", *made_error)) {
                term.end();
                return fail(*made_error, 1);
            }
            key = **made;
        }
        App app(loop, term, o.app, *key, pinned);
        app.start();
        loop.run();
        status = app.exit_status();
        term.end();
    }
    return status;
}
