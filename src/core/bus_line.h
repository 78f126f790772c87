// The service bus's lines (nlchat-protocol(7), SERVICE BUS), built in one place: the server, the
// demo's callers, nlchat-caller and the benchmark all write the same shapes.
#pragma once

#include <json/json.h>

#include <string>
#include <vector>

#include "core/command.h"  // Direction

namespace nlchat {

// {"type":"service_online","service":NAME,"chat_states":B}, a service's first line.
Json::Value bus_service_online(const std::string& service, bool chat_states);
// {"type":"probeACK"}, a service's answer to nlchatd's {"type":"probe"}.
Json::Value bus_probe_ack();
// {"type":"status","status":S}, the service's presence ("Connected").
Json::Value bus_status(const std::string& status);
// {"type":"msg","address":A,"msg":[texts],"I/O":"in"|"out"}
Json::Value bus_msg(const std::string& address, const std::vector<std::string>& texts, Direction io);
// {"type":"chat_state","address":A,"state":S,"I/O":...}
Json::Value bus_chat_state(const std::string& address, const std::string& state, Direction io);
// {"type":"disassociate","address":A}
Json::Value bus_disassociate(const std::string& address);

}  // namespace nlchat
