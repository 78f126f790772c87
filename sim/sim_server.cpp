// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim/sim_server.h"

#include <cstdlib>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"

namespace nlchat::sim {
namespace {

// Effects for a scratch dispatch that only restores and snapshots.
struct Quiet : DispatchEffects {
    void send_plain(ConnId, const Json::Value&) override {}
    std::uint64_t send_sealed(ConnId, const PublicKey&, const std::string&, const Command&) override { return 0; }
    void close_operator(ConnId) override {}
    void send_service(ConnId, const Json::Value&) override {}
    void close_service(ConnId) override {}
    bool save_ring_counter(std::int64_t) override { return true; }
    void log(LogLevel, const std::string&) override {}
};

void strings_of(const Json::Value& v, std::set<std::string>& out) {
    if (v.isString()) {
        if (v.asString().size() < 200) out.insert(v.asString());
    } else if (v.isArray() || v.isObject()) {
        for (const auto& child : v) strings_of(child, out);
    }
}

}  // namespace

std::string sim_seal(std::string_view inner, const PublicKey&, std::string_view uuid, Role to) {
    Json::Value packet(Json::objectValue);
    packet["messages"].append(std::string(inner));
    packet["UUID"] = std::string(uuid);
    packet["to"] = role_name(to);
    return write_json(packet);
}

std::optional<OpenedPacket> sim_open(const std::string& line) {
    std::string error;
    auto packet = parse_json_object(line, error);
    if (!packet || !(*packet)["messages"][0].isString() || !(*packet)["UUID"].isString()) return std::nullopt;
    OpenedPacket out;
    out.uuid = (*packet)["UUID"].asString();
    out.json = (*packet)["messages"][0].asString();
    auto inner = parse_json_object(out.json, error);
    if (!inner) return std::nullopt;
    out.inner = std::move(*inner);
    return out;
}

SimServer::SimServer(World& world, Net& net, Ledger& ledger, Disk& disk, const PrivateKey& key,
                     ServerCoreSettings settings, std::set<std::string> authorized)
    : world_(world),
      net_(net),
      ledger_(ledger),
      disk_(disk),
      key_(key),
      settings_(std::move(settings)),
      authorized_(std::move(authorized)) {}

SimServer::~SimServer() = default;

Now SimServer::now() const { return Now{world_.now(), 1.7e9 + world_.now()}; }

void SimServer::start() {
    if (core_) return;
    ++run_;
    world_.trace("server", "starts (run " + std::to_string(run_) + ")");
    buffer_.clear();
    StateStore& store = *this;
    ServerCoreEffects& effects = *this;
    core_ = std::make_unique<ServerCore>(
        settings_, key_.public_key(), store, effects, [this] { return base64_encode(world_.random_bytes(24)); },
        world_.random_bytes(16), disk_.ring_counter, sim_seal,
        [this](std::size_t n) { return world_.random_bytes(n); });
    core_->dispatch().set_authorized_keys(authorized_);
    core_->dispatch().set_profiles(profiles_);
    core_->restore(disk_.journal, disk_.tickets, now());
    holders_from_disk();
    const auto& n = core_->restored();
    world_.trace("server", "restored " + std::to_string(n.chats) + " chat(s), " + std::to_string(n.held) + " held, " +
                               std::to_string(n.rings) + " ring(s), " + std::to_string(n.unacked) + " unacknowledged");
    rearm();
}

void SimServer::crash() {
    if (!core_) return;
    world_.trace("server", "killed (-9)");
    core_.reset();
    buffer_.clear();
    ticket_buffer_.clear();
    disk_.limbo.clear();  // written but not yet safe: gone
    ++timer_generation_;
    crash_before_commit_.reset();
    for (auto& [id, c] : conns_) net_.close(c.net, false);
    conns_.clear();
    holders_from_disk();
}

void SimServer::stop() {
    if (!core_) return;
    world_.trace("server", "stopped (SIGTERM)");
    core_->shutdown(now());
    core_.reset();
    buffer_.clear();
    ++timer_generation_;
    for (auto& [id, c] : conns_) net_.close(c.net, false);
    conns_.clear();
}

std::optional<std::uint64_t> SimServer::dial_operator(Endpoint client) { return accept(std::move(client), false); }
std::optional<std::uint64_t> SimServer::dial_service(Endpoint client) { return accept(std::move(client), true); }

std::optional<std::uint64_t> SimServer::accept(Endpoint client, bool service) {
    if (!core_) return std::nullopt;
    const ConnId id = next_conn_++;
    const int run = run_;
    Endpoint mine{[this, id, run](const std::string& line) {
                      if (core_ && run_ == run) on_line(id, line);
                  },
                  [this, id, run] {
                      if (core_ && run_ == run) on_close(id);
                  }};
    std::uint64_t net = net_.open(std::move(client), std::move(mine));
    conns_[id] = Conn{net, service, {}, false};
    if (service) core_->service_connected(id, now());
    else core_->operator_connected(id, now());
    end_turn();
    return net;
}

void SimServer::on_line(ConnId conn, const std::string& line) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    if (it->second.service) {
        core_->service_line(conn, line, now());
    } else if (!core_->operator_line(conn, line, now())) {
        // A v1 packet: opened on the pool in the real server, a moment later here, in order.
        it->second.to_open.push_back(line);
        if (!it->second.opening) {
            it->second.opening = true;
            const int run = run_;
            world_.at(world_.uniform(0.0005, 0.005), [this, conn, run] {
                if (core_ && run_ == run) open_next(conn);
            });
        }
        return;
    }
    end_turn();
}

