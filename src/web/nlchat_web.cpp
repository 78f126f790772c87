// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-web: the web chat box callers use. Serves the chat page, its embeddable widget
// and a WebSocket on HTTP (behind the site's TLS reverse proxy), and carries each chat to
// nlchatd as a service on its bus. Runs until SIGTERM or SIGINT, when every open chat is
// ended on the bus.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "core/codec/host_port.h"
#include "core/codec/utf8.h"
#include "core/crypto/gcrypt_util.h"
#include "core/option_table.h"
#include "net/loop.h"
#include "net/process.h"
#include "net/timer.h"
#include "web/web_server.h"

using namespace nlchat;

namespace {

struct Options {
    bool replies_from_given = false;
    WebSettings settings;
    bool help = false, version = false;
};

using Apply = std::function<bool(Options&, const std::string&, std::string&)>;

using Spec = OptionSpec<Options>;

bool number(const std::string& v, double lo, double hi, double& out, const char* name, std::string& error) {
    if (parse_number(v, lo, hi, out)) return true;
    error = std::string("--") + name + " must be a number from " + std::to_string(static_cast<long>(lo)) + " to " +
            std::to_string(static_cast<long>(hi)) + ", not '" + v + "'";
    return false;
}

Apply count(std::size_t WebConfig::*field, const char* name, double hi) {
    return [field, name, hi](Options& o, const std::string& v, std::string& e) {
        double d;
        if (!number(v, 1, hi, d, name, e)) return false;
        if (d != std::floor(d)) return e = std::string("--") + name + " must be a whole number", false;
        o.settings.web.*field = static_cast<std::size_t>(d);
        return true;
    };
}

const std::vector<Spec>& options() {
    static const std::vector<Spec> table = {
        {"listen", 'l', "HOST:PORT", "where to serve HTTP (default 127.0.0.1:7781; port 0: the OS picks)",
         [](Options& o, const std::string& v, std::string& e) {
             auto hp = parse_host_port(v, e);
             if (hp) o.settings.host = hp->host, o.settings.port = hp->port;
             return hp.has_value();
         }},
        {"socket", 's', "PATH", "nlchatd's service bus (default /run/nlchatd/services.sock)",
         [](Options& o, const std::string& v, std::string&) { return o.settings.socket_path = v, true; }},
        {"service", 'n', "NAME", "the service name operators see (default Web)",
         [](Options& o, const std::string& v, std::string& e) {
             if (v.empty() || v.size() > 64) return e = "--service must be 1 to 64 bytes", false;
             return o.settings.service = v, true;
         }},
        {"notice", 0, "TEXT", "what callers read before their first message",
         [](Options& o, const std::string& v, std::string& e) {
             if (v.empty() || v.size() > 4000 || !is_valid_utf8(v))
                 return e = "--notice must be 1 to 4000 bytes of UTF-8", false;
             return o.settings.web.notice = v, true;
         }},
        {"notice-file", 0, "FILE", "read that notice from FILE (UTF-8 text, at most 4000 bytes)",
         [](Options& o, const std::string& v, std::string& e) {
             std::ifstream in(v, std::ios::binary);
             if (!in) return e = "cannot read notice file '" + v + "': " + std::strerror(errno), false;
             std::stringstream text;
             text << in.rdbuf();
             std::string s = text.str();
             while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
             if (s.empty() || s.size() > 4000 || !is_valid_utf8(s))
                 return e = "notice file '" + v + "' must hold 1 to 4000 bytes of UTF-8", false;
             return o.settings.web.notice = s, true;
         }},
        {"frame-ancestors", 0, "SOURCES",
         "sites that may embed the chat (CSP frame-ancestors; default 'none'), e.g. https://www.example.org",
         [](Options& o, const std::string& v, std::string& e) {
             if (v.empty() || v.find_first_of(";,\r\n") != std::string::npos)
                 return e = "--frame-ancestors takes CSP sources separated by spaces", false;
             return o.settings.frame_ancestors = v, true;
         }},
        {"trust-proxy", 0, nullptr, "take callers' addresses from X-Forwarded-For (only behind your own proxy)",
         [](Options& o, const std::string&, std::string&) { return o.settings.trust_proxy = true, true; }},
        {"grace", 0, "SECONDS", "how long a chat waits for its page to come back (default 120)",
         [](Options& o, const std::string& v, std::string& e) {
             return number(v, 1, 86400, o.settings.web.grace, "grace", e);
         }},
        {"max-message", 0, "CHARS", "longest caller message (default 1000)",
         count(&WebConfig::max_message_chars, "max-message", 8000)},
        {"messages-per-minute", 0, "N", "messages one chat may send a minute (default 20)",
         count(&WebConfig::messages_per_minute, "messages-per-minute", 100000)},
        {"sessions-per-address", 0, "N", "chats open at once from one address (default 8)",
         count(&WebConfig::sessions_per_source, "sessions-per-address", 1000000)},
        {"max-sessions", 0, "N", "chats open at once in all (default 2000)",
         count(&WebConfig::max_sessions, "max-sessions", 1000000)},
        {"replies-from", 0, "FILE", "no longer needed (nlchatd marks its own replies); accepted and ignored",
         [](Options& o, const std::string&, std::string&) { return o.replies_from_given = true, true; }},
        {"verbose", 'v', nullptr, "log debug lines too",
         [](Options& o, const std::string&, std::string&) { return o.settings.verbose = true, true; }},
        {"help", 'h', nullptr, "show this help",
         [](Options& o, const std::string&, std::string&) { return o.help = true, true; }},
        {"version", 'V', nullptr, "show the version",
         [](Options& o, const std::string&, std::string&) { return o.version = true, true; }},
    };
    return table;
}

bool parse(int argc, char** argv, Options& out, std::string& error) {
    return read_options(argc, argv, options(), out, error);
}

std::string usage() {
    return "usage: nlchat-web [OPTIONS]\n\nThe web chat box callers use, as a service on nlchatd's bus. Options:\n" +
           options_help(options()) + "\nServe it behind a TLS reverse proxy; see nlchat-web(8).\n";
}

}  // namespace

