// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, its deadlines: when an operator is probed, dropped from the pool after an
// unanswered probe, or let go after its grace; when a connection that never joined is
// closed; rings expiring and services' probes. Operators' and handshakes' deadlines wait
// in priority queues, checked when due (an entry may be out of date: it is checked then
// and replaced), so a tick costs O(log n) per event and not a walk of every operator.
#include <limits>

#include "core/codec/bus_line.h"
#include "core/dispatch/dispatch.h"

namespace nlchat {

std::optional<double> Dispatch::operator_deadline(const Operator& op) const {
    if (op.in_pool) return op.probe_sent ? *op.probe_sent + config_.probe_timeout : op.last_heard + config_.probe_after;
    return op.grace_until;
}

void Dispatch::wake_operator(const std::string& uuid, Operator& op) {
    auto when = operator_deadline(op);
    if (!when || *when >= op.wake_at) return;
    op.wake_at = *when;
    operator_wakeups_.emplace(*when, uuid);
}

void Dispatch::check_operator(const std::string& uuid, const Now& now) {
    auto it = operators_.find(uuid);
    if (it == operators_.end()) return;
    Operator& op = it->second;
    if (op.in_pool) {
        if (!op.probe_sent && now.mono >= op.last_heard + config_.probe_after) {
            op.probe_sent = now.mono;
            send_to_operator(uuid, op, ProbeCommand{uuid});
        } else if (op.probe_sent && now.mono >= *op.probe_sent + config_.probe_timeout) {
            leave_pool(uuid, op, now, "no answer to a probe");
        }
    } else if (op.grace_until && now.mono >= *op.grace_until) {
        end_grace(uuid);
        it = operators_.find(uuid);
        if (it == operators_.end()) return;
    }
    it->second.wake_at = std::numeric_limits<double>::infinity();
    wake_operator(uuid, it->second);
}

void Dispatch::tick(const Now& now) {
    now_ = now;
    // Collect first, act after: acting can erase entries of the maps being walked, and
    // push new entries on the queues.
    std::vector<ConnId> stale;
    while (!handshake_wakeups_.empty() && handshake_wakeups_.top().first <= now.mono) {
        ConnId id = handshake_wakeups_.top().second;
        handshake_wakeups_.pop();
        auto c = connections_.find(id);
        if (c != connections_.end() && c->second.state != Connection::State::Joined &&
            now.mono >= c->second.opened + config_.handshake_timeout)
            stale.push_back(id);
    }
    for (ConnId id : stale) {
        log(LogLevel::Info, "connection " + std::to_string(id) + " did not join in time; closed");
        connections_.erase(id);
        effects_.close_operator(id);
    }

    std::vector<std::string> due;
    while (!operator_wakeups_.empty() && operator_wakeups_.top().first <= now.mono) {
        auto [when, uuid] = operator_wakeups_.top();
        operator_wakeups_.pop();
        auto it = operators_.find(uuid);
        // Only the operator's live entry counts; older ones were replaced by it.
        if (it != operators_.end() && it->second.wake_at == when) due.push_back(std::move(uuid));
    }
    for (const auto& uuid : due) check_operator(uuid, now);

    std::vector<std::int64_t> expired;
    for (const auto& [id, ring] : rings_)
        if (now.mono >= ring.expires_mono) expired.push_back(id);
    for (std::int64_t id : expired) expire_ring(id);

    bool status_changed = false;
    for (auto& [name, s] : services_) {
        if (!s.conn || !s.responding) continue;
        if (!s.probe_sent && now.mono >= s.last_heard + config_.probe_after) {
            s.probe_sent = now.mono;
            effects_.send_service(*s.conn, bus_json(BusProbe{}));
        } else if (s.probe_sent && now.mono >= *s.probe_sent + config_.probe_timeout) {
            s.responding = false;
            status_changed = true;
            log(LogLevel::Warning, "service " + name + " does not answer probes; shown as down");
        }
    }
    if (status_changed) broadcast_status();
    shift_tick(now);
}

std::optional<double> Dispatch::next_deadline() const {
    // The queues' first entries may be out of date, and so earlier than the real
    // deadline: the tick they cause finds nothing to do and puts the real one in.
    std::optional<double> next;
    auto consider = [&next](double t) {
        if (!next || t < *next) next = t;
    };
    if (!handshake_wakeups_.empty()) consider(handshake_wakeups_.top().first);
    if (!operator_wakeups_.empty()) consider(operator_wakeups_.top().first);
    for (const auto& [id, ring] : rings_) consider(ring.expires_mono);
    for (const auto& [name, s] : services_) {
        if (!s.conn || !s.responding) continue;
        consider(s.probe_sent ? *s.probe_sent + config_.probe_timeout : s.last_heard + config_.probe_after);
    }
    if (auto shift = shift_deadline()) consider(*shift);
    return next;
}

}  // namespace nlchat
