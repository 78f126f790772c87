// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim/world.h"

#include <cstdio>

namespace nlchat::sim {

void World::at(double delay, std::function<void()> f) {
    queue_.push(Event{now_ + (delay > 0 ? delay : 0), next_order_++, std::move(f)});
}

void World::run_until(double until) {
    while (!queue_.empty() && queue_.top().when <= until && !failure_) {
        Event e = queue_.top();
        queue_.pop();
        now_ = e.when;
        ++events_;
        // A storm of events at one moment is a bug of its own (a timer that re-arms for
        // the past, two machines answering each other for ever): it fails the seed.
        if (++events_now_ > kMaxEventsAtOnce && now_ == last_busy_) {
            fail("more than " + std::to_string(kMaxEventsAtOnce) + " events at " + std::to_string(now_) + " s");
            break;
        }
        if (now_ != last_busy_) last_busy_ = now_, events_now_ = 0;
        e.f();
        if (after_each && !failure_) after_each();
    }
    now_ = until;
}

std::string World::random_bytes(std::size_t n) {
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(pick(256));
    return out;
}

void World::trace(const std::string& who, const std::string& what) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%9.3f ", now_);
    trace_.push_back(stamp + who + ": " + what);
    if (tracing_live) std::printf("%s\n", trace_.back().c_str()), std::fflush(stdout);
}

void World::fail(const std::string& why) {
    if (failure_) return;
    failure_ = why;
    trace("INVARIANT", why);
}

std::uint64_t Net::open(Endpoint a, Endpoint b) {
    std::uint64_t id = next_++;
    Conn& c = conns_[id];
    c.a = std::move(a);
    c.b = std::move(b);
    return id;
}

double Net::latency() { return world_.chance(0.05) ? world_.uniform(0.02, 0.3) : world_.uniform(0.0005, 0.005); }

bool Net::write(std::uint64_t id, bool from_a, const std::string& line) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return false;
    Conn& c = it->second;
    Direction& d = from_a ? c.to_b : c.to_a;
    Direction& back = from_a ? c.to_a : c.to_b;
    // Written after the link broke, or to an end that has closed: lost on the way (the
    // writer learns of it from the close that is coming).
    if (c.dead || d.closing || back.closing) return true;
    double when = world_.now() + latency();
    if (!d.lines.empty() && d.lines.back().first > when) when = d.lines.back().first;
    d.lines.emplace_back(when, line);
    schedule(id, !from_a);
    return true;
}

void Net::schedule(std::uint64_t id, bool to_a) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Direction& d = to_a ? it->second.to_a : it->second.to_b;
    if (d.delivering || d.paused) return;
    if (d.lines.empty() && !d.closing) return;
    d.delivering = true;
    double when = d.lines.empty() ? world_.now() + latency() : d.lines.front().first;
    world_.at(when - world_.now(), [this, id, to_a] { deliver(id, to_a); });
}

void Net::deliver(std::uint64_t id, bool to_a) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Direction& d = to_a ? it->second.to_a : it->second.to_b;
    d.delivering = false;
    if (d.paused) return;
    if (!d.lines.empty()) {
        std::string line = std::move(d.lines.front().second);
        d.lines.pop_front();
        auto handler = to_a ? it->second.a.on_line : it->second.b.on_line;
        schedule(id, to_a);
        if (handler) handler(line);
        return;
    }
    if (d.closing) {
        // The writer closed and everything it wrote has arrived: the reader learns of it.
        auto handler = to_a ? it->second.a.on_close : it->second.b.on_close;
        conns_.erase(it);
        if (handler) handler();
    }
}

bool Net::would_arrive(std::uint64_t id, bool to_a) const {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.dead) return false;
    return !it->second.to_a.closing && !it->second.to_b.closing && (to_a ? it->second.a : it->second.b).on_line;
}

void Net::close(std::uint64_t id, bool by_a) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Conn& c = it->second;
    // What was on its way to the closer is lost; what it wrote still goes, then the close.
    (by_a ? c.to_a : c.to_b).lines.clear();
    Direction& out = by_a ? c.to_b : c.to_a;
    out.closing = true;
    out.paused = false;  // a dead reader's kernel still takes what arrives
    // The closer hears nothing more from this connection.
    (by_a ? c.a : c.b) = Endpoint{};
    schedule(id, !by_a);
}

void Net::cut(std::uint64_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.dead) return;
    Conn& c = it->second;
    c.dead = true;
    c.to_a.lines.clear();
    c.to_b.lines.clear();
    // Each end learns of it on its own, a little later.
    for (bool to_a : {true, false}) {
        world_.at(world_.uniform(0.05, 2.0), [this, id, to_a] {
            auto found = conns_.find(id);
            if (found == conns_.end()) return;
            auto handler = to_a ? found->second.a.on_close : found->second.b.on_close;
            (to_a ? found->second.a : found->second.b) = Endpoint{};
            if (!found->second.a.on_close && !found->second.b.on_close) conns_.erase(found);
            if (handler) handler();
        });
    }
}

void Net::pause_reading(std::uint64_t id, bool a, bool paused) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Direction& d = a ? it->second.to_a : it->second.to_b;
    d.paused = paused;
    if (!paused) schedule(id, a);
}

std::vector<const std::string*> Net::in_flight(std::uint64_t id, bool to_a) const {
    std::vector<const std::string*> out;
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.dead) return out;
    for (const auto& [when, line] : (to_a ? it->second.to_a : it->second.to_b).lines) out.push_back(&line);
    return out;
}

std::vector<std::uint64_t> Net::connections() const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, c] : conns_) out.push_back(id);
    return out;
}

}  // namespace nlchat::sim
