// SPDX-License-Identifier: GPL-3.0-or-later
// The ids of the last N messages received, for dropping a message that arrives again
// (a sender resends what it has no acknowledgement for after a reconnect, and the first
// copy may have arrived). Bounded: the oldest id is forgotten when a new one would pass
// the limit, which is far more than any sender keeps unacknowledged.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

namespace nlchat {

class RecentIds {
public:
    explicit RecentIds(std::size_t limit = 4096) : limit_(limit) {}

    // True if `id` is new (and remembers it); false if it was seen.
    bool add(const std::string& id) {
        if (!seen_.insert(id).second) return false;
        order_.push_back(id);
        if (order_.size() > limit_) {
            seen_.erase(order_.front());
            order_.pop_front();
        }
        return true;
    }
    bool contains(const std::string& id) const { return seen_.count(id) != 0; }
    std::size_t size() const { return order_.size(); }
    // Oldest first.
    const std::deque<std::string>& ids() const { return order_; }

private:
    std::size_t limit_;
    std::unordered_set<std::string> seen_;
    std::deque<std::string> order_;
};

}  // namespace nlchat
