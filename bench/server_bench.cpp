// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark of nlchatd on loopback: N operators and M callers (M - N of them wait in
// rings while N chat), messages both ways in rounds. Prints throughput, latency p50/p99
// each way, the server's CPU per message and memory per operator (from /proc), and the
// share of the server's CPU that is RSA (from the RSA costs measured here), once with
// libuv's thread pool at 1 thread and once at 2.
//
// The bench process plays every operator, so it also pays each operator's RSA
// decryption (about 4 ms a block, on its own thread pool): on a 2-core machine the two
// processes share the cores, and the latencies include the operator side's decryption.
//
// Then the same on the v2 session (core/link/v2_link.h) side by side with v1, at 20/40 and
// 50/200, in rounds (capacity, server CPU per message) and paced at 20 msg/s each way
// (latency); the last line sums it up.
//
//   server-bench NLCHATD [OPERATORS [CALLERS [ROUNDS [v2]]]]   (v2: only the v2 rounds)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "core/codec/bus_line.h"
#include "core/codec/command.h"
#include "core/codec/json_util.h"
#include "core/codec/raw_packet.h"
#include "core/crypto/key_file.h"
#include "core/link/v2_link.h"
#include "net/connector.h"
#include "net/loop.h"
#include "net/ordered_opener.h"
#include "net/timer.h"

using namespace nlchat;
using namespace nlchat::bench;

namespace {

struct Result {
    double throughput = 0, c2o_p50 = 0, c2o_p99 = 0, o2c_p50 = 0, o2c_p99 = 0;
    double cpu_per_msg_us = 0, rsa_share = 0, rss_per_operator_kib = 0;
    long messages = 0;
    bool ok = false;
};

class Bench {
public:
    Bench(std::string nlchatd, int threads, int operators, int callers, int rounds, const PrivateKey& key,
          double enc_us, double dec_us, bool acks = false, bool v2 = false, double rate = 0)
        : nlchatd_(std::move(nlchatd)),
          acks_(acks),
          v2_(v2),
          rate_(rate),
          threads_(threads),
          n_ops_(operators),
          n_callers_(callers),
          rounds_(rounds),
          key_(key),
          enc_us_(enc_us),
          dec_us_(dec_us) {}

    Result run() {
        char dir_tmpl[] = "/tmp/nlchat-bench-XXXXXX";
        dir_ = mkdtemp(dir_tmpl);
        Result r;
        if (start_server()) {
            r = drive();
        }
        stop_server();
        std::system(("rm -rf '" + dir_ + "'").c_str());
        return r;
    }

private:
    struct Op {
        std::string uuid;
        std::unique_ptr<net::LineStream> conn;
        // Opens what arrives in order on the thread pool, as nlchat does.
        std::unique_ptr<net::OrderedOpener> opener;
        bool joined = false, won = false;
        std::int64_t acked = 0;       // the ring this operator is trying to take
        std::set<std::int64_t> open;  // rings it has seen that nobody has taken
        int caller = -1;              // index of its caller once the first msg arrived
        // The v2 session: offered in the challengeACK; frames that come while the answer
        // is still being opened wait for it.
        std::unique_ptr<V2Endpoint> ep;
        bool offered = false;
        std::string nonce;
        std::vector<std::string> early;
    };

    // A free operator accepts the oldest open ring it knows of.
    void take_a_ring(Op& op) {
        if (op.won || op.acked || op.open.empty()) return;
        op.acked = *op.open.begin();
        send(op, RingAckCommand{op.uuid, op.acked});
    }

    bool start_server() {
        if (!server_.start(nlchatd_, dir_, {"--probe-after", "300", "--ring-timeout", "300"},
                           {{"UV_THREADPOOL_SIZE", std::to_string(threads_)}}))
            return false;
        pid_ = server_.pid();
        address_ = server_.address();
        return true;
    }

    void stop_server() { server_.stop(); }

