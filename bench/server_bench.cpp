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
//   server-bench NLCHATD [OPERATORS [CALLERS [ROUNDS]]]
#include <signal.h>
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

#include "core/bus_line.h"
#include "core/command.h"
#include "core/json_util.h"
#include "core/key_file.h"
#include "core/raw_packet.h"
#include "net/connector.h"
#include "net/loop.h"
#include "net/ordered_opener.h"
#include "net/timer.h"

using namespace nlchat;

namespace {

double now_s() { return net::monotonic_seconds(); }

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// CPU seconds (user + system) and resident memory (KiB) of a process.
double cpu_seconds(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream rest(all.substr(all.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i == 14 || i == 15) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long rss_kib(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

struct Result {
    double throughput = 0, c2o_p50 = 0, c2o_p99 = 0, o2c_p50 = 0, o2c_p99 = 0;
    double cpu_per_msg_us = 0, rsa_share = 0, rss_per_operator_kib = 0;
    long messages = 0;
    bool ok = false;
};

class Bench {
public:
    Bench(std::string nlchatd, int threads, int operators, int callers, int rounds, const PrivateKey& key,
          double enc_us, double dec_us, bool acks = false)
        : nlchatd_(std::move(nlchatd)),
          acks_(acks),
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
    };

    // A free operator accepts the oldest open ring it knows of.
    void take_a_ring(Op& op) {
        if (op.won || op.acked || op.open.empty()) return;
        op.acked = *op.open.begin();
        send(op, RingAckCommand{op.uuid, op.acked});
    }

    bool start_server() {
        std::string log = dir_ + "/nlchatd.log";
        pid_ = fork();
        if (pid_ == 0) {
            setenv("UV_THREADPOOL_SIZE", std::to_string(threads_).c_str(), 1);
            freopen(log.c_str(), "w", stderr);
            execl(nlchatd_.c_str(), "nlchatd", "--allow-any-key", "--listen", "127.0.0.1:0", "--key",
                  (dir_ + "/server.key").c_str(), "--service-socket", (dir_ + "/bus.sock").c_str(), "--probe-after",
                  "300", "--ring-timeout", "300", static_cast<char*>(nullptr));
            _exit(127);
        }
        // Wait (bounded) for the log line that gives the port.
        for (int i = 0; i < 200; ++i) {
            std::ifstream f(log);
            std::string line;
            while (std::getline(f, line)) {
                size_t at = line.find("listening on ");
                if (at != std::string::npos) {
                    std::string error;
                    address_ = *parse_host_port(line.substr(at + 13), error);
                }
                if (line.find("service bus on") != std::string::npos && address_.port) return true;
            }
            usleep(50 * 1000);
        }
        std::fprintf(stderr, "server-bench: nlchatd did not start (see its log)\n");
        return false;
    }

    void stop_server() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status;
        for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(50 * 1000);
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    void send(Op& op, const Command& cmd) {
        if (op.conn && server_key_)
            op.conn->write_line(seal(write_json(to_json(cmd)), *server_key_, op.uuid, Role::Alice));
    }

    void on_op_line(int i, std::string line) {
        std::string error;
        if (line.find("\"server_online\"") != std::string::npos) {
            auto obj = parse_json_object(line, error);
            if (obj && !server_key_) server_key_ = PublicKey::from_pem((*obj)["key"].asString(), error);
            send(ops_[i], KeyCommand{ops_[i].uuid, key_.public_key().to_pem()});
            return;
        }
        ops_[i].opener->add(std::move(line));
    }

    void on_op_command(int i, const Json::Value& inner) {
        Op& op = ops_[i];
        ParsedCommand p = parse_command(inner);
        if (p.kind != ParsedCommand::Kind::Ok) return;
        const Command& cmd = *p.command;
        if (auto* ch = std::get_if<ChallengeCommand>(&cmd)) return send(op, ChallengeAckCommand{op.uuid, ch->nonce});
        if (std::holds_alternative<StatusCommand>(cmd) && !op.joined) {
            op.joined = true;
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
            if (++answered_ == n_ops_) {
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

    void start_round() {
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
    }

    Result drive() {
        net::Connector bus_connector(loop_, 1 << 20);
        bus_connector.connect_unix(dir_ + "/bus.sock", [this](std::unique_ptr<net::LineStream> s, const std::string&) {
            if (!s) return;
            bus_ = std::move(s);
            bus_->start({[this](std::string_view l) { on_bus_line(l); }, nullptr});
            bus_->write_line(write_json(bus_service_online("Bench", true, acks_)));
            rss_before_ops_ = rss_kib(pid_);
            for (int i = 0; i < n_ops_; ++i) {
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
        });
        ops_.resize(n_ops_);
        for (int i = 0; i < n_ops_; ++i) ops_[i].uuid = "bench-op-" + std::to_string(i);
        // A bound on the whole run, so a stuck bench still ends.
        watchdog_.start(300, [this] {
            std::fprintf(stderr, "server-bench: gave up after 300 s\n");
            for (auto& op : ops_) op.opener.reset(), op.conn.reset();
            bus_.reset();
            watchdog_.close();
        });
        loop_.run();
        connectors_.clear();
        loop_.run();
        return result_;
    }

    std::string nlchatd_;
    bool acks_;
    std::uint64_t next_id_ = 0;
    int threads_, n_ops_, n_callers_, rounds_;
    const PrivateKey& key_;
    double enc_us_, dec_us_;
    std::string dir_;
    pid_t pid_ = -1;
    HostPort address_;
    net::Loop loop_;
    net::Timer watchdog_{loop_};
    std::optional<PublicKey> server_key_;
    std::vector<Op> ops_;
    std::vector<std::shared_ptr<net::Connector>> connectors_;
    std::unique_ptr<net::LineStream> bus_;
    int joined_ = 0, chatting_ = 0, answered_ = 0, round_ = 0;
    std::map<std::pair<int, int>, double> sent_at_;
    std::vector<double> c2o_, o2c_;
    double phase_start_ = 0, cpu_start_ = 0;
    long rss_before_ops_ = 0, rss_joined_ = 0;
    Result result_;
};

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

    std::printf("nlchatd on loopback: %d operators, %d callers (%d chatting, %d waiting in rings), %d rounds\n",
                operators, callers, operators, callers - operators, rounds);
    std::printf("RSA-2048 here: encrypt %.0f us, decrypt %.0f us (medians)\n\n", enc, dec);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("%-10s %10s %21s %21s %12s %10s %12s\n", "threads", "msg/s", "caller->op p50/p99", "op->caller p50/p99",
                "server CPU", "RSA share", "RSS/operator");
    // The last row: the bus with acknowledgements, so each caller line is journaled and
    // committed (one fdatasync per loop turn) before nlchatd acknowledges it.
    for (auto [threads, acks] : {std::pair{1, false}, std::pair{2, false}, std::pair{2, true}}) {
        Bench bench(argv[1], threads, operators, callers, rounds, *key, enc, dec, acks);
        Result r = bench.run();
        std::string label = std::to_string(threads) + (acks ? " +journal" : "");
        if (!r.ok) {
            std::printf("%-10s (run failed)\n", label.c_str());
            continue;
        }
        std::printf("%-10s %10.1f %9.1f / %6.1f ms %9.1f / %6.1f ms %7.0f us/msg %9.0f %% %8.1f KiB\n", label.c_str(),
                    r.throughput, r.c2o_p50, r.c2o_p99, r.o2c_p50, r.o2c_p99, r.cpu_per_msg_us, r.rsa_share * 100,
                    r.rss_per_operator_kib);
    }
    std::printf(
        "\nmsg/s counts both directions; latencies include the operator side's decryption (bench process).\n"
        "RSA share = (exchanges x (encrypt + decrypt)) / server CPU time during the message rounds.\n"
        "+journal: the bus acknowledges, so every caller line is journaled and fsync'd (group commit) first.\n");
    return 0;
}