void SimServer::open_next(ConnId conn) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    it->second.opening = false;
    if (it->second.to_open.empty()) return;
    std::string line = std::move(it->second.to_open.front());
    it->second.to_open.pop_front();
    if (!it->second.to_open.empty()) {
        it->second.opening = true;
        const int run = run_;
        world_.at(world_.uniform(0.0005, 0.005), [this, conn, run] {
            if (core_ && run_ == run) open_next(conn);
        });
    }
    if (auto packet = sim_open(line)) core_->operator_packet(conn, *packet, now());
    end_turn();
}

void SimServer::on_close(ConnId conn) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    const bool service = it->second.service;
    conns_.erase(it);
    if (service) core_->service_closed(conn, now());
    else core_->operator_closed(conn, now());
    end_turn();
}

void SimServer::end_turn() {
    if (!core_) return;
    if (crash_before_commit_) {
        const double restart = *crash_before_commit_;
        crash();
        world_.at(restart, [this] { start(); });
        return;
    }
    core_->end_of_turn(now());
    const bool failing = core_->journal_failing();
    if (failing && (failing_.empty() || failing_.back().second < world_.now()))
        failing_.emplace_back(world_.now(), 1e9);
    if (!failing && !failing_.empty() && failing_.back().second > world_.now()) failing_.back().second = world_.now();
    rearm();
}

bool SimServer::journal_failing_at(double t) const {
    for (const auto& [from, to] : failing_)
        if (t >= from && t <= to + 1) return true;
    return false;
}

void SimServer::rearm() {
    if (!core_) return;
    const std::uint64_t generation = ++timer_generation_;
    auto next = core_->next_deadline();
    if (!next) return;
    world_.at(*next - world_.now(), [this, generation] {
        if (!core_ || generation != timer_generation_) return;
        core_->tick(now());
        end_turn();
    });
}

void SimServer::write_operator(ConnId conn, const std::string& line) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    if (!it->second.service) {
        // A caller's text in a v1 packet: written is all a 2015 client can be promised.
        if (auto packet = sim_open(line); packet && packet->inner["type"] == "msg" && packet->inner["I/O"] == "in")
            for (const auto& t : packet->inner["msg"]) ledger_.written_to_v1(t.asString());
    }
    net_.write(it->second.net, false, line);
}

void SimServer::write_service(ConnId service, const std::string& line) {
    auto it = conns_.find(service);
    if (it == conns_.end()) return;
    // A line without an id goes to a service that does not acknowledge: written to a
    // service that has died (nlchatd has not heard yet), it is lost, as best effort is.
    if (!net_.would_arrive(it->second.net, true)) {
        std::string error;
        auto v = parse_json_object(line, error);
        if (v && (*v)["type"] == "msg" && !v->isMember("id"))
            for (const auto& t : (*v)["msg"]) ledger_.best_effort_lost(t.asString());
    }
    net_.write(it->second.net, false, line);
}

void SimServer::close_operator(ConnId conn, bool) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    net_.close(it->second.net, false);
    conns_.erase(it);
}

void SimServer::close_service(ConnId service) { close_operator(service, true); }

void SimServer::log(LogLevel level, const std::string& text) {
    if (level != LogLevel::Debug) world_.trace("server", text);
}

void SimServer::chat_record(const Json::Value& record) {
    const std::string kind = record["j"].asString();
    if (kind != "chat" && kind != "end") return;
    const std::string uuid = record["op"].asString();  // "op-N-uuid"
    if (uuid.size() <= 3) return;
    const int op = std::atoi(uuid.c_str() + 3);
    const std::int64_t chat = record["chat"].asInt64();
    if (kind == "chat") {
        chat_addresses_[chat] = {record["svc"].asString(), record["addr"].asString()};
        ledger_.chat_held(record["svc"].asString(), record["addr"].asString(), op);
    } else if (auto it = chat_addresses_.find(chat); it != chat_addresses_.end()) {
        ledger_.chat_ended(it->second.first, it->second.second, op);
    }
}

