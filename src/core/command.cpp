#include "core/command.h"

#include <cmath>
#include <utility>

#include "core/utf8.h"

namespace nlchat {
namespace {

// Reads the fields a command lists from a JSON object, keeping the first error.
class FieldReader {
public:
    explicit FieldReader(const Json::Value& object) : object_(object) {}
    const std::string& error() const { return error_; }

    void operator()(const char* name, std::string& out, Presence presence = Presence::Required) {
        const Json::Value* v = find(name, presence);
        if (v && check_string(name, *v)) out = v->asString();
    }
    void operator()(const char* name, std::optional<std::string>& out) {
        const Json::Value* v = find(name, Presence::Optional);
        if (v && check_string(name, *v)) out = v->asString();
    }
    void operator()(const char* name, std::int64_t& out) {
        const Json::Value* v = find(name, Presence::Required);
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
    void operator()(const char* name, std::optional<double>& out) {
        const Json::Value* v = find(name, Presence::Optional);
        if (!v) return;
        if (v->isNumeric() && std::isfinite(v->asDouble())) out = v->asDouble();
        else fail(name, "a number");
    }
    void operator()(const char* name, Direction& out) {
        const Json::Value* v = find(name, Presence::Required);
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

private:
    const Json::Value* find(const char* name, Presence presence) {
        if (!error_.empty()) return nullptr;
        const Json::Value* v = object_.find(name, name + std::char_traits<char>::length(name));
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
    std::string error_;
};

// Writes the fields a command lists into a JSON object.
class FieldWriter {
public:
    explicit FieldWriter(Json::Value& object) : object_(object) {}

    void operator()(const char* name, const std::string& v, Presence = Presence::Required) { object_[name] = v; }
    void operator()(const char* name, const std::optional<std::string>& v) {
        if (v) object_[name] = *v;
    }
    void operator()(const char* name, std::int64_t v) { object_[name] = Json::Int64(v); }
    void operator()(const char* name, const std::optional<double>& v) {
        if (v) object_[name] = *v;
    }
    void operator()(const char* name, Direction v) { object_[name] = direction_name(v); }
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

private:
    Json::Value& object_;
};

template <class T> void read_as(const Json::Value& object, ParsedCommand& out) {
    T command;
    FieldReader reader(object);
    command.fields(reader);
    if (!reader.error().empty()) {
        out.kind = ParsedCommand::Kind::Invalid;
        out.error = out.type + ": " + reader.error();
        return;
    }
    out.kind = ParsedCommand::Kind::Ok;
    out.command = std::move(command);
}

// Tries each alternative of Command in turn, matching its kType against `type`.
template <size_t... I> bool read_by_type(const Json::Value& object, ParsedCommand& out, std::index_sequence<I...>) {
    return ((out.type == std::variant_alternative_t<I, Command>::kType
                 ? (read_as<std::variant_alternative_t<I, Command>>(object, out), true)
                 : false) ||
            ...);
}

}  // namespace

const char* direction_name(Direction io) { return io == Direction::In ? "in" : "out"; }

ParsedCommand parse_command(const Json::Value& object) {
    ParsedCommand out;
    if (!object.isObject()) {
        out.error = "command is not a JSON object";
        return out;
    }
    static constexpr std::string_view kTypeKey = "type";
    const Json::Value* type = object.find(kTypeKey.data(), kTypeKey.data() + kTypeKey.size());
    if (!type || !type->isString() || !is_valid_utf8(type->asString())) {
        out.error = "command has no \"type\" string";
        return out;
    }
    out.type = type->asString();
    if (!read_by_type(object, out, std::make_index_sequence<std::variant_size_v<Command>>{}))
        out.kind = ParsedCommand::Kind::Unknown;
    return out;
}

Json::Value to_json(const Command& command) {
    Json::Value object(Json::objectValue);
    std::visit(
        [&object](const auto& c) {
            object["type"] = c.kType;
            FieldWriter writer(object);
            // fields() is shared with the reader and so not const; the writer only reads.
            const_cast<std::decay_t<decltype(c)>&>(c).fields(writer);
        },
        command);
    return object;
}

namespace {
template <class T, class = void> struct HasUuid : std::false_type {};
template <class T> struct HasUuid<T, std::void_t<decltype(std::declval<T>().uuid)>> : std::true_type {};
}  // namespace

const std::string* command_uuid(const Command& command) {
    return std::visit(
        [](const auto& c) -> const std::string* {
            if constexpr (HasUuid<std::decay_t<decltype(c)>>::value) return &c.uuid;
            else return nullptr;
        },
        command);
}

std::string command_type(const Command& command) {
    return std::visit([](const auto& c) { return std::string(c.kType); }, command);
}

}  // namespace nlchat
