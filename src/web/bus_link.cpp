// SPDX-License-Identifier: GPL-3.0-or-later
#include "web/bus_link.h"

#include <algorithm>

#include "core/bus_line.h"
#include "core/json_util.h"

namespace nlchat {
namespace {

// The longest line nlchatd sends a service is a msg with its bounded texts; this leaves
// room for escapes.
constexpr std::size_t kMaxBusLine = 1 << 20;

}  // namespace

BusLink::BusLink(net::Loop& loop, std::string socket_path, std::string service, std::size_t max_queue, Handlers h)
    : socket_path_(std::move(socket_path)),
      service_(std::move(service)),
      max_queue_(max_queue),
      handlers_(std::move(h)),
      redialer_(loop, kMaxBusLine, {std::nullopt, socket_path_}, {0.25, 5, 0.2, false},
                {[this](std::unique_ptr<net::LineStream> s) { connected(std::move(s)); },
                 [this](const std::string& err, double) {
                     if (told_down_) return;  // said once per outage, not at every retry
                     told_down_ = true;
                     handlers_.on_state(false, "cannot reach nlchatd at '" + socket_path_ + "': " + err + "; retrying");
                 }}) {}

BusLink::~BusLink() { redialer_.stop(); }

void BusLink::start() {
    if (!stopped_) redialer_.dial();
}

void BusLink::connected(std::unique_ptr<net::LineStream> stream) {
    stream_ = std::move(stream);
    redialer_.reset();
    told_down_ = false;
    net::LineStream::Handlers h;
    h.on_line = [this](std::string_view text) { line(text); };
    h.on_close = [this](const std::string& why) { lost(why); };
    stream_->start(std::move(h));
    stream_->write_line(write_json(bus_service_online(service_, true)));
    stream_->write_line(write_json(bus_status("Connected")));
    while (stream_ && !queue_.empty()) {
        stream_->write_line(queue_.front());
        queue_.pop_front();
    }
    handlers_.on_state(true, "connected to nlchatd at '" + socket_path_ + "' as service " + service_);
}

void BusLink::lost(const std::string& why) {
    // LineStream allows being destroyed from inside its own callback.
    stream_.reset();
    handlers_.on_state(false, "the bus connection ended (" + why + "); redialling");
    told_down_ = true;
    if (!stopped_) redialer_.dial();  // at once; waits only if that fails
}

void BusLink::line(std::string_view text) {
    std::string error;
    auto v = parse_json_object(text, error);
    if (!v) return;  // nlchatd only sends JSON; anything else is ignored rather than fatal
    if (ParsedBusLine p = parse_bus_line(*v); p.value && std::holds_alternative<BusProbe>(*p.value)) {
        stream_->write_line(write_json(bus_probe_ack()));
        return;
    }
    handlers_.on_line(*v);
}

bool BusLink::write(const Json::Value& value) {
    std::string text = write_json(value);
    // A failed write means the stream just closed (lost() ran): the line is held instead.
    if (stream_ && queue_.empty() && stream_->write_line(text)) return true;
    if (queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(text));
    return true;
}

void BusLink::stop() {
    stopped_ = true;
    redialer_.close();
    if (stream_) stream_->close(true);
}

}  // namespace nlchat
