// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-packet: the protocol's packet layer on the command line, for people writing
// compatible peers and for tests: make keys, print fingerprints, seal inner commands into
// raw packets and open raw packets back into inner commands.
//
// Subcommands are a table of {name, usage, handler}, so `--help` is built from the same
// table that dispatches.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/codec/json_util.h"
#include "core/codec/raw_packet.h"
#include "core/crypto/key_file.h"
#include "core/option_table.h"
#include "net/process.h"

using namespace nlchat;

namespace {

constexpr const char* kProgram = "nlchat-packet";
// Longest stdin line accepted by seal and open. A 128-block packet for a 4096-bit key is
// about 88 KB, so this leaves plenty of room while bounding memory.
constexpr size_t kMaxLineBytes = 1 << 20;

int fail(const std::string& message) {
    std::cerr << kProgram << ": " << message << "\n";
    return 2;
}

// Reads one line from stdin into `line` (without the newline). Returns false at end of
// input. A line longer than kMaxLineBytes is consumed and reported as too long.
bool read_line(std::string& line, bool& too_long) {
    line.clear();
    too_long = false;
    int c;
    bool any = false;
    while ((c = std::getchar()) != EOF) {
        any = true;
        if (c == '\n') return true;
        if (line.size() < kMaxLineBytes) line += static_cast<char>(c);
        else too_long = true;
    }
    return any;
}

// Calls `handle(line_number, line)` for each stdin line (CR stripped); a line over the
// limit is reported and skipped. Returns 1 if any line was skipped or `handle` said
// false, else 0.
template <class Handle> int each_line(Handle handle) {
    std::string line;
    bool too_long;
    int status = 0;
    for (size_t n = 1; read_line(line, too_long); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!handle(n, too_long ? std::nullopt : std::optional<std::string>(line))) status = 1;
    }
    return status;
}

struct Options {
    std::string key, out, uuid, to;
    unsigned bits = 2048;
    bool force = false, verbose = false;
    std::vector<std::string> args;
};

// The options shared by all subcommands; each subcommand then checks the ones it needs.
const std::vector<OptionSpec<Options>>& options() {
    auto text = [](std::string Options::*field) {
        return [field](Options& o, const std::string& v, std::string&) { return o.*field = v, true; };
    };
    static const std::vector<OptionSpec<Options>> table = {
        {"key", 'k', "FILE", "the key file", text(&Options::key)},
        {"out", 'o', "FILE", "where keygen writes the private key (FILE.pub the public one)", text(&Options::out)},
        {"uuid", 'u', "UUID", "the sender's UUID, for seal", text(&Options::uuid)},
        {"to", 't', "alice|bob", "the receiving side's role", text(&Options::to)},
        {"bits", 'b', "BITS", "keygen's key size, 2048 or 4096",
         [](Options& o, const std::string& v, std::string& e) {
             if (v == "2048" || v == "4096") return o.bits = static_cast<unsigned>(std::stoul(v)), true;
             return e = "--bits must be 2048 or 4096, not '" + v + "'", false;
         }},
        {"force", 'f', nullptr, "keygen may overwrite existing files",
         [](Options& o, const std::string&, std::string&) { return o.force = true, true; }},
        {"verbose", 'v', nullptr, "open: show the packet's parts too",
         [](Options& o, const std::string&, std::string&) { return o.verbose = true, true; }},
    };
    return table;
}

// Reads the options after the subcommand's name; false (after saying why) on an unknown
// option or a bad value. Operands are kept for the subcommand, which says if it takes none.
bool parse_options(int argc, char** argv, Options& o) {
    std::string error;
    if (read_options(argc, argv, options(), o, error, &o.args)) return true;
    fail(error);
    return false;
}

int cmd_keygen(Options& o) {
    if (o.out.empty()) return fail("keygen needs --out FILE");
    std::string pub = o.out + ".pub";
    if (!o.force) {
        for (const std::string& path : {o.out, pub})
            if (access(path.c_str(), F_OK) == 0) return fail("'" + path + "' exists; use --force to replace it");
    }
    std::string error;
    auto key = PrivateKey::generate(o.bits, error);
    if (!key || !save_key_pair(*key, o.out, pub, error)) return fail(error);
    std::cout << key->public_key().fingerprint() << "\n";
    return 0;
}

