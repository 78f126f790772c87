// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/dispatch/open_scheduler.h"

#include <algorithm>

namespace nlchat {

void OpenScheduler::refill(Group& g, double now) const {
    if (now > g.refilled) {
        g.tokens =
            std::min(limits_.stranger_burst_blocks, g.tokens + (now - g.refilled) * limits_.stranger_blocks_per_second);
        g.refilled = now;
    }
}

void OpenScheduler::add(ConnId conn, bool trusted, const std::string& group, std::size_t blocks, double now) {
    remove(conn);
    if (trusted) {
        trusted_.push_back(conn);
        return;
    }
    auto [it, created] = groups_.try_emplace(group);
    Group& g = it->second;
    if (created) {
        // A new address starts with a full bucket.
        g.tokens = limits_.stranger_burst_blocks;
        g.refilled = now;
    }
    if (g.queue.empty()) turn_.push_back(group);
    // A packet larger than the bucket could never be afforded: it costs a full bucket.
    g.queue.push_back({conn, std::min(static_cast<double>(blocks), limits_.stranger_burst_blocks)});
}

void OpenScheduler::remove(ConnId conn) {
    auto t = std::find(trusted_.begin(), trusted_.end(), conn);
    if (t != trusted_.end()) {
        trusted_.erase(t);
        return;
    }
    for (auto turn = turn_.begin(); turn != turn_.end(); ++turn) {
        Group& g = groups_.at(*turn);
        auto w = std::find_if(g.queue.begin(), g.queue.end(), [conn](const Waiting& x) { return x.conn == conn; });
        if (w == g.queue.end()) continue;
        g.queue.erase(w);
        if (g.queue.empty()) turn_.erase(turn);
        return;
    }
}

std::optional<OpenScheduler::ConnId> OpenScheduler::next(double now) {
    if (running_.size() >= limits_.workers) return std::nullopt;
    if (!trusted_.empty()) {
        ConnId conn = trusted_.front();
        trusted_.pop_front();
        running_[conn] = false;
        return conn;
    }
    if (running_strangers_ >= limits_.stranger_workers) return std::nullopt;
    for (std::size_t i = 0; i < turn_.size(); ++i) {
        Group& g = groups_.at(turn_[i]);
        refill(g, now);
        if (g.tokens < g.queue.front().blocks) continue;
        Waiting w = g.queue.front();
        g.queue.pop_front();
        g.tokens -= w.blocks;
        std::string name = turn_[i];
        turn_.erase(turn_.begin() + static_cast<std::ptrdiff_t>(i));
        if (!g.queue.empty()) turn_.push_back(name);  // its next packet waits for its next turn
        running_[w.conn] = true;
        ++running_strangers_;
        return w.conn;
    }
    // Forget idle addresses whose bucket is full again: they would start full anyway.
    for (auto it = groups_.begin(); it != groups_.end();) {
        refill(it->second, now);
        bool idle = it->second.queue.empty() && it->second.tokens >= limits_.stranger_burst_blocks;
        it = idle ? groups_.erase(it) : std::next(it);
    }
    return std::nullopt;
}

void OpenScheduler::finished(ConnId conn) {
    auto it = running_.find(conn);
    if (it == running_.end()) return;
    if (it->second) --running_strangers_;
    running_.erase(it);
}

std::optional<double> OpenScheduler::wake_at() const {
    if (running_strangers_ >= limits_.stranger_workers) return std::nullopt;  // finished() will wake us
    std::optional<double> earliest;
    for (const std::string& name : turn_) {
        const Group& g = groups_.at(name);
        double missing = g.queue.front().blocks - g.tokens;
        double at = g.refilled + std::max(0.0, missing) / limits_.stranger_blocks_per_second;
        if (!earliest || at < *earliest) earliest = at;
    }
    return earliest;
}

std::size_t OpenScheduler::waiting() const {
    std::size_t n = trusted_.size();
    for (const auto& [name, g] : groups_) n += g.queue.size();
    return n;
}

}  // namespace nlchat
