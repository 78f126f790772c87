// SPDX-License-Identifier: GPL-3.0-or-later
// A service's end of nlchatd's service bus (nlchat-protocol(7), SERVICE BUS), sans-IO:
// the rules of the link that nlchat-web, nlchat-caller and the demo's callers share.
// net/bus_link.h carries its bytes over the unix socket and redials; the simulation
// (sim/) drives it over a simulated one.
//
// Every line goes through one outbox, in order. A line without an id leaves it once
// written; a msg with an id stays until nlchatd acknowledges it, and everything still in
// the outbox is written again, in order, when the link comes back (nlchatd drops the ids
// it had already taken). So a caller's message is not lost to a restart, and "taken" on
// the page means nlchatd said it took it. nlchatd's own msgs are acknowledged once handed
// on, and one seen before is acknowledged again but not handed on twice.
//
// Until nlchatd's welcome says it acknowledges, nothing is flushed (a second at most);
// without one (an older nlchatd) lines leave the outbox once written, best effort.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "core/codec/bus_line.h"
#include "core/link/recent_ids.h"
#include "core/now.h"

namespace nlchat {

class BusClientEffects {
public:
    virtual ~BusClientEffects() = default;
    // Writes one line (without its newline) to the link. False: the link is gone (the
    // wiring then calls link_down).
    virtual bool write(const std::string& line) = 0;
    // A line from nlchatd for the service (probes and welcomes are the link's own).
    virtual void line(const BusLine& line) = 0;
    // Something the service's log should say about the link.
    virtual void note(const std::string& text) = 0;
};

class BusClient {
public:
    // How long the link waits for nlchatd's welcome before it goes on best effort.
    static constexpr double kWelcomeWait = 1.0;

    BusClient(std::string service, bool chat_states, std::size_t max_queue, BusClientEffects& effects)
        : service_(std::move(service)), chat_states_(chat_states), max_queue_(max_queue), effects_(effects) {}

    // The link is up: the service introduces itself (asking for acknowledgements).
    void link_up(const Now& now);
    // The link is gone: what was written and not acknowledged is written again next time.
    void link_down();
    // One line read from nlchatd.
    void received(std::string_view text, const Now& now);
    // Sends a line now, or keeps it while the link is down (a msg with an id is kept
    // until acknowledged). False if the outbox is full: the line is not sent.
    bool send(const BusLine& line);
    // The service is stopping: what waits is written now (best effort: no more
    // acknowledgements will come).
    void stop();

    void tick(const Now& now);
    std::optional<double> next_deadline() const;

    bool up() const { return up_; }
    bool acks() const { return acks_; }
    // Lines kept: written and waiting for their acknowledgement, or not written yet.
    std::size_t queued() const { return outbox_.size(); }

private:
    void flush();
    bool write(const std::string& line);

    std::string service_;
    bool chat_states_;
    std::size_t max_queue_;
    BusClientEffects& effects_;
    bool up_ = false;
    struct Entry {
        std::string id;  // empty: leaves once written
        std::string text;
    };
    // Written entries (waiting for their acknowledgement) are always the first `written_`:
    // lines go out in order and a write stops at the first failure.
    std::deque<Entry> outbox_;
    std::size_t written_ = 0;
    bool acks_ = false;
    std::optional<double> welcome_due_;  // waiting for nlchatd's welcome until then
    RecentIds seen_;                     // nlchatd's msg ids lately handed on
};

}  // namespace nlchat
