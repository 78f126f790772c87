// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/bus_link.h"

#include <algorithm>

#include "core/codec/bus_line.h"
#include "core/codec/json_util.h"

namespace nlchat::net {
namespace {

// The longest line nlchatd sends a service is a msg with its bounded texts; this leaves
// room for escapes.
constexpr std::size_t kMaxBusLine = 1 << 20;

}  // namespace

BusLink::BusLink(Loop& loop, std::string socket_path, std::string service, std::size_t max_queue, Handlers h,
                 bool chat_states)
    : socket_path_(std::move(socket_path)),
      service_(std::move(service)),
      chat_states_(chat_states),
      max_queue_(max_queue),
      handlers_(std::move(h)),
      redialer_(loop, kMaxBusLine, {std::nullopt, socket_path_}, {0.25, 5, 0.2, false},
                {[this](std::unique_ptr<LineStream> s) { connected(std::move(s)); },
                 [this](const std::string& err, double) {
                     if (told_down_) return;  // said once per outage, not at every retry
                     told_down_ = true;
                     handlers_.on_state(false, "cannot reach nlchatd at '" + socket_path_ + "': " + err);
                 }}),
      welcome_timer_(loop) {}

BusLink::~BusLink() { redialer_.stop(); }

void BusLink::start() {
    if (!stopped_) redialer_.dial();
}

void BusLink::connected(std::unique_ptr<LineStream> stream) {
    stream_ = std::move(stream);
    redialer_.reset();
    told_down_ = false;
    LineStream::Handlers h;
    h.on_line = [this](std::string_view text) { line(text); };
    h.on_close = [this](const std::string& why) { lost(why); };
    stream_->start(std::move(h));
    stream_->write_line(write_json(bus_service_online(service_, chat_states_, /*acks=*/true)));
    stream_->write_line(write_json(bus_status("Connected")));
    written_ = 0;  // nothing written to the old link counts
    acks_ = false;
    awaiting_welcome_ = true;
    welcome_timer_.start(1, [this] {
        if (!awaiting_welcome_) return;
        awaiting_welcome_ = false;
        handlers_.on_state(true, "nlchatd does not acknowledge lines (an older version): messages go best effort");
        flush();
    });
    handlers_.on_state(true, "connected to nlchatd at '" + socket_path_ + "' as service " + service_);
}

void BusLink::lost(const std::string& why) {
    // LineStream allows being destroyed from inside its own callback.
    stream_.reset();
    handlers_.on_state(false, "the bus connection ended: " + why);
    told_down_ = true;
    if (!stopped_) redialer_.dial();  // at once; waits only if that fails
}

void BusLink::line(std::string_view text) {
    std::string error;
    auto v = parse_json_object(text, error);
    if (!v) return;  // nlchatd only sends JSON; anything else is ignored rather than fatal
    ParsedBusLine p = parse_bus_line(*v);
    if (p.value && std::holds_alternative<BusProbe>(*p.value)) {
        stream_->write_line(write_json(bus_probe_ack()));
        return;
    }
    if (auto* welcome = p.value ? std::get_if<BusWelcome>(&*p.value) : nullptr) {
        awaiting_welcome_ = false;
        welcome_timer_.stop();
        acks_ = welcome->acks;
        return flush();
    }
    if (auto* ack = p.value ? std::get_if<BusAck>(&*p.value) : nullptr) {
        for (std::size_t i = 0; i < written_; ++i)
            if (outbox_[i].id == ack->id) {
                outbox_.erase(outbox_.begin() + static_cast<std::ptrdiff_t>(i));
                --written_;
                break;
            }
        return handlers_.on_line(*v);  // the sessions say "delivered" on the page
    }
    auto* msg = p.value ? std::get_if<BusMsg>(&*p.value) : nullptr;
    if (msg && msg->id && !seen_.add(*msg->id)) {
        stream_->write_line(write_json(bus_json(BusAck{*msg->id})));  // taken before: only the ack again
        return;
    }
    std::string id = msg && msg->id ? *msg->id : std::string();
    handlers_.on_line(*v);
    if (!id.empty() && stream_) stream_->write_line(write_json(bus_json(BusAck{id})));
}

bool BusLink::write(const Json::Value& value) {
    if (outbox_.size() >= max_queue_) return false;
    std::string id = value["type"] == BusMsg::kType && value["id"].isString() ? value["id"].asString() : "";
    outbox_.push_back({std::move(id), write_json(value)});
    flush();
    return true;
}

void BusLink::flush() {
    // In order; a failed write means the stream just closed (lost() ran) and what is left
    // goes when the link is back.
    if (awaiting_welcome_) return;
    while (stream_ && written_ < outbox_.size()) {
        auto it = outbox_.begin() + static_cast<std::ptrdiff_t>(written_);
        if (!stream_->write_line(it->text)) return;
        if (it->id.empty() || !acks_) outbox_.erase(it);
        else ++written_;
    }
}

void BusLink::stop() {
    stopped_ = true;
    redialer_.close();
    welcome_timer_.close();
    awaiting_welcome_ = false;
    flush();  // what waits goes out before the close (best effort: no more acks will come)
    if (stream_) stream_->close(true);
}

}  // namespace nlchat::net
