// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim/sim_service.h"

#include "core/codec/json_util.h"
#include "core/dispatch/dispatch_config.h"

namespace nlchat::sim {
namespace {

// nlchatd's replies that tell a caller its line or chat went nowhere.
bool tells_failure(const std::string& text) {
    const DispatchConfig c;
    return text == c.text_no_operators || text == c.text_ring_timed_out || text == c.text_client_dropped ||
           text == c.text_unavailable || text == c.text_not_delivered;
}

}  // namespace

SimService::SimService(World& world, Net& net, Ledger& ledger, SimServer& server, std::string name, bool acks)
    : world_(world), net_(net), ledger_(ledger), server_(server), name_(std::move(name)), acks_(acks) {}

SimService::~SimService() = default;

Now SimService::now() const { return Now{world_.now(), 1.7e9 + world_.now()}; }

void SimService::start() {
    if (up_process_) return;
    up_process_ = true;
    ++run_;
    ++generation_;
    world_.trace(who(), std::string("starts") + (acks_ ? " (with acknowledgements)" : " (best effort)"));
    BusClientEffects& effects = *this;
    if (acks_) bus_ = std::make_unique<BusClient>(name_, true, 2000, effects);
    backoff_ = 0.25;
    dial();
}

void SimService::crash() {
    if (!up_process_) return;
    world_.trace(who(), "killed (-9), with its callers");
    up_process_ = false;
    if (conn_) {
        // A service that does not acknowledge has lost what was on its way to it.
        if (!acks_)
            for (const std::string* line : net_.in_flight(*conn_, true)) {
                std::string error;
                auto v = parse_json_object(*line, error);
                if (v && (*v)["type"] == "msg")
                    for (const auto& t : (*v)["msg"]) ledger_.best_effort_lost(t.asString());
            }
        net_.close(*conn_, true);
    }
    conn_.reset();
    ++generation_;
    ++timer_generation_;
    bus_.reset();
    // Its callers' pages are gone; what nlchatd took from them it still owes an operator.
    callers_.clear();
}

void SimService::dial() {
    if (!up_process_ || conn_) return;
    const std::uint64_t gen = generation_;
    Endpoint mine{[this, gen](const std::string& text) {
                      if (gen != generation_) return;
                      if (bus_) bus_->received(text, now());
                      else on_line(text);
                      rearm();
                  },
                  [this, gen] {
                      if (gen == generation_) link_closed();
                  }};
    conn_ = server_.dial_service(std::move(mine));
    if (!conn_) {
        const double wait = backoff_ * world_.uniform(0.8, 1.2);
        backoff_ = std::min(5.0, backoff_ * 2);
        world_.at(wait, [this, gen] {
            if (gen == generation_) dial();
        });
        return;
    }
    backoff_ = 0.25;
    world_.trace(who(), "connected to the bus");
    if (bus_) {
        bus_->link_up(now());
    } else {
        write(write_json(bus_service_online(name_, true, false)));
        write(write_json(bus_status("Connected")));
    }
    rearm();
}

void SimService::link_closed() {
    world_.trace(who(), "the bus connection ended");
    conn_.reset();
    ++generation_;
    if (bus_) bus_->link_down();
    const std::uint64_t gen = generation_;
    world_.at(backoff_ * world_.uniform(0.8, 1.2), [this, gen] {
        if (gen == generation_) dial();
    });
}

bool SimService::write(const std::string& text) { return conn_ && net_.write(*conn_, true, text); }

void SimService::on_line(const std::string& text) {
    std::string error;
    auto v = parse_json_object(text, error);
    if (!v) return;
    ParsedBusLine parsed = parse_bus_line(*v);
    if (!parsed.value) return;
    if (std::holds_alternative<BusProbe>(*parsed.value)) {
        write(write_json(bus_probe_ack()));
        return;
    }
    line(*parsed.value);
}

void SimService::line(const BusLine& l) {
    if (auto* ack = std::get_if<BusAck>(&l)) {
        auto it = tag_by_id_.find(ack->id);
        if (it != tag_by_id_.end()) ledger_.caller_line_acked(it->second);
        return;
    }
    const std::string* address = bus_address(l);
    if (!address) return;
    auto caller = caller_by_address_.find(*address);
    if (caller == caller_by_address_.end()) return;
    bool mine = false;
    for (auto& c : callers_)
        if (c.address == *address && !c.gone) mine = true;
    if (auto* msg = std::get_if<BusMsg>(&l)) {
        for (const auto& text : msg->msg) {
            if (msg->origin == kOriginServer) {
                if (tells_failure(text)) ledger_.caller_told(caller->second);
            } else {
                ledger_.service_received(caller->second, text);
            }
        }
        // A caller this run does not know (it died with the service's last run): the
        // service lets nlchatd know the chat is over, as nlchat-web does.
        if (!mine) {
            ledger_.caller_left(caller->second);
            send(BusDisassociate{*address});
        }
    } else if (std::holds_alternative<BusDisassociate>(l)) {
        ledger_.caller_told(caller->second);
        for (auto& c : callers_)
            if (c.address == *address) c.gone = world_.chance(0.5);  // or it writes again: a new chat
    }
}

void SimService::send(const BusLine& l) {
    if (bus_) {
        bus_->send(l);
    } else {
        write(write_json(bus_json(l)));  // best effort: written or lost
    }
    rearm();
}

void SimService::add_caller(int id, int lines) {
    if (!up_process_) return;
    Caller c;
    c.id = id;
    c.address = name_ + "-" + std::to_string(run_) + "-c" + std::to_string(id);
    c.lines = lines;
    caller_by_address_[c.address] = id;
    ledger_.register_address(name_, c.address, id);
    callers_.push_back(c);
}

void SimService::act(bool busy) {
    if (!up_process_ || !busy || callers_.empty()) return;
    Caller& c = callers_[world_.pick(callers_.size())];
    if (c.gone) return;
    if (c.written >= c.lines) {
        if (world_.chance(0.3)) {
            world_.trace(who(), "caller " + std::to_string(c.id) + " leaves");
            c.gone = true;
            ledger_.caller_left(c.id);
            send(BusDisassociate{c.address});
        }
        return;
    }
    if (world_.chance(0.2)) send(BusChatState{c.address, "composing", Direction::In});
    const int n = ++c.written;
    const std::string tag = ledger_.caller_tag(c.id, n);
    ledger_.caller_wrote(c.id, n);
    std::optional<std::string> id;
    if (acks_) {
        id = name_ + "-" + std::to_string(run_) + "-" + std::to_string(next_id_++);
        tag_by_id_[*id] = tag;
    }
    world_.trace(who(), "caller " + std::to_string(c.id) + " writes " + tag);
    send(BusMsg{c.address, {tag}, Direction::In, std::nullopt, id});
}

void SimService::rearm() {
    if (!bus_) return;
    const std::uint64_t gen = ++timer_generation_;
    auto next = bus_->next_deadline();
    if (!next) return;
    world_.at(*next - world_.now(), [this, gen] {
        if (gen != timer_generation_ || !bus_) return;
        bus_->tick(now());
        rearm();
    });
}

}  // namespace nlchat::sim
