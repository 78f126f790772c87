// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/server_options.h"

#include <ini.h>

#include <cstring>
#include <functional>

#include "core/option_table.h"

namespace nlchat {
namespace {

using Apply = std::function<bool(ServerOptions&, const std::string&, std::string&)>;

struct ConfigOptionSpec {
    const char* name;
    char short_name;  // 0 for none
    const char* arg;  // nullptr for a flag
    const char* help;
    bool in_config;
    Apply apply;
};

bool seconds(const std::string& v, double& out, const char* name, std::string& error) {
    double d = 0;
    if (parse_number(v, 0, 86400, d) && d > 0) return out = d, true;
    error = std::string(name) + " must be a number of seconds above 0 (fractions allowed), not '" + v + "'";
    return false;
}

bool flag(const std::string& v, bool& out, const char* name, std::string& error) {
    if (v.empty() || v == "yes" || v == "true" || v == "1") return out = true, true;
    if (v == "no" || v == "false" || v == "0") return out = false, true;
    error = std::string(name) + " must be yes or no, not '" + v + "'";
    return false;
}

const std::vector<ConfigOptionSpec>& options() {
    static const std::vector<ConfigOptionSpec> table = {
        {"listen", 'l', "HOST:PORT", "operator port (default 127.0.0.1:7780; port 0: the OS picks)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             auto hp = parse_host_port(v, e);
             if (hp) o.settings.listen = *hp;
             return hp.has_value();
         }},
        {"key", 'k', "FILE", "server private key, created when absent (default /var/lib/nlchatd/server.key)", true,
         [](ServerOptions& o, const std::string& v, std::string&) { return o.settings.key_file = v, true; }},
        {"state-dir", 0, "DIR", "journal and ring counter (default: the key file's directory)", true,
         [](ServerOptions& o, const std::string& v, std::string&) { return o.settings.state_dir = v, true; }},
        {"authorized-keys", 'a', "FILE", "operator key fingerprints allowed to join (re-read on SIGHUP)", true,
         [](ServerOptions& o, const std::string& v, std::string&) {
             return o.settings.authorized_keys_file = v, true;
         }},
        {"allow-any-key", 0, nullptr, "let any key join (still with the challenge); for demos and tests only", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return flag(v, o.settings.dispatch.allow_any_key, "allow-any-key", e);
         }},
        {"service-socket", 's', "PATH", "unix socket of the service bus (default /run/nlchatd/services.sock)", true,
         [](ServerOptions& o, const std::string& v, std::string&) { return o.settings.service_socket = v, true; }},
        {"probe-after", 0, "SECONDS", "silence before an operator is probed (default 7)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return seconds(v, o.settings.dispatch.probe_after, "probe-after", e);
         }},
        {"probe-timeout", 0, "SECONDS", "time to answer a probe before leaving the pool (default 3)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return seconds(v, o.settings.dispatch.probe_timeout, "probe-timeout", e);
         }},
        {"grace", 0, "SECONDS", "how long a dropped operator's chat is kept (default 60)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return seconds(v, o.settings.dispatch.grace, "grace", e);
         }},
        {"ring-timeout", 0, "SECONDS", "how long a ring waits for an operator (default 60)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return seconds(v, o.settings.dispatch.ring_timeout, "ring-timeout", e);
         }},
        {"max-chats-per-operator", 0, "N",
         "chats one operator may hold at once, 1 to 16 (default 1; a client without chat ids always has 1)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return parse_count(v, "max-chats-per-operator", 1, 16, o.settings.dispatch.max_chats_per_operator, e);
         }},
        {"require-v2", 0, nullptr, "refuse operators whose client does not offer the v2 session", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return flag(v, o.settings.require_v2, "require-v2", e);
         }},
        {"no-v2", 0, nullptr, "do not answer the v2 offer: every operator on the 2015 protocol", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             bool off = false;
             if (!flag(v, off, "no-v2", e)) return false;
             o.settings.v2 = !off;
             return true;
         }},
        {"resume-for", 0, "SECONDS",
         "how long an operator may rejoin without RSA after its last session (default 86400, up to 30 days; "
         "0: never)",
         true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             double d = 0;
             if (parse_number(v, 0, 30 * 86400, d)) return o.settings.resume_lifetime = d, true;
             e = "resume-for must be a number of seconds from 0 to 2592000 (30 days), not '" + v + "'";
             return false;
         }},
        {"figures", 0, "FILE",
         "append the shift figures (no text, address or caller id) to FILE (default STATEDIR/figures; none: off)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             if (v.empty()) return e = "figures needs a file name, or none", false;
             return o.settings.figures_file = v, true;
         }},
        {"away-reminder", 0, "SECONDS", "remind an operator who is away this often (default 900; 0: never)", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             double d = 0;
             if (parse_number(v, 0, 86400, d)) return o.settings.dispatch.away_reminder = d, true;
             e = "away-reminder must be a number of seconds from 0 to 86400, not '" + v + "'";
             return false;
         }},
        {"config", 'c', "FILE", "read settings from FILE (see nlchatd(8)); options given here win", false,
         [](ServerOptions& o, const std::string& v, std::string&) { return o.config_file = v, true; }},
        {"verbose", 'v', nullptr, "log debug lines too", true,
         [](ServerOptions& o, const std::string& v, std::string& e) {
             return flag(v, o.settings.verbose, "verbose", e);
         }},
        {"help", 'h', nullptr, "show this help", false,
         [](ServerOptions& o, const std::string&, std::string&) { return o.help = true, true; }},
        {"version", 'V', nullptr, "show the version", false,
         [](ServerOptions& o, const std::string&, std::string&) { return o.version = true, true; }},
    };
    return table;
}

