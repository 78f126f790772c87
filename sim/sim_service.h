// SPDX-License-Identifier: GPL-3.0-or-later
// A service and its callers in the simulation. With acknowledgements it is nlchat-web's
// bus end, the real BusClient (core/link/bus_client.h); without, an older or simpler
// service written from the manual (service_online without acks, probes answered, lines
// written once: best effort). Callers write tagged lines now and then and sometimes leave;
// what nlchatd says back is told to the Ledger. A service can be killed and restarted:
// its callers die with it (as a web chat's would with nlchat-web).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/link/bus_client.h"
#include "sim/ledger.h"
#include "sim/sim_server.h"
#include "sim/world.h"

namespace nlchat::sim {

class SimService : private BusClientEffects {
public:
    SimService(World& world, Net& net, Ledger& ledger, SimServer& server, std::string name, bool acks);
    ~SimService() override;

    void start();
    void crash();
    bool alive() const { return up_process_; }
    bool acks() const { return acks_; }
    const std::string& name() const { return name_; }
    // A new caller of this service, from now on; its id is global.
    void add_caller(int id, int lines);
    // One caller's next step (a line, a typing state, or leaving); `busy`: else it only
    // keeps quiet (the quiet spell at the end).
    void act(bool busy);

private:
    struct Caller {
        int id = 0;
        std::string address;
        int written = 0, lines = 0;
        bool gone = false;
    };

    // BusClientEffects
    bool write(const std::string& line) override;
    void line(const BusLine& line) override;
    void note(const std::string& text) override { world_.trace(who(), text); }

    void dial();
    void link_closed();
    void on_line(const std::string& text);  // the service without acknowledgements
    void send(const BusLine& line);
    void rearm();
    Now now() const;
    std::string who() const { return "service " + name_; }

    World& world_;
    Net& net_;
    Ledger& ledger_;
    SimServer& server_;
    std::string name_;
    bool acks_;
    bool up_process_ = false;
    int run_ = 0;
    std::unique_ptr<BusClient> bus_;
    std::optional<std::uint64_t> conn_;
    std::uint64_t generation_ = 0, timer_generation_ = 0;
    double backoff_ = 0.25;
    std::vector<Caller> callers_;                   // this run's
    std::map<std::string, int> caller_by_address_;  // every run's
    std::map<std::string, std::string> tag_by_id_;  // bus ids of caller lines
    int next_id_ = 1;
};

}  // namespace nlchat::sim
