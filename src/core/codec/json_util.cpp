// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/json_util.h"

#include <memory>
#include <sstream>

#include "core/codec/base64.h"
#include "core/codec/utf8.h"

namespace nlchat {
namespace {

// Building a reader or writer parses its settings; doing it once per thread keeps the
// per-packet cost low and stays safe when the libuv pool parses in parallel.
Json::CharReader& strict_reader() {
    thread_local std::unique_ptr<Json::CharReader> reader = [] {
        Json::CharReaderBuilder builder;
        Json::CharReaderBuilder::strictMode(&builder.settings_);
        builder["stackLimit"] = 64;
        return std::unique_ptr<Json::CharReader>(builder.newCharReader());
    }();
    return *reader;
}

Json::StreamWriter& compact_writer() {
    thread_local std::unique_ptr<Json::StreamWriter> writer = [] {
        Json::StreamWriterBuilder builder;
        builder["indentation"] = "";
        builder["emitUTF8"] = false;
        return std::unique_ptr<Json::StreamWriter>(builder.newStreamWriter());
    }();
    return *writer;
}

}  // namespace

std::optional<Json::Value> parse_json_object(std::string_view text, std::string& error) {
    if (!is_valid_utf8(text)) {
        error = "invalid UTF-8";
        return std::nullopt;
    }
    Json::Value root;
    std::string errs;
    bool ok;
    try {
        ok = strict_reader().parse(text.data(), text.data() + text.size(), &root, &errs);
    } catch (const std::exception& e) {
        // jsoncpp throws, rather than failing, when nesting exceeds stackLimit.
        ok = false;
        errs = e.what();
    }
    if (!ok) {
        // jsoncpp's messages span lines; the first line says what went wrong.
        error = "invalid JSON: " + errs.substr(0, errs.find('\n'));
        return std::nullopt;
    }
    if (!root.isObject()) {
        error = "JSON is not an object";
        return std::nullopt;
    }
    return root;
}

std::string write_json(const Json::Value& value) {
    // One stream per thread, emptied before each use: building an ostringstream (its
    // locale above all) cost more than writing a short command into it, and on a quiet
    // server every line is written from cold caches.
    thread_local std::ostringstream out;
    out.str(std::string());
    out.clear();
    compact_writer().write(value, &out);
    return out.str();
}

std::optional<std::string> base64_field(const Json::Value& obj, const char* name, std::size_t bytes) {
    if (!obj.isObject() || !obj[name].isString()) return std::nullopt;
    auto raw = base64_decode(obj[name].asString());
    if (!raw || raw->size() != bytes) return std::nullopt;
    return raw;
}

}  // namespace nlchat
