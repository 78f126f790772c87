// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/command.h"

#include <utility>

namespace nlchat {

const char* direction_name(Direction io) { return io == Direction::In ? "in" : "out"; }

ParsedCommand parse_command(const Json::Value& object) {
    Typed<Command> typed = parse_typed<Command>(object);
    ParsedCommand out;
    out.kind = typed.kind == Typed<Command>::Kind::Ok        ? ParsedCommand::Kind::Ok
               : typed.kind == Typed<Command>::Kind::Unknown ? ParsedCommand::Kind::Unknown
                                                             : ParsedCommand::Kind::Invalid;
    // The generic reader's first two errors are about the whole value; say what it was.
    if (!object.isObject()) out.error = "command is not a JSON object";
    else if (typed.type.empty()) out.error = "command has no \"type\" string";
    else out.error = std::move(typed.error);
    out.type = std::move(typed.type);
    out.command = std::move(typed.value);
    return out;
}

Json::Value to_json(const Command& command) { return write_typed(command); }

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
