// SPDX-License-Identifier: GPL-3.0-or-later
// One reader and one writer for every JSON protocol nlchat speaks: the operator commands
// (core/codec/command.h), the service bus (core/codec/bus_line.h) and the web page's frames
// (web/page_frame.h). Each message is a struct with a `kType` and a `fields()` that lists
// its fields once with their wire names; FieldReader and FieldWriter walk that list, so a
// protocol's parser and writer cannot drift apart and adding a field is one line.
//
// Reading is strict about what it reads (a field of the wrong JSON type, a string that is
// not UTF-8, or a missing required field is an error naming the field) and lenient about
// what it does not (unknown fields are ignored, as every protocol here says). Nothing
// throws. `parse_typed` picks the struct by its type field (`type`, or the page protocol's
// `t`) among a std::variant's alternatives; `write_typed` writes any alternative back.
#pragma once

#include <json/json.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/codec/utf8.h"

namespace nlchat {

// `In` is towards a client (operator) or from a caller, `Out` the other way.
enum class Direction { In, Out };
const char* direction_name(Direction io);

// Whether a field may be absent from a received message. Absent optional fields keep
// their default; written messages always carry every field that has a value.
enum class Presence { Required, Optional };

struct ServiceStatus {
    std::string name;
    std::string status;
};

// Reads the fields a message lists from a JSON object, keeping the first error.
class FieldReader {
public:
    // `null_is_absent`: an optional field that is null counts as absent (the page's
    // JSON.stringify writes a missing token so); the other protocols refuse null.
    explicit FieldReader(const Json::Value& object, bool null_is_absent = false)
        : object_(object), null_is_absent_(null_is_absent) {}
    const std::string& error() const { return error_; }

    void operator()(const char* name, std::string& out, Presence presence = Presence::Required) {
        const Json::Value* v = find(name, presence);
        if (v && check_string(name, *v)) out = v->asString();
    }
    void operator()(const char* name, std::optional<std::string>& out) {
        const Json::Value* v = find(name, Presence::Optional);
        if (v && check_string(name, *v)) out = v->asString();
    }
    void operator()(const char* name, bool& out, Presence presence = Presence::Required) {
        const Json::Value* v = find(name, presence);
        if (!v) return;
        if (v->isBool()) out = v->asBool();
        else fail(name, "true or false");
    }
    void operator()(const char* name, std::optional<bool>& out) {
        bool value = false;
        if (find(name, Presence::Optional)) {
            (*this)(name, value, Presence::Optional);
            if (error_.empty()) out = value;
        }
    }
    void operator()(const char* name, std::int64_t& out, Presence presence = Presence::Required) {
        const Json::Value* v = find(name, presence);
        if (!v) return;
        if (v->isInt64()) {
            out = v->asInt64();
        } else if (v->isString() && is_decimal(v->asString())) {
            // The seed's figure shows "ID":"0"; the value is the same integer.
            out = std::stoll(v->asString());
        } else {
            fail(name, "an integer");
        }
    }
    void operator()(const char* name, std::optional<std::int64_t>& out) {
        std::int64_t value = 0;
        if (find(name, Presence::Optional)) {
            (*this)(name, value, Presence::Optional);
            if (error_.empty()) out = value;
        }
    }
    void operator()(const char* name, std::optional<double>& out) {
        const Json::Value* v = find(name, Presence::Optional);
        if (!v) return;
        if (v->isNumeric() && std::isfinite(v->asDouble())) out = v->asDouble();
        else fail(name, "a number");
    }
    void operator()(const char* name, Direction& out, Presence presence = Presence::Required) {
        const Json::Value* v = find(name, presence);
        if (!v) return;
        if (v->isString() && v->asString() == "in") out = Direction::In;
        else if (v->isString() && v->asString() == "out") out = Direction::Out;
        else fail(name, "\"in\" or \"out\"");
    }
    void operator()(const char* name, std::vector<std::string>& out) {
        const Json::Value* v = find(name, Presence::Required);
        if (!v) return;
        if (v->isString()) {
            // The original client sent its text as a plain string.
            if (check_string(name, *v)) out = {v->asString()};
            return;
        }
        if (!v->isArray()) return fail(name, "a list of strings");
        out.clear();
        for (const Json::Value& item : *v) {
            if (!check_string(name, item)) return;
            out.push_back(item.asString());
        }
    }
    void operator()(const char* name, std::vector<ServiceStatus>& out) {
        const Json::Value* v = find(name, Presence::Required);
        if (!v) return;
        if (!v->isArray()) return fail(name, "a list of {name, status} objects");
        out.clear();
        for (const Json::Value& item : *v) {
            if (!item.isObject() || !item["name"].isString() || !item["status"].isString() ||
                !is_valid_utf8(item["name"].asString()) || !is_valid_utf8(item["status"].asString()))
                return fail(name, "a list of {name, status} objects");
            out.push_back({item["name"].asString(), item["status"].asString()});
        }
    }

