#include "core/bus_line.h"

#include <catch2/catch.hpp>

#include "core/json_util.h"

using namespace nlchat;

TEST_CASE("service bus lines have the shapes nlchat-protocol(7) gives", "[bus]") {
    CHECK(write_json(bus_msg("c1", {"hi", "there"}, Direction::In)) ==
          R"({"I/O":"in","address":"c1","msg":["hi","there"],"type":"msg"})");
    CHECK(write_json(bus_chat_state("c1", "composing", Direction::Out)) ==
          R"({"I/O":"out","address":"c1","state":"composing","type":"chat_state"})");
    CHECK(write_json(bus_disassociate("c1")) == R"({"address":"c1","type":"disassociate"})");
    CHECK(write_json(bus_service_online("Web", true)) ==
          R"({"chat_states":true,"service":"Web","type":"service_online"})");
    CHECK(write_json(bus_probe_ack()) == R"({"type":"probeACK"})");
    CHECK(write_json(bus_status("Connected")) == R"({"status":"Connected","type":"status"})");
}
