// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the service bus codec: any JSON text either fails to parse, reads
// as an unknown or invalid line with a reason, or gives a line that writes back to JSON
// and reads back to the same line (reader and writer share one field table).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/codec/bus_line.h"
#include "core/codec/json_util.h"

using namespace nlchat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string error;
    auto object = parse_json_object(std::string_view(reinterpret_cast<const char*>(data), size), error);
    if (!object) return error.empty() ? (std::abort(), 0) : 0;
    ParsedBusLine parsed = parse_bus_line(*object);
    if (parsed.kind == ParsedBusLine::Kind::Invalid && parsed.error.empty()) std::abort();
    if (parsed.kind != ParsedBusLine::Kind::Ok) return 0;
    if (parsed.type != std::visit([](const auto& l) { return std::string(l.kType); }, *parsed.value)) std::abort();
    Json::Value written = bus_json(*parsed.value);
    auto reread = parse_json_object(write_json(written), error);
    if (!reread) std::abort();
    ParsedBusLine again = parse_bus_line(*reread);
    if (again.kind != ParsedBusLine::Kind::Ok || !(bus_json(*again.value) == written)) std::abort();
    return 0;
}
