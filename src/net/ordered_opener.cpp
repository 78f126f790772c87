// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/ordered_opener.h"

#include <utility>

#include "net/timer.h"  // run_in_pool

namespace nlchat::net {

OrderedOpener::OrderedOpener(Loop& loop, PrivateKey key, Role role, Handlers handlers, std::size_t high,
                             std::size_t low)
    : loop_(loop), key_(std::move(key)), role_(role), handlers_(std::move(handlers)), high_(high), low_(low) {}

OrderedOpener::~OrderedOpener() { *live_ = false; }

void OrderedOpener::add(std::string line) {
    queue_.push_back(std::move(line));
    if (stream_ && queue_.size() >= high_) stream_->pause();
    next();
}

void OrderedOpener::clear() {
    queue_.clear();
    *live_ = false;
    live_ = std::make_shared<bool>(true);
    opening_ = false;
}

void OrderedOpener::next() {
    if (opening_ || queue_.empty()) return;
    opening_ = true;
    auto job = std::make_shared<std::pair<std::string, OpenResult>>(std::move(queue_.front()), OpenResult{});
    queue_.pop_front();
    PrivateKey key = key_;
    Role role = role_;
    std::shared_ptr<bool> live = live_;
    run_in_pool(
        loop_, [job, key, role] { job->second = open(job->first, key, role); },
        [this, job, live] {
            if (!*live) return;
            opening_ = false;
            handlers_.on_opened(job->second);
            if (!*live) return;  // the owner cleared or destroyed the opener from its handler
            if (stream_ && stream_->paused() && queue_.size() <= low_) stream_->resume();
            next();
            if (idle() && handlers_.on_drained) handlers_.on_drained();
        });
}

}  // namespace nlchat::net