    void send(Op& op, const Command& cmd) {
        if (!op.conn || !server_key_) return;
        Json::Value inner = to_json(cmd);
        if (op.ep && op.ep->active()) return void(op.conn->write_line(op.ep->send(write_json(inner))));
        if (const auto* ack = std::get_if<ChallengeAckCommand>(&cmd); ack && v2_) {
            op.ep = std::make_unique<V2Endpoint>(true);
            inner["v2"] = v2_offer_json(op.ep->offer());
            op.nonce = ack->nonce;
            op.offered = true;
        }
        op.conn->write_line(seal(write_json(inner), *server_key_, op.uuid, Role::Alice));
    }

    void on_frame(int i, const std::string& line) {
        Op& op = ops_[i];
        if (!op.ep || !op.ep->active()) {
            if (op.offered) op.early.push_back(line);
            return;
        }
        auto r = op.ep->receive(line);
        if (!r.ok) return void(std::fprintf(stderr, "server-bench: a bad v2 frame\n"));
        if (r.inner.empty()) return;
        std::string error;
        if (auto inner = parse_json_object(r.inner, error)) on_op_command(i, *inner);
    }

    void take_answer(int i, const Json::Value& inner) {
        Op& op = ops_[i];
        auto answer = parse_v2_answer(inner);
        op.offered = false;
        auto first = answer ? op.ep->accept(*answer, op.uuid, op.nonce, key_.public_key().fingerprint(),
                                            server_key_->fingerprint())
                            : std::nullopt;
        if (!first) return void(std::fprintf(stderr, "server-bench: an unusable v2 answer\n"));
        for (const auto& line : *first) op.conn->write_line(line);
        std::vector<std::string> early = std::move(op.early);
        for (const auto& line : early) on_frame(i, line);
    }

    void on_op_line(int i, std::string line) {
        std::string error;
        if (line.find("\"server_online\"") != std::string::npos) {
            auto obj = parse_json_object(line, error);
            if (obj && !server_key_) server_key_ = PublicKey::from_pem((*obj)["key"].asString(), error);
            send(ops_[i], KeyCommand{ops_[i].uuid, key_.public_key().to_pem()});
            return;
        }
        if (line.rfind("{\"v2\":\"", 0) == 0) return on_frame(i, line);
        ops_[i].opener->add(std::move(line));
    }

    void on_op_command(int i, const Json::Value& inner) {
        Op& op = ops_[i];
        if (inner["type"] == "v2") return take_answer(i, inner);
        ParsedCommand p = parse_command(inner);
        if (p.kind != ParsedCommand::Kind::Ok) return;
        const Command& cmd = *p.command;
        if (auto* ch = std::get_if<ChallengeCommand>(&cmd)) return send(op, ChallengeAckCommand{op.uuid, ch->nonce});
        if (std::holds_alternative<StatusCommand>(cmd) && !op.joined) {
            op.joined = true;
            if (next_dial_ < n_ops_) dial(next_dial_++);
            if (++joined_ == n_ops_) joined_all();
            return;
        }
        if (auto* ring = std::get_if<RingCommand>(&cmd)) {
            op.open.insert(ring->id);
            return take_a_ring(op);
        }
        if (auto* ack = std::get_if<RingAckAckCommand>(&cmd)) {
            op.open.erase(ack->id);
            if (ack->uuid == op.uuid) op.won = true;
            else if (op.acked == ack->id) op.acked = 0;  // lost the race: try another ring
            return take_a_ring(op);
        }
        if (auto* msg = std::get_if<MsgCommand>(&cmd)) {
            // "hello N" starts a chat; "c N SEQ" is a timed caller message to answer.
            for (const auto& text : msg->msg) {
                int caller, seq;
                if (std::sscanf(text.c_str(), "hello %d", &caller) == 1) {
                    op.caller = caller;
                    if (++chatting_ == n_ops_) start_round();
                } else if (std::sscanf(text.c_str(), "c %d %d", &caller, &seq) == 2) {
                    c2o_.push_back(now_s() - sent_at_[{caller, seq}]);
                    sent_at_[{-caller - 1, seq}] = now_s();
                    send(op, MsgCommand{
                                 {"o " + std::to_string(caller) + " " + std::to_string(seq)}, Direction::Out, op.uuid});
                }
            }
        }
    }

