#include "core/bus_line.h"

namespace nlchat {

Json::Value bus_service_online(const std::string& service, bool chat_states) {
    Json::Value line(Json::objectValue);
    line["type"] = "service_online";
    line["service"] = service;
    line["chat_states"] = chat_states;
    return line;
}

Json::Value bus_probe_ack() {
    Json::Value line(Json::objectValue);
    line["type"] = "probeACK";
    return line;
}

Json::Value bus_status(const std::string& status) {
    Json::Value line(Json::objectValue);
    line["type"] = "status";
    line["status"] = status;
    return line;
}

Json::Value bus_msg(const std::string& address, const std::vector<std::string>& texts, Direction io) {
    Json::Value line(Json::objectValue);
    line["type"] = "msg";
    line["address"] = address;
    line["msg"] = Json::Value(Json::arrayValue);
    for (const auto& t : texts) line["msg"].append(t);
    line["I/O"] = direction_name(io);
    return line;
}

Json::Value bus_chat_state(const std::string& address, const std::string& state, Direction io) {
    Json::Value line(Json::objectValue);
    line["type"] = "chat_state";
    line["address"] = address;
    line["state"] = state;
    line["I/O"] = direction_name(io);
    return line;
}

Json::Value bus_disassociate(const std::string& address) {
    Json::Value line(Json::objectValue);
    line["type"] = "disassociate";
    line["address"] = address;
    return line;
}

}  // namespace nlchat