int main(int argc, char** argv) {
    net::sanitize_std_fds();
    Options opts;
    std::string error;
    if (!parse(argc, argv, opts, error)) {
        std::fprintf(stderr, "nlchat-web: %s (try --help)\n", error.c_str());
        return 2;
    }
    if (opts.help) return std::cout << usage(), 0;
    if (opts.version) return std::cout << "nlchat-web " << NLCHAT_VERSION << "\n", 0;
    // Old units may still pass it; starting matters more than the option.
    if (opts.replies_from_given)
        std::fprintf(stderr,
                     "nlchat-web: --replies-from is no longer needed (nlchatd marks its own replies); ignored\n");
    crypto_init();
    std::signal(SIGPIPE, SIG_IGN);
    // Each caller is a socket: take the file-descriptor allowance the system grants
    // (systemd's LimitNOFILE, say) rather than the shell's usual 1024.
    net::raise_open_file_limit(1 << 16);
    Logger logger("nlchat-web", opts.settings.verbose);
    int status = 0;
    {
        net::Loop loop;
        WebServer server(loop, opts.settings, logger);
        std::unique_ptr<net::SignalWatcher> term, intr;
        auto stop = [&] {
            logger.log(LogLevel::Info, "stopping: ending the open chats");
            server.shutdown();
            term->close(), intr->close();
        };
        term = std::make_unique<net::SignalWatcher>(loop, SIGTERM, stop);
        intr = std::make_unique<net::SignalWatcher>(loop, SIGINT, stop);
        if (!server.start(error)) {
            std::fprintf(stderr, "nlchat-web: %s\n", error.c_str());
            status = 1;
            server.shutdown();
            term->close(), intr->close();
        } else {
            logger.log(LogLevel::Info, "listening on " + format_host_port({opts.settings.host, server.port()}));
        }
        loop.run();
        server.finish();
        loop.run();
        if (!loop.close()) {
            logger.log(LogLevel::Warning, "event loop closed with handles still open");
            status = 1;
        }
    }
    if (!status) logger.log(LogLevel::Info, "stopped");
    return status;
}