void SimServer::holders_from_disk() {
    for (const auto& r : disk_.journal) chat_record(r);
}

void SimServer::append(const Json::Value& record) {
    chat_record(record);
    if (disk_.plant_drop_held && record["j"] == "held") return;
    buffer_.push_back(record);
}

void SimServer::committing(const std::vector<Json::Value>& records) {
    std::set<std::string> taken;
    std::map<std::int64_t, std::set<std::string>> began;  // chat -> the operators it began with
    for (const auto& r : records) {
        const std::string kind = r["j"].asString();
        const std::string chat = r["op"].asString() + "/" + std::to_string(r["chat"].asInt64());
        if (kind == "ring")
            callers_of_["ring/" + std::to_string(r["id"].asInt64())] = {r["svc"].asString(), r["addr"].asString()};
        if (kind == "chat") {
            callers_of_[chat] = {r["svc"].asString(), r["addr"].asString()};
            taken.insert("ring/" + std::to_string(r["chat"].asInt64()));
            began[r["chat"].asInt64()].insert(r["op"].asString());
        }
    }
    for (const auto& r : records) {
        const std::string kind = r["j"].asString();
        std::string key;
        // An end followed by the chat's new operator is a hand-over: the caller is told
        // nothing but the hand-over reply, and the chat goes on.
        auto to = began.find(r["chat"].asInt64());
        const bool handed = to != began.end() && (to->second.size() > 1 || !to->second.count(r["op"].asString()));
        if (kind == "end" && handed) ++handovers_;
        if (kind == "end" && !handed) key = r["op"].asString() + "/" + std::to_string(r["chat"].asInt64());
        if (kind == "ring_end" && !taken.count("ring/" + std::to_string(r["id"].asInt64())))
            key = "ring/" + std::to_string(r["id"].asInt64());
        auto it = callers_of_.find(key);
        if (!key.empty() && it != callers_of_.end()) ledger_.address_told(it->second.first, it->second.second);
    }
}

bool SimServer::commit(std::string& error) {
    if (buffer_.empty() && ticket_buffer_.empty()) return true;
    if (disk_.full) return error = "cannot write the journal: No space left on device", false;
    for (auto& r : ticket_buffer_) disk_.tickets.push_back(std::move(r));
    ticket_buffer_.clear();
    committing(buffer_);
    if (disk_.plant_late_commit) {
        // What the turn before wrote is safe now; this turn's only at the next.
        for (auto& r : disk_.limbo) disk_.journal.push_back(std::move(r));
        disk_.limbo = std::move(buffer_);
    } else {
        for (auto& r : buffer_) disk_.journal.push_back(std::move(r));
    }
    buffer_.clear();
    ++disk_.version;
    return true;
}

bool SimServer::rewrite(const std::vector<Json::Value>& records, std::string& error) {
    if (disk_.full) return error = "cannot rewrite the journal: No space left on device", false;
    committing(records);  // who the chats and rings are with
    committing(buffer_);  // what the snapshot stands for
    for (auto& r : ticket_buffer_) disk_.tickets.push_back(std::move(r));
    ticket_buffer_.clear();
    if (disk_.plant_late_commit) {
        disk_.limbo = records;
    } else {
        disk_.journal = records;
    }
    buffer_.clear();
    ++disk_.version;
    return true;
}

bool SimServer::rewrite_tickets(const std::vector<Json::Value>& records, std::string& error) {
    if (disk_.full) return error = "No space left on device", false;
    disk_.tickets = records;
    ticket_buffer_.clear();
    return true;
}

bool SimServer::save_ring_counter(std::int64_t next_id, std::string& error) {
    if (disk_.full) return error = "No space left on device", false;
    disk_.ring_counter = next_id;
    return true;
}

const std::set<std::string>& SimServer::restorable_texts() {
    if (restorable_version_ == disk_.version) return restorable_;
    restorable_version_ = disk_.version;
    restorable_.clear();
    Quiet quiet;
    Dispatch scratch(
        settings_.dispatch, key_.public_key(), quiet, [] { return std::string("n"); }, "salt", disk_.ring_counter);
    scratch.restore(disk_.journal, Now{0, 0});
    for (const auto& record : scratch.snapshot()) strings_of(record, restorable_);
    return restorable_;
}

bool SimServer::in_flight_to_clients(const std::string& tag) const {
    // Every connection nlchatd accepted, this run's or a dead run's (the kernel still
    // sends what a killed process wrote): the dialler is end "a".
    for (std::uint64_t id : net_.connections())
        for (const std::string* line : net_.in_flight(id, true))
            if (line->find(tag) != std::string::npos) return true;
    return false;
}

}  // namespace nlchat::sim
