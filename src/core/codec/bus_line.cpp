// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/bus_line.h"

namespace nlchat {

ParsedBusLine parse_bus_line(const Json::Value& line) { return parse_typed<BusLine>(line); }
Json::Value bus_json(const BusLine& line) { return write_typed(line); }

const std::string* bus_address(const BusLine& line) {
    if (auto* m = std::get_if<BusMsg>(&line)) return &m->address;
    if (auto* s = std::get_if<BusChatState>(&line)) return &s->address;
    if (auto* d = std::get_if<BusDisassociate>(&line)) return &d->address;
    return nullptr;
}

Json::Value bus_service_online(const std::string& service, bool chat_states, bool acks) {
    return write_message(BusServiceOnline{service, chat_states, acks ? std::optional<bool>(true) : std::nullopt});
}
Json::Value bus_probe_ack() { return write_message(BusProbeAck{}); }
Json::Value bus_status(const std::string& status) { return write_message(BusStatus{status}); }
Json::Value bus_msg(const std::string& address, const std::vector<std::string>& texts, Direction io) {
    return write_message(BusMsg{address, texts, io, std::nullopt, std::nullopt});
}
Json::Value bus_chat_state(const std::string& address, const std::string& state, Direction io) {
    return write_message(BusChatState{address, state, io});
}
Json::Value bus_disassociate(const std::string& address) { return write_message(BusDisassociate{address}); }

}  // namespace nlchat