// pubkey and fingerprint: one key file in, one line about its public key out.
int print_public(Options& o, const char* command, std::string (*show)(const PublicKey&)) {
    if (o.args.size() != 1) return fail(std::string(command) + " needs exactly one FILE");
    std::string error;
    auto key = load_public_key(o.args[0], error);
    if (!key) return fail(error);
    std::cout << show(*key) << "\n";
    return 0;
}

int cmd_pubkey(Options& o) {
    return print_public(o, "pubkey", [](const PublicKey& k) { return k.to_pem(); });
}

int cmd_fingerprint(Options& o) {
    return print_public(o, "fingerprint", [](const PublicKey& k) { return k.fingerprint(); });
}

int cmd_seal(Options& o) {
    if (o.key.empty() || o.uuid.empty() || o.to.empty())
        return fail("seal needs --key PUBFILE --uuid UUID --to alice|bob");
    auto to = role_from_name(o.to);
    if (!to) return fail("--to must be alice (the server) or bob (a client), not '" + o.to + "'");
    std::string error;
    auto key = load_public_key(o.key, error);
    if (!key) return fail(error);
    return each_line([&](size_t n, const std::optional<std::string>& line) {
        if (!line) {
            std::cerr << kProgram << ": line " << n << ": longer than " << kMaxLineBytes << " bytes\n";
            return false;
        }
        // The line is sealed exactly as given (raw UTF-8 stays raw) once it is known to
        // be one JSON object, so peers can be tested with any valid encoding.
        if (!parse_json_object(*line, error)) {
            std::cerr << kProgram << ": line " << n << ": " << error << "\n";
            return false;
        }
        std::cout << seal(std::string_view(*line), *key, o.uuid, *to) << "\n" << std::flush;
        return true;
    });
}

int cmd_open(Options& o) {
    if (o.key.empty()) return fail("open needs --key PRIVFILE");
    Role to = Role::Alice;
    if (!o.to.empty()) {
        auto r = role_from_name(o.to);
        if (!r) return fail("--to must be alice (the server) or bob (a client), not '" + o.to + "'");
        to = *r;
    }
    std::string error;
    auto key = load_private_key(o.key, error);
    if (!key) return fail(error);
    return each_line([&](size_t n, const std::optional<std::string>& line) {
        OpenResult r;
        if (!line) r.detail = "line longer than " + std::to_string(kMaxLineBytes) + " bytes";
        else r = open(*line, *key, to);
        if (!r.packet) {
            std::cerr << kProgram << ": line " << n << ": " << kOpenFailed;
            if (o.verbose) std::cerr << " (" << r.detail << ")";
            std::cerr << "\n";
            return false;
        }
        std::cout << r.packet->json << "\n" << std::flush;
        return true;
    });
}

struct Subcommand {
    const char* name;
    const char* usage;
    int (*run)(Options&);
};

const Subcommand kSubcommands[] = {
    {"keygen", "keygen [--bits 2048|4096] [--force] --out FILE", cmd_keygen},
    {"pubkey", "pubkey FILE", cmd_pubkey},
    {"fingerprint", "fingerprint FILE", cmd_fingerprint},
    {"seal", "seal --key PUBFILE --uuid UUID --to alice|bob   < inner JSON lines", cmd_seal},
    {"open", "open --key PRIVFILE [--to alice|bob] [-v]        < raw packet lines", cmd_open},
};

void usage(std::ostream& out) {
    out << "usage: " << kProgram << " COMMAND [OPTIONS]\n\ncommands:\n";
    for (const auto& s : kSubcommands) out << "  " << kProgram << " " << s.usage << "\n";
    out << "\n  " << kProgram << " --help | --version\n\noptions:\n"
        << options_help(options()) << "\nSee nlchat-packet(1).\n";
}

}  // namespace

int main(int argc, char** argv) {
    net::sanitize_std_fds();
    if (argc < 2) {
        usage(std::cerr);
        return 2;
    }
    std::string command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        usage(std::cout);
        return 0;
    }
    if (command == "--version") {
        std::cout << kProgram << " " << NLCHAT_VERSION << "\n";
        return 0;
    }
    for (const auto& s : kSubcommands) {
        if (command != s.name) continue;
        Options o;
        if (!parse_options(argc - 1, argv + 1, o)) return 2;
        try {
            return s.run(o);
        } catch (const std::exception& e) {
            return fail(e.what());
        }
    }
    fail("unknown command '" + command + "'");
    usage(std::cerr);
    return 2;
}
