// SPDX-License-Identifier: GPL-3.0-or-later
// Command lines as tables. Each program lists its options once, as specs with a `name`,
// a `short_name` (0 for none), an `arg` name (nullptr for a flag) and a `help` line, plus
// whatever it needs to apply them; these two functions build getopt's table from that
// list, read argv with it, and write the --help lines, so every program (nlchat, nlchatd,
// nlchat-web, nlchat-caller, nlchat-packet, the test operator) reads and describes its
// options the same way.
#pragma once

#include <getopt.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace nlchat {

// A ready-made spec for programs whose options fill a struct: `apply(options, value,
// error)` returns false with `error` set when the value is not usable.
template <class Options> struct OptionSpec {
    const char* name;
    char short_name;
    const char* arg;
    const char* help;
    std::function<bool(Options&, const std::string&, std::string&)> apply;
};

// Reads argv's options in order, calling `take(spec, value)` for each (value is "" for a
// flag); `take` returns false, with `error` set, to stop. An unknown option or a missing
// value is an error too, and so is an operand (a word that is not an option) unless
// `operands` is given to collect them; options stop at the first operand.
template <class Spec, class Take>
[[nodiscard]] bool read_command_line(int argc, char** argv, const std::vector<Spec>& table, Take take,
                                     std::string& error, std::vector<std::string>* operands = nullptr) {
    std::vector<option> long_opts;
    std::string short_opts = "+";
    for (size_t i = 0; i < table.size(); ++i) {
        const Spec& s = table[i];
        int val = s.short_name ? s.short_name : 256 + static_cast<int>(i);
        long_opts.push_back({s.name, s.arg ? required_argument : no_argument, nullptr, val});
        if (s.short_name) short_opts += std::string(1, s.short_name) + (s.arg ? ":" : "");
    }
    long_opts.push_back({nullptr, 0, nullptr, 0});
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, short_opts.c_str(), long_opts.data(), nullptr)) != -1) {
        const Spec* spec = nullptr;
        if (c >= 256 && static_cast<size_t>(c - 256) < table.size()) spec = &table[static_cast<size_t>(c - 256)];
        for (const Spec& s : table)
            if (!spec && s.short_name && c == s.short_name) spec = &s;
        if (!spec) {
            // getopt has moved past the word at fault (or is still on it, for a short
            // option inside a group): either way argv[optind - 1] shows what was typed.
            error = std::string("option '") + argv[optind - 1] + "' is not known or lacks its value";
            return false;
        }
        if (!take(*spec, std::string(optarg ? optarg : ""))) return false;
    }
    if (operands) {
        for (int i = optind; i < argc; ++i) operands->push_back(argv[i]);
    } else if (optind < argc) {
        error = std::string("unexpected argument '") + argv[optind] + "'";
        return false;
    }
    return true;
}

// read_command_line for a table of OptionSpec: each value goes to its spec's apply.
template <class Options>
[[nodiscard]] bool read_options(int argc, char** argv, const std::vector<OptionSpec<Options>>& table, Options& out,
                                std::string& error, std::vector<std::string>* operands = nullptr) {
    return read_command_line(
        argc, argv, table, [&](const OptionSpec<Options>& s, const std::string& v) { return s.apply(out, v, error); },
        error, operands);
}

// A number option's value: the whole of `text` a finite number from `lo` to `hi`, into
// `out`; false (and `out` untouched) otherwise, for the caller to say which option wants what.
inline bool parse_number(const std::string& text, double lo, double hi, double& out) {
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !std::isfinite(d) || d < lo || d > hi) return false;
    out = d;
    return true;
}

// A count option's value: a whole number from `lo` to `hi` into `out`; false otherwise
// with `error` saying so ("NAME must be a whole number from LO to HI, not 'TEXT'").
inline bool parse_count(const std::string& text, const char* name, std::size_t lo, std::size_t hi, std::size_t& out,
                        std::string& error) {
    double d = 0;
    if (parse_number(text, static_cast<double>(lo), static_cast<double>(hi), d) && d == std::floor(d))
        return out = static_cast<std::size_t>(d), true;
    error = std::string(name) + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
            ", not '" + text + "'";
    return false;
}

// "  -l, --listen HOST:PORT        help", one line an option (long names wrap).
template <class Spec> std::string options_help(const std::vector<Spec>& table) {
    std::string out;
    for (const Spec& s : table) {
        std::string left = std::string("  ") + (s.short_name ? std::string("-") + s.short_name + ", " : "    ") + "--" +
                           s.name + (s.arg ? std::string(" ") + s.arg : "");
        if (left.size() < 32) left.resize(32, ' ');
        else left += "\n" + std::string(32, ' ');
        out += left + s.help + "\n";
    }
    return out;
}

}  // namespace nlchat
