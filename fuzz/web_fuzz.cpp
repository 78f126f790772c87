// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for nlchat-web's session table: any sequence of pages connecting,
// sending frames and leaving, bus lines from nlchatd and time passing must leave it
// consistent: no exception, no crash, every frame it sends a page reads back under the
// page protocol's own field table (web/page_frame.h), every line it puts on the bus reads
// back under the bus's, a frame a page sends that the table reads writes back the same,
// and it never holds more sessions than its limit.
//
// Input: lines. The first byte of a line picks the event:
//   'o' N       page connection N (a digit) opens, from source N % 3
//   'f' N TEXT  connection N sends TEXT as one WebSocket message
//   'c' N       connection N closes
//   'b' JSON    a line from the bus; "$K" in it stands for the K-th address the table
//               used on the bus (so the fuzzer can name live chats)
//   digit       time passes (digit x 7 s)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/codec/bus_line.h"
#include "core/codec/json_util.h"
#include "web/page_frame.h"
#include "web/web_sessions.h"

using namespace nlchat;

namespace {

struct Checks : WebSessions::Effects {
    std::vector<std::string> addresses;
    int counter = 0;
    void send(WebSessions::ConnId, const std::string& frame) override {
        std::string error;
        auto v = parse_json_object(frame, error);
        if (!v || parse_server_frame(*v).kind != Typed<ServerFrame>::Kind::Ok) std::abort();
    }
    void close(WebSessions::ConnId, const std::string&) override {}
    bool bus(const BusLine& typed) override {
        // Everything nlchat-web writes must read back as what it was.
        const Json::Value line = bus_json(typed);
        if (parse_bus_line(line).kind != ParsedBusLine::Kind::Ok) std::abort();
        if (line["address"].isString()) addresses.push_back(line["address"].asString());
        return counter % 7 != 3;  // now and then the bus cannot hold a line
    }
    std::string random_hex(std::size_t bytes) override {
        std::string s = std::to_string(++counter);
        return std::string(bytes * 2 > s.size() ? bytes * 2 - s.size() : 0, '0') + s;
    }
    void log(LogLevel, const std::string&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    WebConfig config;
    config.max_sessions = 4;
    config.sessions_per_source = 2;
    config.messages_per_minute = 5;
    config.max_message_chars = 20;
    config.max_transcript_bytes = 600;
    config.grace = 20;
    Checks fx;
    WebSessions web(config, fx);
    double now = 100;
    std::string input(reinterpret_cast<const char*>(data), size);
    size_t pos = 0;
    while (pos < input.size()) {
        size_t end = input.find('\n', pos);
        if (end == std::string::npos) end = input.size();
        std::string line = input.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        char op = line[0];
        WebSessions::ConnId conn = line.size() > 1 ? static_cast<unsigned char>(line[1]) % 10 : 0;
        if (op == 'o') {
            web.opened(conn, std::to_string(conn % 3), now);
        } else if (op == 'f') {
            std::string frame = line.size() > 2 ? line.substr(2) : "";
            std::string error;
            if (auto v = parse_json_object(frame, error)) {
                ParsedPageFrame p = parse_page_frame(*v);
                if (p.kind == ParsedPageFrame::Kind::Ok) {
                    Json::Value written = write_typed(*p.value, kPageTypeKey);
                    ParsedPageFrame again = parse_page_frame(written);
                    if (!again.value || !(write_typed(*again.value, kPageTypeKey) == written)) std::abort();
                }
            }
            web.frame(conn, frame, now);
        } else if (op == 'c') {
            web.closed(conn, now);
        } else if (op == 'b') {
            std::string text = line.substr(1);
            // Substitutes left to right, never inside what it put in (an address the
            // table echoed back may itself hold a '$').
            for (size_t at = text.find('$'); at != std::string::npos && at + 1 < text.size() && !fx.addresses.empty();
                 at = text.find('$', at)) {
                const std::string& address =
                    fx.addresses[static_cast<unsigned char>(text[at + 1]) % fx.addresses.size()];
                text.replace(at, 2, address);
                at += address.size();
            }
            std::string error;
            if (auto v = parse_json_object(text, error)) {
                // As the bus link hands lines over: only what the codec reads.
                ParsedBusLine parsed = parse_bus_line(*v);
                if (parsed.value) web.bus_line(*parsed.value);
            }
        } else if (op >= '0' && op <= '9') {
            now += (op - '0') * 7;
            web.tick(now);
        }
        if (web.sessions() > config.max_sessions) std::abort();
    }
    web.shutdown();
    if (web.sessions() != 0) std::abort();
    return 0;
}
