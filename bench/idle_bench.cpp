// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark of nlchatd holding many idle operators on the v2 session, with its probes
// running at their defaults (probe after 7 s of silence, answer within 3 s): the server's
// CPU as a share of one core and its resident memory, measured from /proc over a quiet
// period after every operator has joined. The bench plays every operator, answering each
// probe as nlchat would. The operators connect from many loopback addresses, 64 joining
// at a time.
//
//   idle-bench NLCHATD [OPERATORS [SECONDS]]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_util.h"
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

constexpr int kJoiningAtOnce = 64;

class Idle {
public:
    Idle(std::string nlchatd, int operators, double seconds, const PrivateKey& key)
        : nlchatd_(std::move(nlchatd)), n_(operators), seconds_(seconds), key_(key) {}

    bool run() {
        char tmpl[] = "/tmp/nlchat-idle-XXXXXX";
        dir_ = mkdtemp(tmpl);
        bool ok = server_.start(nlchatd_, dir_, {});
        if (ok) ok = drive();
        server_.stop();
        std::system(("rm -rf '" + dir_ + "'").c_str());
        return ok;
    }

private:
    struct Op {
        std::string uuid;
        std::unique_ptr<net::LineStream> conn;
        std::unique_ptr<net::OrderedOpener> opener;
        V2Endpoint ep{true};
        bool offered = false, joined = false;
        std::string nonce;
        std::vector<std::string> early;
    };

    void send(Op& op, const Command& cmd) {
        if (!op.conn || !server_key_) return;
        Json::Value inner = to_json(cmd);
        if (op.ep.active()) return void(op.conn->write_line(op.ep.send(write_json(inner))));
        if (const auto* ack = std::get_if<ChallengeAckCommand>(&cmd)) {
            inner["v2"] = v2_offer_json(op.ep.offer());
            op.nonce = ack->nonce;
            op.offered = true;
        }
        op.conn->write_line(seal(write_json(inner), *server_key_, op.uuid, Role::Alice));
    }

    void on_line(int i, std::string line) {
        Op& op = ops_[i];
        if (line.rfind("{\"v2\":\"", 0) == 0) {
            if (!op.ep.active()) return op.early.push_back(std::move(line));
            auto r = op.ep.receive(line);
            if (!r.ok) return void(++bad_);
            std::string error;
            if (auto inner = r.inner.empty() ? std::nullopt : parse_json_object(r.inner, error)) on_command(i, *inner);
            return;
        }
        if (line.find("\"server_online\"") != std::string::npos) {
            std::string error;
            auto obj = parse_json_object(line, error);
            if (obj && !server_key_) server_key_ = PublicKey::from_pem((*obj)["key"].asString(), error);
            return send(op, KeyCommand{op.uuid, key_.public_key().to_pem()});
        }
        op.opener->add(std::move(line));
    }

    void on_command(int i, const Json::Value& inner) {
        Op& op = ops_[i];
        if (inner["type"] == "v2") {
            auto answer = parse_v2_answer(inner);
            auto first = answer ? op.ep.accept(*answer, op.uuid, op.nonce, key_.public_key().fingerprint(),
                                               server_key_->fingerprint())
                                : std::nullopt;
            if (!first) return void(++bad_);
            for (const auto& l : *first) op.conn->write_line(l);
            std::vector<std::string> early = std::move(op.early);
            for (auto& l : early) on_line(i, std::move(l));
            return;
        }
        ParsedCommand p = parse_command(inner);
        if (p.kind != ParsedCommand::Kind::Ok) return;
        if (auto* ch = std::get_if<ChallengeCommand>(&*p.command))
            return send(op, ChallengeAckCommand{op.uuid, ch->nonce});
        if (std::holds_alternative<ProbeCommand>(*p.command)) {
            ++probes_;
            return send(op, ProbeAckCommand{op.uuid});
        }
        if (std::holds_alternative<StatusCommand>(*p.command) && !op.joined) {
            op.joined = true;
            if (!op.ep.active()) ++v1_;
            ++joined_;
            if (next_ < n_) dial(next_++);
            else if (joined_ == n_) all_joined();
        }
    }