    // A list of objects, each a struct that lists its own fields (the shift commands'
    // history and board): read with the same rules, the first error naming the list.
    template <class T, class = decltype(std::declval<T&>().fields(std::declval<FieldReader&>()))>
    void operator()(const char* name, std::vector<T>& out, Presence presence = Presence::Required) {
        const Json::Value* v = find(name, presence);
        if (!v) return;
        if (!v->isArray()) return fail(name, "a list of objects");
        out.clear();
        for (const Json::Value& item : *v) {
            if (!item.isObject()) return fail(name, "a list of objects");
            FieldReader inner(item, null_is_absent_);
            T value;
            value.fields(inner);
            if (!inner.error().empty()) {
                if (error_.empty()) error_ = std::string("in \"") + name + "\": " + inner.error();
                return;
            }
            out.push_back(std::move(value));
        }
    }

private:
    const Json::Value* find(const char* name, Presence presence) {
        if (!error_.empty()) return nullptr;
        const Json::Value* v = object_.find(name, name + std::char_traits<char>::length(name));
        if (v && v->isNull() && presence == Presence::Optional && null_is_absent_) return nullptr;
        if (!v && presence == Presence::Required) error_ = std::string("missing field \"") + name + "\"";
        return v;
    }
    bool check_string(const char* name, const Json::Value& v) {
        if (v.isString() && is_valid_utf8(v.asString())) return true;
        fail(name, "a UTF-8 string");
        return false;
    }
    void fail(const char* name, const char* expected) {
        if (error_.empty()) error_ = std::string("field \"") + name + "\" is not " + expected;
    }
    static bool is_decimal(const std::string& s) {
        if (s.empty() || s.size() > 18) return false;  // 18 digits always fit in int64
        for (char c : s)
            if (c < '0' || c > '9') return false;
        return true;
    }

    const Json::Value& object_;
    bool null_is_absent_;
    std::string error_;
};

// Writes the fields a message lists into a JSON object.
class FieldWriter {
public:
    explicit FieldWriter(Json::Value& object) : object_(object) {}

    void operator()(const char* name, const std::string& v, Presence = Presence::Required) { object_[name] = v; }
    void operator()(const char* name, const std::optional<std::string>& v) {
        if (v) object_[name] = *v;
    }
    void operator()(const char* name, bool v, Presence = Presence::Required) { object_[name] = v; }
    void operator()(const char* name, const std::optional<bool>& v) {
        if (v) object_[name] = *v;
    }
    void operator()(const char* name, std::int64_t v, Presence = Presence::Required) { object_[name] = Json::Int64(v); }
    void operator()(const char* name, const std::optional<std::int64_t>& v) {
        if (v) object_[name] = Json::Int64(*v);
    }
    void operator()(const char* name, const std::optional<double>& v) {
        if (v) object_[name] = *v;
    }
    void operator()(const char* name, Direction v, Presence = Presence::Required) { object_[name] = direction_name(v); }
    void operator()(const char* name, const std::vector<std::string>& v) {
        Json::Value& list = object_[name] = Json::Value(Json::arrayValue);
        for (const auto& s : v) list.append(s);
    }
    void operator()(const char* name, const std::vector<ServiceStatus>& v) {
        Json::Value& list = object_[name] = Json::Value(Json::arrayValue);
        for (const auto& s : v) {
            Json::Value item(Json::objectValue);
            item["name"] = s.name;
            item["status"] = s.status;
            list.append(item);
        }
    }

