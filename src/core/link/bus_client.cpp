// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/bus_client.h"

#include "core/codec/json_util.h"

namespace nlchat {

bool BusClient::write(const std::string& line) {
    if (!up_) return false;
    if (effects_.write(line)) return true;
    link_down();  // the link just closed; what is left goes when it is back
    return false;
}

void BusClient::link_up(const Now& now) {
    up_ = true;
    written_ = 0;  // nothing written to the old link counts
    acks_ = false;
    welcome_due_ = now.mono + kWelcomeWait;
    write(write_json(bus_service_online(service_, chat_states_, /*acks=*/true)));
    write(write_json(bus_status("Connected")));
}

void BusClient::link_down() {
    up_ = false;
    written_ = 0;
    welcome_due_.reset();
}

void BusClient::tick(const Now& now) {
    if (!welcome_due_ || now.mono < *welcome_due_) return;
    welcome_due_.reset();
    effects_.note("nlchatd does not acknowledge lines (an older version): messages go best effort");
    flush();
}

std::optional<double> BusClient::next_deadline() const { return welcome_due_; }

void BusClient::received(std::string_view text, const Now&) {
    std::string error;
    auto v = parse_json_object(text, error);
    if (!v) return;  // nlchatd only sends JSON; anything else is ignored rather than fatal
    ParsedBusLine p = parse_bus_line(*v);
    if (!p.value) return;  // nor does it send what the codec cannot read
    const BusLine& line = *p.value;
    if (std::holds_alternative<BusProbe>(line)) {
        write(write_json(bus_probe_ack()));
        return;
    }
    if (auto* welcome = std::get_if<BusWelcome>(&line)) {
        welcome_due_.reset();
        acks_ = welcome->acks;
        return flush();
    }
    if (auto* ack = std::get_if<BusAck>(&line)) {
        for (std::size_t i = 0; i < written_; ++i)
            if (outbox_[i].id == ack->id) {
                outbox_.erase(outbox_.begin() + static_cast<std::ptrdiff_t>(i));
                --written_;
                break;
            }
        return effects_.line(line);  // the service says "taken" to its caller
    }
    auto* msg = std::get_if<BusMsg>(&line);
    if (msg && msg->id && !seen_.add(*msg->id)) {
        write(write_json(bus_json(BusAck{*msg->id})));  // taken before: only the ack again
        return;
    }
    const std::string id = msg && msg->id ? *msg->id : std::string();
    effects_.line(line);
    if (!id.empty()) write(write_json(bus_json(BusAck{id})));
}

bool BusClient::send(const BusLine& line) {
    if (outbox_.size() >= max_queue_) return false;
    const auto* msg = std::get_if<BusMsg>(&line);
    outbox_.push_back({msg && msg->id ? *msg->id : std::string(), write_json(bus_json(line))});
    flush();
    return true;
}

void BusClient::flush() {
    if (welcome_due_) return;
    while (up_ && written_ < outbox_.size()) {
        auto it = outbox_.begin() + static_cast<std::ptrdiff_t>(written_);
        if (!write(it->text)) return;
        if (it->id.empty() || !acks_) outbox_.erase(it);
        else ++written_;
    }
}

void BusClient::stop() {
    welcome_due_.reset();
    flush();
}

}  // namespace nlchat