    void on_bus_line(std::string_view text) {
        std::string error;
        auto obj = parse_json_object(text, error);
        if (!obj) return;
        ParsedBusLine parsed = parse_bus_line(*obj);
        if (!parsed.value) return;
        if (std::holds_alternative<BusProbe>(*parsed.value)) return void(bus_->write_line(write_json(bus_probe_ack())));
        auto* msg = std::get_if<BusMsg>(&*parsed.value);
        // With acknowledgements the service takes each of nlchatd's lines at once.
        if (msg && msg->id) bus_->write_line(write_json(bus_json(BusAck{*msg->id})));
        if (!msg || msg->origin) return;  // nlchatd's own replies are not what is timed
        int caller, seq;
        for (const auto& m : msg->msg) {
            if (std::sscanf(m.c_str(), "o %d %d", &caller, &seq) != 2) continue;
            o2c_.push_back(now_s() - sent_at_[{-caller - 1, seq}]);
            if (rate_ > 0) {
                if (++answered_ == paced_total_) finish();
            } else if (++answered_ == n_ops_) {
                if (++round_ < rounds_) start_round();
                else finish();
            }
        }
    }

    void caller_says(int caller, const std::string& text) {
        Json::Value line = bus_msg("caller-" + std::to_string(caller), {text}, Direction::In);
        // With acknowledgements each line is numbered: nlchatd journals the id (and so
        // commits to disk) before it acknowledges it.
        if (acks_) line["id"] = "b-" + std::to_string(++next_id_);
        bus_->write_line(write_json(line));
    }

    void joined_all() {
        rss_joined_ = rss_kib(pid_);
        // Callers write one after another; each rings every operator.
        for (int c = 0; c < n_callers_; ++c) caller_says(c, "hello " + std::to_string(c));
    }

    // Paced: one caller line every 1/rate seconds, to each chatting operator in turn.
    void pace() {
        if (paced_sent_ == 0) {
            phase_start_ = now_s();
            cpu_start_ = cpu_seconds(pid_);
        }
        const Op& op = ops_[static_cast<std::size_t>(paced_sent_ % n_ops_)];
        const int seq = paced_sent_++;
        sent_at_[{op.caller, seq}] = now_s();
        caller_says(op.caller, "c " + std::to_string(op.caller) + " " + std::to_string(seq));
        if (paced_sent_ < paced_total_) pacer_.start(1.0 / rate_, [this] { pace(); });
    }

    void start_round() {
        if (rate_ > 0) {
            paced_total_ = n_ops_ * rounds_;
            return pace();
        }
        if (round_ == 0) {
            phase_start_ = now_s();
            cpu_start_ = cpu_seconds(pid_);
        }
        answered_ = 0;
        for (const Op& op : ops_) {
            sent_at_[{op.caller, round_}] = now_s();
            caller_says(op.caller, "c " + std::to_string(op.caller) + " " + std::to_string(round_));
        }
    }

    void finish() {
        double elapsed = now_s() - phase_start_;
        double cpu = cpu_seconds(pid_) - cpu_start_;
        long messages = 2L * n_ops_ * rounds_;
        result_.ok = true;
        result_.messages = messages;
        result_.throughput = static_cast<double>(messages) / elapsed;
        result_.c2o_p50 = percentile(c2o_, 0.5) * 1000, result_.c2o_p99 = percentile(c2o_, 0.99) * 1000;
        result_.o2c_p50 = percentile(o2c_, 0.5) * 1000, result_.o2c_p99 = percentile(o2c_, 0.99) * 1000;
        result_.cpu_per_msg_us = cpu * 1e6 / static_cast<double>(messages);
        // Per exchange the server encrypts one block to the operator and decrypts one.
        double rsa = static_cast<double>(n_ops_ * rounds_) * (enc_us_ + dec_us_) / 1e6;
        result_.rsa_share = cpu > 0 ? std::min(1.0, rsa / cpu) : 0;
        result_.rss_per_operator_kib = static_cast<double>(rss_joined_ - rss_before_ops_) / n_ops_;
        for (auto& op : ops_) op.opener.reset(), op.conn.reset();
        bus_.reset();
        watchdog_.close();
        pacer_.close();
    }

