// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim/scenario.h"

#include <memory>

#include "sim/ledger.h"
#include "sim/sim_operator.h"
#include "sim/sim_server.h"
#include "sim/sim_service.h"

namespace nlchat::sim {
namespace {

// The busy spell, then enough quiet for grace periods, rings and probes to play out.
constexpr double kBusy = 150;

// Runs `f` every `lo` to `hi` seconds until `until`.
void every(World& world, double lo, double hi, double until, std::function<void()> f) {
    const double wait = world.uniform(lo, hi);
    if (world.now() + wait > until) return;
    world.at(wait, [&world, lo, hi, until, f] {
        f();
        every(world, lo, hi, until, f);
    });
}

}  // namespace

Outcome run_seed(std::uint64_t seed, const Keys& keys, Plant plant, bool live_trace) {
    World world(seed);
    world.tracing_live = live_trace;
    Net net(world);
    Ledger ledger(world);
    Disk disk;
    disk.plant_late_commit = plant == Plant::LateCommit;
    disk.plant_drop_held = plant == Plant::DropHeld;

    ServerCoreSettings settings;
    settings.dispatch.grace = world.chance(0.5) ? 60 : world.uniform(5, 30);
    settings.dispatch.ring_timeout = world.chance(0.5) ? 60 : world.uniform(10, 40);
    settings.dispatch.max_chats_per_operator = 3;
    const double quiet = 2 * std::max(settings.dispatch.grace, settings.dispatch.ring_timeout) + 60;

    // Operators: 1 to 3, v2 or v1, several chats or a 2015 client's one.
    std::vector<OperatorSpec> specs;
    std::set<std::string> authorized;
    const std::size_t n_ops = 1 + world.pick(std::min<std::size_t>(3, keys.operators.size()));
    std::string summary;
    for (std::size_t i = 0; i < n_ops; ++i) {
        OperatorSpec spec;
        spec.id = static_cast<int>(i + 1);
        spec.uuid = "op-" + std::to_string(i + 1) + "-uuid";
        spec.key = &keys.operators[i];
        spec.v2 = world.chance(0.7);
        spec.max_chats = world.chance(spec.v2 ? 0.05 : 0.4) ? 0 : 1 + world.pick(3);
        authorized.insert(spec.key->public_key().fingerprint());
        summary += std::string(summary.empty() ? "" : ", ") + "op" + std::to_string(spec.id) +
                   (spec.v2 ? " v2" : " v1") + (spec.max_chats ? "x" + std::to_string(spec.max_chats) : " 2015");
        specs.push_back(spec);
    }
    SimServer server(world, net, ledger, disk, keys.server, settings, authorized);
    // Named as a hand-over names them (THE SHIFT): "op1", "op2", ...
    std::map<std::string, OperatorProfile> profiles;
    for (const auto& spec : specs)
        profiles[spec.key->public_key().fingerprint()] = {"op" + std::to_string(spec.id), false};
    server.set_profiles(profiles);
    ledger.journal_failing_at = [&server](double t) { return server.journal_failing_at(t); };
    std::vector<std::unique_ptr<SimOperator>> ops;
    for (const auto& spec : specs) ops.push_back(std::make_unique<SimOperator>(world, net, ledger, server, spec));

    // Services: one with acknowledgements, and now and then a best-effort one beside it.
    std::vector<std::unique_ptr<SimService>> services;
    services.push_back(std::make_unique<SimService>(world, net, ledger, server, "Web", true));
    if (world.chance(0.4)) services.push_back(std::make_unique<SimService>(world, net, ledger, server, "Old", false));
    summary += "; " + std::to_string(services.size()) + " service(s)";
    summary += "; grace " + std::to_string(static_cast<int>(settings.dispatch.grace)) + " s, rings " +
               std::to_string(static_cast<int>(settings.dispatch.ring_timeout)) + " s";

    server.start();
    for (auto& s : services) world.at(world.uniform(0, 1), [&s] { s->start(); });
    for (auto& o : ops) world.at(world.uniform(0, 2), [&o] { o->start(); });

    // Callers come during the busy spell, each to a service.
    const int n_callers = 2 + static_cast<int>(world.pick(7));
    for (int c = 1; c <= n_callers; ++c) {
        SimService* s = services[world.pick(services.size())].get();
        const int lines = 1 + static_cast<int>(world.pick(8));
        world.at(world.uniform(1, kBusy - 40), [s, c, lines] { s->add_caller(c, lines); });
    }
    summary += "; " + std::to_string(n_callers) + " caller(s)";

    // What people do: operators and callers act, busily, then only operators take rings.
    for (auto& o : ops) {
        SimOperator* op = o.get();
        every(world, 0.3, 3, kBusy, [op] { op->act(true); });
        world.at(kBusy, [&world, op, quiet] { every(world, 0.5, 2, kBusy + quiet, [op] { op->act(false); }); });
    }
    for (auto& s : services) {
        SimService* svc = s.get();
        every(world, 0.5, 4, kBusy, [svc] { svc->act(true); });
    }

    // Faults, now and then, during the busy spell.
    every(world, 3, 20, kBusy - 5, [&] {
        const std::size_t kind = world.pick(10);
        if (kind == 0 || kind == 1) {
            server.crash();
            world.at(world.uniform(0.2, 8), [&server] { server.start(); });
        } else if (kind == 2) {
            server.crash_before_commit(world.uniform(1, 8));
        } else if (kind == 3) {
            server.stop();
            world.at(world.uniform(0.2, 5), [&server] { server.start(); });
        } else if (kind == 4) {
            SimOperator& op = *ops[world.pick(ops.size())];
            op.crash();
            world.at(world.uniform(0.5, 15), [&op] { op.start(); });
        } else if (kind == 5) {
            ops[world.pick(ops.size())]->cut();
        } else if (kind == 6) {
            ops[world.pick(ops.size())]->freeze(world.uniform(1, 20));
        } else if (kind == 7) {
            SimService& s = *services[world.pick(services.size())];
            s.crash();
            world.at(world.uniform(0.2, 6), [&s] { s.start(); });
        } else if (kind == 8) {
            world.trace("disk", "full");
            disk.full = true;
            world.at(world.uniform(1, 15), [&world, &disk] {
                world.trace("disk", "has room again");
                disk.full = false;
            });
        }
        // kind 9: nothing goes wrong this time.
    });
    // Then every fault is healed: whatever is down comes back.
    world.at(kBusy, [&] {
        world.trace("world", "the busy spell is over; everything comes back and is left alone");
        disk.full = false;
        server.heal();
        server.start();
        for (auto& s : services) s->start();
        for (auto& o : ops) o->start();
    });

    // (b) at every step: nothing taken that is not safe.
    world.after_each = [&] {
        ledger.check_safe([&](const std::string& tag) {
            if (server.restorable_texts().count(tag) || server.in_flight_to_clients(tag)) return true;
            for (const auto& o : ops)
                if (o->holds(tag)) return true;
            return false;
        });
    };
    world.run_until(kBusy + quiet);

    std::set<std::pair<int, int>> live;
    for (const auto& o : ops)
        if (o->alive()) live.insert({o->spec().id, o->run()});
    if (!world.failure()) ledger.check_end(live);
    for (const auto& o : ops)
        for (std::uint64_t chat : o->live_chats()) ledger.check_holding(o->spec().id, o->run(), chat);

    Outcome out;
    out.ok = !world.failure();
    out.failure = world.failure().value_or("");
    out.trace = world.trace_lines();
    out.events = world.events();
    out.caller_lines = ledger.caller_lines().size();
    out.shown = ledger.shown_count();
    out.operator_lines = ledger.operator_lines().size();
    out.handovers = server.handovers();
    out.whispers = ledger.whispers_shown();
    out.summary = summary;
    return out;
}

}  // namespace nlchat::sim