    template <class T, class = decltype(std::declval<T&>().fields(std::declval<FieldWriter&>()))>
    void operator()(const char* name, const std::vector<T>& v, Presence = Presence::Required) {
        Json::Value& list = object_[name] = Json::Value(Json::arrayValue);
        for (const auto& item : v) {
            Json::Value object(Json::objectValue);
            FieldWriter inner(object);
            const_cast<T&>(item).fields(inner);
            list.append(object);
        }
    }

private:
    Json::Value& object_;
};

// What parse_typed made of one JSON value.
template <class Variant> struct Typed {
    enum class Kind { Ok, Unknown, Invalid };
    Kind kind = Kind::Invalid;
    std::string type;              // the `type` field as received (empty if none)
    std::optional<Variant> value;  // set when kind == Ok
    std::string error;             // set when kind == Invalid: "TYPE: field ... is not ..."
};

namespace detail {
template <class Variant, class T> void read_as(const Json::Value& object, Typed<Variant>& out, bool null_is_absent) {
    T message;
    FieldReader reader(object, null_is_absent);
    message.fields(reader);
    if (!reader.error().empty()) {
        out.kind = Typed<Variant>::Kind::Invalid;
        out.error = out.type + ": " + reader.error();
        return;
    }
    out.kind = Typed<Variant>::Kind::Ok;
    out.value = std::move(message);
}

template <class Variant, std::size_t... I>
bool read_by_type(const Json::Value& object, Typed<Variant>& out, bool null_is_absent, std::index_sequence<I...>) {
    return ((out.type == std::variant_alternative_t<I, Variant>::kType
                 ? (read_as<Variant, std::variant_alternative_t<I, Variant>>(object, out, null_is_absent), true)
                 : false) ||
            ...);
}
}  // namespace detail

// Reads a message of one of Variant's alternatives, chosen by its type field; an object
// without that field as a string is Invalid, a type no alternative has is Unknown.
template <class Variant> [[nodiscard]] Typed<Variant> parse_typed(const Json::Value& object,
                                                                  std::string_view type_key = "type",
                                                                  bool null_is_absent = false) {
    Typed<Variant> out;
    if (!object.isObject()) {
        out.error = "not a JSON object";
        return out;
    }
    const Json::Value* type = object.find(type_key.data(), type_key.data() + type_key.size());
    if (!type || !type->isString() || !is_valid_utf8(type->asString())) {
        out.error = "no \"" + std::string(type_key) + "\" string";
        return out;
    }
    out.type = type->asString();
    if (!detail::read_by_type(object, out, null_is_absent, std::make_index_sequence<std::variant_size_v<Variant>>{}))
        out.kind = Typed<Variant>::Kind::Unknown;
    return out;
}

// Writes one message: its `type`, then every field that has a value.
template <class Message> Json::Value write_message(const Message& message, const char* type_key = "type") {
    Json::Value object(Json::objectValue);
    object[type_key] = Message::kType;
    FieldWriter writer(object);
    // fields() is shared with the reader and so not const; the writer only reads.
    const_cast<Message&>(message).fields(writer);
    return object;
}

template <class Variant> Json::Value write_typed(const Variant& message, const char* type_key = "type") {
    return std::visit([type_key](const auto& m) { return write_message(m, type_key); }, message);
}

}  // namespace nlchat