    void dial(int i) {
        auto c = std::make_shared<net::Connector>(loop_, 1 << 20);
        connectors_.push_back(c);
        c->connect_tcp(address_, [this, i](std::unique_ptr<net::LineStream> conn, const std::string&) {
            if (!conn) return;
            ops_[i].conn = std::move(conn);
            ops_[i].opener = std::make_unique<net::OrderedOpener>(
                loop_, key_, Role::Bob,
                net::OrderedOpener::Handlers{[this, i](const OpenResult& r) {
                                                 if (r.packet) on_op_command(i, r.packet->inner);
                                             },
                                             nullptr});
            ops_[i].opener->watch(ops_[i].conn.get());
            ops_[i].conn->start({[this, i](std::string_view l) { on_op_line(i, std::string(l)); }, nullptr});
        });
    }

    Result drive() {
        net::Connector bus_connector(loop_, 1 << 20);
        bus_connector.connect_unix(dir_ + "/bus.sock", [this](std::unique_ptr<net::LineStream> s, const std::string&) {
            if (!s) return;
            bus_ = std::move(s);
            bus_->start({[this](std::string_view l) { on_bus_line(l); }, nullptr});
            bus_->write_line(write_json(bus_service_online("Bench", true, acks_)));
            rss_before_ops_ = rss_kib(pid_);
            // At most 24 joining at once: nlchatd takes 32 connections that have not
            // joined from one address (the bench is one), and refuses the rest.
            for (next_dial_ = 0; next_dial_ < std::min(n_ops_, 24); ++next_dial_) dial(next_dial_);
        });
        ops_.resize(n_ops_);
        for (int i = 0; i < n_ops_; ++i) ops_[i].uuid = "bench-op-" + std::to_string(i);
        // A bound on the whole run, so a stuck bench still ends.
        watchdog_.start(300, [this] {
            std::fprintf(stderr, "server-bench: gave up after 300 s\n");
            for (auto& op : ops_) op.opener.reset(), op.conn.reset();
            bus_.reset();
            watchdog_.close();
            pacer_.close();
        });
        loop_.run();
        connectors_.clear();
        loop_.run();
        return result_;
    }

    std::string nlchatd_;
    bool acks_, v2_;
    double rate_;  // > 0: paced at this many caller lines a second (each answered)
    int paced_sent_ = 0, paced_total_ = 0;
    std::uint64_t next_id_ = 0;
    int threads_, n_ops_, n_callers_, rounds_;
    const PrivateKey& key_;
    double enc_us_, dec_us_;
    std::string dir_;
    ServerProcess server_;
    pid_t pid_ = -1;
    HostPort address_;
    net::Loop loop_;
    net::Timer watchdog_{loop_};
    net::Timer pacer_{loop_};
    std::optional<PublicKey> server_key_;
    std::vector<Op> ops_;
    std::vector<std::shared_ptr<net::Connector>> connectors_;
    std::unique_ptr<net::LineStream> bus_;
    int joined_ = 0, chatting_ = 0, answered_ = 0, round_ = 0, next_dial_ = 0;
    std::map<std::pair<int, int>, double> sent_at_;
    std::vector<double> c2o_, o2c_;
    double phase_start_ = 0, cpu_start_ = 0;
    long rss_before_ops_ = 0, rss_joined_ = 0;
    Result result_;
};

// The machine's own floor: a 60-byte ping-pong over loopback TCP between this process
// and a forked echo, at `rate` a second (as the paced run): its round trip p50 and p99 in
// ms. On a shared virtual machine the tail is the scheduler's, whatever the server does.
std::pair<double, double> loopback_rtt(double rate, int samples) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return {0, 0};
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) _exit(1);
        char buf[128];
        for (ssize_t n; (n = read(c, buf, sizeof buf)) > 0;)
            if (write(c, buf, static_cast<size_t>(n)) != n) break;
        _exit(0);
    }
    int s = accept(listener, nullptr, nullptr);
    close(listener);
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::vector<double> rtt;
    char buf[128] = {0};
    for (int i = 0; i < samples && s >= 0; ++i) {
        double start = now_s();
        if (write(s, buf, 60) != 60) break;
        std::size_t got = 0;
        for (ssize_t n; got < 60 && (n = read(s, buf, sizeof buf)) > 0;) got += static_cast<std::size_t>(n);
        rtt.push_back((now_s() - start) * 1000);
        usleep(static_cast<useconds_t>(1e6 / rate));
    }
    if (s >= 0) close(s);
    int status;
    waitpid(child, &status, 0);
    return {percentile(rtt, 0.5), percentile(rtt, 0.99)};
}

