// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's settings as a table: each entry is a command-line option and, when marked,
// a config-file key of the same name, with its help text and how it is applied. --help,
// the getopt table and the config reader are all built from this one list.
#pragma once

#include <string>
#include <vector>

#include "server/server.h"

namespace nlchat {

struct ServerOptions {
    ServerSettings settings;
    std::string config_file;
    bool help = false, version = false;
};

// Parses argv (and the config file it names, whose values the command line overrides).
// On failure returns false with a sentence in `error`.
[[nodiscard]] bool parse_server_options(int argc, char** argv, ServerOptions& out, std::string& error);

// Reads an INI config file into `settings`.
[[nodiscard]] bool load_server_config(const std::string& path, ServerSettings& settings, std::string& error);

std::string server_usage();

}  // namespace nlchat