// The [messages] section: the replies callers get.
struct MessageKey {
    const char* name;
    std::string DispatchConfig::*text;
};
const MessageKey kMessages[] = {
    {"ringing", &DispatchConfig::text_ringing},
    {"all_busy", &DispatchConfig::text_all_busy},
    {"no_operators", &DispatchConfig::text_no_operators},
    {"ring_timed_out", &DispatchConfig::text_ring_timed_out},
    {"client_dropped", &DispatchConfig::text_client_dropped},
    {"not_delivered", &DispatchConfig::text_not_delivered},
    {"unavailable", &DispatchConfig::text_unavailable},
    {"handover", &DispatchConfig::text_handover},
};

// "\n" in a config value stands for a line break.
std::string unescape(const std::string& v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size() && v[i + 1] == 'n') out += '\n', ++i;
        else out += v[i];
    }
    return out;
}

struct ConfigState {
    ServerOptions* options;
    std::string error;
};

}  // namespace

bool load_server_config(const std::string& path, ServerSettings& settings, std::string& error) {
    ServerOptions holder;
    holder.settings = settings;
    ConfigState state{&holder, ""};
    int rc = ini_parse(
        path.c_str(),
        [](void* user, const char* section, const char* name, const char* value) -> int {
            auto* st = static_cast<ConfigState*>(user);
            std::string sec = section, key = name, val = value;
            if (sec == "messages") {
                for (const auto& m : kMessages) {
                    if (key == m.name) {
                        st->options->settings.dispatch.*(m.text) = unescape(val);
                        return 1;
                    }
                }
                st->error = "unknown message '" + key + "' in [messages]";
                return 0;
            }
            if (!sec.empty() && sec != "server") {
                st->error = "unknown section [" + sec + "]";
                return 0;
            }
            for (const auto& o : options()) {
                if (o.in_config && key == o.name) {
                    if (!o.apply(*st->options, val, st->error)) return 0;
                    return 1;
                }
            }
            st->error = "unknown setting '" + key + "'";
            return 0;
        },
        &state);
    if (rc < 0) {
        error = "cannot read config file '" + path + "': " + std::strerror(errno);
        return false;
    }
    if (rc > 0) {
        error =
            path + ":" + std::to_string(rc) + ": " + (state.error.empty() ? "not a 'name = value' line" : state.error);
        return false;
    }
    settings = holder.settings;
    return true;
}

bool parse_server_options(int argc, char** argv, ServerOptions& out, std::string& error) {
    // Two passes: the config file first, then every other option, so the command line wins.
    for (int pass = 0; pass < 2; ++pass) {
        auto take = [&](const ConfigOptionSpec& spec, const std::string& value) {
            bool is_config = std::strcmp(spec.name, "config") == 0;
            return (pass == 0) != is_config || spec.apply(out, value, error);
        };
        if (!read_command_line(argc, argv, options(), take, error)) return false;
        if (pass == 0 && !out.config_file.empty() && !load_server_config(out.config_file, out.settings, error))
            return false;
    }
    if (out.settings.require_v2 && !out.settings.v2) {
        error = "--require-v2 and --no-v2 together would refuse every operator";
        return false;
    }
    return true;
}

std::string server_usage() {
    return "usage: nlchatd [OPTIONS]\n\nThe NL chat server. Options:\n" + options_help(options()) +
           "\nSee nlchatd(8).\n";
}

}  // namespace nlchat
