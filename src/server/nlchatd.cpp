// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd: the NL chat server. Parses options, loads (or creates) the server key, and
// runs the Server on one libuv loop until SIGTERM or SIGINT.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "core/crypto/key_file.h"
#include "net/loop.h"
#include "net/process.h"
#include "net/timer.h"
#include "server/file_checks.h"
#include "server/server.h"
#include "server/server_options.h"

using namespace nlchat;

namespace {

std::string dirname_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

int fail(const std::string& message, int status) {
    std::fprintf(stderr, "nlchatd: %s\n", message.c_str());
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    net::sanitize_std_fds();
    ServerOptions opts;
    std::string error;
    if (!parse_server_options(argc, argv, opts, error)) return fail(error + " (try --help)", 2);
    if (opts.help) {
        std::cout << server_usage();
        return 0;
    }
    if (opts.version) {
        std::cout << "nlchatd " << NLCHAT_VERSION << "\n";
        return 0;
    }
    ServerSettings& s = opts.settings;
    if (!s.dispatch.allow_any_key && s.authorized_keys_file.empty()) {
        return fail(
            "no operator could join: give --authorized-keys FILE, listing one key fingerprint per line.\n"
            "  To enroll an operator, have them run `nlchat --fingerprint` (or `nlchat-packet fingerprint KEYFILE`)\n"
            "  and add the SHA256:... line it prints, with their name as a comment, to that file.\n"
            "  For a demo on a trusted machine, --allow-any-key lets any key join.",
            2);
    }
    if (s.state_dir.empty()) s.state_dir = dirname_of(s.key_file);
    // The scheduler hands out as many jobs at once as libuv's pool has threads.
    // libuv itself reads it with atoi; a value it would not use leaves the default.
    if (const char* threads = std::getenv("UV_THREADPOOL_SIZE")) {
        char* end = nullptr;
        long n = std::strtol(threads, &end, 10);
        if (end != threads && n > 0 && n <= 1024) s.open_limits.workers = static_cast<std::size_t>(n);
    }
    Logger logger("nlchatd", s.verbose);
    if (s.dispatch.allow_any_key)
        logger.log(LogLevel::Warning, "--allow-any-key: ANY operator key may join; use only for demos and tests");

    std::optional<PrivateKey> key;
    if (access(s.key_file.c_str(), F_OK) == 0) {
        if (!check_private_file(s.key_file, error)) return fail(error, 1);
        key = load_private_key(s.key_file, error);
        if (!key) return fail(error, 1);
    } else {
        logger.log(LogLevel::Info, "no key at '" + s.key_file + "': generating one");
        key = PrivateKey::generate(2048, error);
        if (!key || !save_key_pair(*key, s.key_file, s.key_file + ".pub", error)) return fail(error, 1);
    }
    logger.log(LogLevel::Info, "server key " + key->public_key().fingerprint());

    std::signal(SIGPIPE, SIG_IGN);
    int status = 0;
    {
        net::Loop loop;
        Server server(loop, s, *key, logger);
        // The watchers come before the server listens: a SIGHUP sent as soon as the log
        // says "listening" must reload the keys, not meet the default action and kill us.
        std::unique_ptr<net::SignalWatcher> term, intr, hup;
        auto stop = [&] {
            server.shutdown();
            term->close(), intr->close(), hup->close();
        };
        term = std::make_unique<net::SignalWatcher>(loop, SIGTERM, stop);
        intr = std::make_unique<net::SignalWatcher>(loop, SIGINT, stop);
        hup = std::make_unique<net::SignalWatcher>(loop, SIGHUP, [&] { server.reload_authorized_keys(); });
        if (!server.start(error)) {
            stop();
            loop.run();
            return fail(error, 1);
        }
        loop.run();
        if (!loop.close()) {
            logger.log(LogLevel::Warning, "event loop closed with handles still open");
            status = 1;
        }
    }
    logger.log(LogLevel::Info, "stopped");
    return status;
}