double median_us(int runs, const std::function<void()>& body) {
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        double start = now_s();
        body();
        t.push_back((now_s() - start) * 1e6);
    }
    return percentile(t, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: server-bench NLCHATD [OPERATORS [CALLERS [ROUNDS]]]\n");
        return 2;
    }
    int operators = argc > 2 ? std::atoi(argv[2]) : 20;
    int callers = argc > 3 ? std::atoi(argv[3]) : 40;
    int rounds = argc > 4 ? std::atoi(argv[4]) : 20;
    if (operators < 1 || callers < operators || rounds < 1) {
        std::fprintf(stderr, "server-bench: need 1 <= OPERATORS <= CALLERS and ROUNDS >= 1\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    std::string error;
    auto key = PrivateKey::generate(2048, error);
    if (!key) return std::fprintf(stderr, "server-bench: %s\n", error.c_str()), 1;
    std::string block(100, 'x'), ct = key->public_key().encrypt_block(block);
    double enc = median_us(200, [&] { key->public_key().encrypt_block(block); });
    double dec = median_us(100, [&] { key->decrypt_block(ct); });

    // "server-bench NLCHATD N M ROUNDS v2": only the v2 rounds at N/M (for profiling).
    if (argc > 5 && std::string(argv[5]) == "v2") {
        Result r = Bench(argv[1], 2, operators, callers, rounds, *key, enc, dec, false, true).run();
        std::printf("v2 %d/%d: %.0f msg/s, server CPU %.1f us/msg\n", operators, callers, r.throughput,
                    r.cpu_per_msg_us);
        return r.ok ? 0 : 1;
    }
    // "server-bench NLCHATD 50 200 ROUNDS paced": only the paced v2 run, with the
    // machine's floor beside it (to look for nlchatd's own tail).
    if (argc > 5 && std::string(argv[5]) == "paced") {
        Result r = Bench(argv[1], 2, operators, callers, rounds, *key, enc, dec, false, true, 20).run();
        auto [rtt50, rtt99] = loopback_rtt(20, operators * rounds);
        std::printf(
            "v2 paced %d/%d, %d exchanges: p50/p99 c->o %.2f / %.2f ms, o->c %.2f / %.2f ms; floor %.2f / %.2f ms\n",
            operators, callers, operators * rounds, r.c2o_p50, r.c2o_p99, r.o2c_p50, r.o2c_p99, rtt50, rtt99);
        return r.ok ? 0 : 1;
    }
    std::printf("nlchatd on loopback: %d operators, %d callers (%d chatting, %d waiting in rings), %d rounds\n",
                operators, callers, operators, callers - operators, rounds);
    std::printf("RSA-2048 here: encrypt %.0f us, decrypt %.0f us (medians)\n\n", enc, dec);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("%-10s %10s %21s %21s %12s %10s %12s\n", "threads", "msg/s", "caller->op p50/p99", "op->caller p50/p99",
                "server CPU", "RSA share", "RSS/operator");
    auto row = [](const std::string& label, const Result& r) {
        if (!r.ok) return void(std::printf("%-10s (run failed)\n", label.c_str()));
        std::printf("%-10s %10.1f %9.2f / %6.2f ms %9.2f / %6.2f ms %7.1f us/msg %9.0f %% %8.1f KiB\n", label.c_str(),
                    r.throughput, r.c2o_p50, r.c2o_p99, r.o2c_p50, r.o2c_p99, r.cpu_per_msg_us, r.rsa_share * 100,
                    r.rss_per_operator_kib);
    };
    // The last row: the bus with acknowledgements, so each caller line is journaled and
    // committed (one fdatasync per loop turn) before nlchatd acknowledges it.
    for (auto [threads, acks] : {std::pair{1, false}, std::pair{2, false}, std::pair{2, true}}) {
        Bench bench(argv[1], threads, operators, callers, rounds, *key, enc, dec, acks);
        row(std::to_string(threads) + (acks ? " +journal" : ""), bench.run());
    }
    std::printf(
        "\nmsg/s counts both directions; latencies include the operator side's decryption (bench process).\n"
        "RSA share = (exchanges x (encrypt + decrypt)) / server CPU time during the message rounds.\n"
        "+journal: the bus acknowledges, so every caller line is journaled and fsync'd (group commit) first.\n");

    // v1 and v2 side by side (2 pool threads): capacity in rounds at 20/40 and 50/200,
    // then latency paced at 20 caller lines a second (each answered: 20 msg/s each way).
    std::printf("\nv1 and v2 sessions side by side (rounds: capacity; paced: 20 msg/s each way)\n");
    std::printf("%-10s %10s %21s %21s %12s %10s %12s\n", "session", "msg/s", "caller->op p50/p99", "op->caller p50/p99",
                "server CPU", "RSA share", "RSS/operator");
    Result v1_big, v2_big;
    for (auto [ops, calls] : {std::pair{20, 40}, std::pair{50, 200}}) {
        const std::string size = " " + std::to_string(ops) + "/" + std::to_string(calls);
        Result v1 = Bench(argv[1], 2, ops, calls, rounds, *key, enc, dec, false, false).run();
        row("v1" + size, v1);
        // v2 runs 20 times the rounds: a run of a few milliseconds measures nothing.
        Result v2 = Bench(argv[1], 2, ops, calls, rounds * 20, *key, enc, dec, false, true).run();
        row("v2" + size, v2);
        row("v2j" + size, Bench(argv[1], 2, ops, calls, rounds * 20, *key, enc, dec, true, true).run());
        if (ops == 50) v1_big = v1, v2_big = v2;
    }
    Result paced = Bench(argv[1], 2, 50, 200, 10, *key, enc, dec, false, true, 20).run();
    row("v2 paced", paced);
    auto [rtt50, rtt99] = loopback_rtt(20, 500);
    std::printf("%-10s %10s %9.2f / %6.2f ms  (a bare TCP ping-pong here, no nlchatd: the machine's floor)\n",
                "loopback", "", rtt50, rtt99);
    std::printf(
        "v2j: v2 with the bus acknowledging (journal and fsync per loop turn). paced: 50/200, 500 exchanges at\n"
        "20 caller lines a second, each answered at once. RSA share counts v1's costs: it means nothing for v2.\n\n");
    if (v1_big.ok && v2_big.ok && paced.ok)
        std::printf(
            "session: v1 %.0f msg/s, v2 %.0f msg/s (%.0f×), v2 server CPU %.1f us/msg, v2 p99 c->o %.2f ms o->c %.2f "
            "ms\n",
            v1_big.throughput, v2_big.throughput, v2_big.throughput / v1_big.throughput, v2_big.cpu_per_msg_us,
            paced.c2o_p99, paced.o2c_p99);
    else std::printf("session: (a run failed)\n");
    return 0;
}