    void dial(int i) {
        auto c = std::make_shared<net::Connector>(loop_, 1 << 20);
        connectors_.push_back(c);
        // From 127.1.x.y, a few operators an address: nlchatd rations each address's
        // connections that have not joined (as it would a crowd of strangers).
        const std::string source =
            "127.1." + std::to_string((i / 4) / 250 % 250) + "." + std::to_string((i / 4) % 250 + 1);
        c->connect_tcp(
            server_.address(),
            [this, i](std::unique_ptr<net::LineStream> conn, const std::string& error) {
                if (!conn) {
                    std::fprintf(stderr, "idle-bench: cannot connect: %s\n", error.c_str());
                    return finish(false);
                }
                Op& op = ops_[i];
                op.conn = std::move(conn);
                op.opener = std::make_unique<net::OrderedOpener>(
                    loop_, key_, Role::Bob,
                    net::OrderedOpener::Handlers{[this, i](const OpenResult& r) {
                                                     if (r.packet) on_command(i, r.packet->inner);
                                                 },
                                                 nullptr});
                op.opener->watch(op.conn.get());
                op.conn->start({[this, i](std::string_view l) { on_line(i, std::string(l)); },
                                [this](const std::string&) { ++closed_; }});
            },
            source);
    }

    void all_joined() {
        std::printf("idle-bench: %d operators joined in %.0f s (%d on v1, %d bad frames)\n", n_, now_s() - start_, v1_,
                    bad_);
        // A few probe cycles to settle, then the quiet period.
        timer_.start(12, [this] {
            cpu0_ = cpu_seconds(server_.pid());
            t0_ = now_s();
            probes0_ = probes_;
            timer_.start(seconds_, [this] { finish(true); });
        });
    }

    void finish(bool ok) {
        if (ok) {
            double cpu = cpu_seconds(server_.pid()) - cpu0_, wall = now_s() - t0_;
            long rss = rss_kib(server_.pid());
            std::printf(
                "idle: %d v2 operators, probes at the defaults (%.0f answered a second): server CPU %.1f %% of a "
                "core, RSS %.0f MiB (%.1f KiB/operator); %d connections lost\n",
                n_, static_cast<double>(probes_ - probes0_) / wall, 100 * cpu / wall, static_cast<double>(rss) / 1024,
                static_cast<double>(rss) / n_, closed_);
        }
        ok_ = ok;
        for (auto& op : ops_) op.opener.reset(), op.conn.reset();
        timer_.close();
        watchdog_.close();
    }

    bool drive() {
        ops_.resize(static_cast<std::size_t>(n_));
        for (int i = 0; i < n_; ++i) ops_[i].uuid = "idle-op-" + std::to_string(i);
        start_ = now_s();
        for (next_ = 0; next_ < std::min(n_, kJoiningAtOnce); ++next_) dial(next_);
        watchdog_.start(900, [this] {
            std::fprintf(stderr, "idle-bench: gave up after 900 s (%d joined)\n", joined_);
            finish(false);
        });
        loop_.run();
        connectors_.clear();
        loop_.run();
        return ok_;
    }

    std::string nlchatd_;
    int n_;
    double seconds_;
    const PrivateKey& key_;
    std::string dir_;
    ServerProcess server_;
    net::Loop loop_;
    net::Timer timer_{loop_}, watchdog_{loop_};
    std::optional<PublicKey> server_key_;
    std::vector<Op> ops_;
    std::vector<std::shared_ptr<net::Connector>> connectors_;
    int next_ = 0, joined_ = 0, closed_ = 0, v1_ = 0, bad_ = 0;
    long probes_ = 0, probes0_ = 0;
    double start_ = 0, cpu0_ = 0, t0_ = 0;
    bool ok_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: idle-bench NLCHATD [OPERATORS [SECONDS]]\n");
        return 2;
    }
    int operators = argc > 2 ? std::atoi(argv[2]) : 10000;
    double seconds = argc > 3 ? std::atof(argv[3]) : 30;
    if (operators < 1 || seconds <= 0) {
        std::fprintf(stderr, "idle-bench: need OPERATORS >= 1 and SECONDS > 0\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    // Both processes need a descriptor per operator: the hard limit, for the bench and
    // (inherited) for nlchatd.
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < static_cast<rlim_t>(operators) + 100) {
        std::fprintf(stderr, "idle-bench: the open-file limit (%llu) is too low for %d operators\n",
                     static_cast<unsigned long long>(lim.rlim_cur), operators);
        return 1;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::string error;
    auto key = PrivateKey::generate(2048, error);
    if (!key) return std::fprintf(stderr, "idle-bench: %s\n", error.c_str()), 1;
    return Idle(argv[1], operators, seconds, *key).run() ? 0 : 1;
}
