// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for command parsing: any JSON text either fails to parse, parses as
// an unknown or invalid command with a reason, or gives a command that writes back to
// JSON and reads back to the same command (reader and writer agree on every field).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/codec/command.h"
#include "core/codec/json_util.h"

using namespace nlchat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string error;
    auto object = parse_json_object(std::string_view(reinterpret_cast<const char*>(data), size), error);
    if (!object) {
        if (error.empty()) std::abort();
        return 0;
    }
    ParsedCommand parsed = parse_command(*object);
    if (parsed.kind == ParsedCommand::Kind::Invalid && parsed.error.empty()) std::abort();
    if (parsed.kind != ParsedCommand::Kind::Ok) return 0;
    Json::Value written = to_json(*parsed.command);
    std::string text = write_json(written);
    auto reread = parse_json_object(text, error);
    if (!reread) std::abort();
    ParsedCommand again = parse_command(*reread);
    if (again.kind != ParsedCommand::Kind::Ok || !(to_json(*again.command) == written)) std::abort();
    return 0;
}
