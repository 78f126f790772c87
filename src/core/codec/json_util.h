// SPDX-License-Identifier: GPL-3.0-or-later
// Strict JSON reading and compact writing with jsoncpp.
//
// Every JSON text nlchat receives is read with the same strict settings: one object at
// the root, no comments, no trailing garbage, no duplicate keys, bounded nesting, and
// valid UTF-8 (checked here, since jsoncpp does not). Written JSON is compact and pure
// ASCII (non-ASCII escaped as \uXXXX), as Python's json.dumps writes it.
#pragma once

#include <json/json.h>

#include <optional>
#include <string>
#include <string_view>

namespace nlchat {

// Parses one JSON object. On failure returns nullopt and sets `error`.
[[nodiscard]] std::optional<Json::Value> parse_json_object(std::string_view text, std::string& error);

// Compact single-line JSON (no newline at the end).
std::string write_json(const Json::Value& value);
// A field holding the base64 of exactly `bytes` bytes (the v2 session's keys, ids and
// MACs), decoded; nothing when it is missing, not base64, or of another length.
std::optional<std::string> base64_field(const Json::Value& obj, const char* name, std::size_t bytes);

}  // namespace nlchat
