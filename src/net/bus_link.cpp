// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/bus_link.h"

namespace nlchat::net {
namespace {

// The longest line nlchatd sends a service is a msg with its bounded texts; this leaves
// room for escapes.
constexpr std::size_t kMaxBusLine = 1 << 20;

Now now() { return Now{monotonic_seconds(), wall_seconds()}; }

}  // namespace

BusLink::BusLink(Loop& loop, std::string socket_path, std::string service, std::size_t max_queue, Handlers h,
                 bool chat_states)
    : socket_path_(std::move(socket_path)),
      service_(std::move(service)),
      handlers_(std::move(h)),
      client_(service_, chat_states, max_queue, *this),
      redialer_(loop, kMaxBusLine, {std::nullopt, socket_path_}, {0.25, 5, 0.2, false},
                {[this](std::unique_ptr<LineStream> s) { connected(std::move(s)); },
                 [this](const std::string& err, double) {
                     if (told_down_) return;  // said once per outage, not at every retry
                     told_down_ = true;
                     handlers_.on_state(false, "cannot reach nlchatd at '" + socket_path_ + "': " + err);
                 }}),
      deadline_(loop) {}

BusLink::~BusLink() { redialer_.stop(); }

void BusLink::start() {
    if (!stopped_) redialer_.dial();
}

void BusLink::connected(std::unique_ptr<LineStream> stream) {
    stream_ = std::move(stream);
    redialer_.reset();
    told_down_ = false;
    LineStream::Handlers h;
    h.on_line = [this](std::string_view text) {
        client_.received(text, now());
        rearm();
    };
    h.on_close = [this](const std::string& why) { lost(why); };
    stream_->start(std::move(h));
    handlers_.on_state(true, "connected to nlchatd at '" + socket_path_ + "' as service " + service_);
    client_.link_up(now());
    rearm();
}

bool BusLink::write(const std::string& line) { return stream_ && stream_->write_line(line); }

void BusLink::lost(const std::string& why) {
    // LineStream allows being destroyed from inside its own callback.
    stream_.reset();
    client_.link_down();
    deadline_.stop();
    handlers_.on_state(false, "the bus connection ended: " + why);
    told_down_ = true;
    if (!stopped_) redialer_.dial();  // at once; waits only if that fails
}

void BusLink::rearm() {
    if (stopped_) return;
    auto at = client_.next_deadline();
    if (!at) return deadline_.stop();
    deadline_.start(std::max(0.0, *at - monotonic_seconds()), [this] {
        client_.tick(now());
        rearm();
    });
}

bool BusLink::write(const BusLine& line) { return client_.send(line); }

void BusLink::stop() {
    stopped_ = true;
    redialer_.close();
    deadline_.close();
    client_.stop();  // what waits goes out before the close
    if (stream_) stream_->close(true);
}

}  // namespace nlchat::net
