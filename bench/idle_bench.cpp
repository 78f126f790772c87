// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark of nlchatd holding many idle operators on the v2 session, with its probes
// running at their defaults (probe after 7 s of silence, answer within 3 s): the server's
// CPU as a share of one core and its resident memory, measured from /proc over a quiet
// period after every operator has joined. The bench plays every operator, answering each
// probe as nlchat would. The operators connect from many loopback addresses, 64 joining
// at a time.
//
// Then nlchatd is killed (-9) and started again on the same state directory, and every
// operator redials at once (256 connecting at a time) and rejoins without RSA with the
// secret its session gave (nlchat-protocol(7), Resumption without RSA): the time until
// all are back, and nlchatd's CPU per rejoin.
//
//   idle-bench NLCHATD [OPERATORS [SECONDS]]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "core/codec/base64.h"
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
constexpr int kRejoiningAtOnce = 256;

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
        bool offered = false, joined = false, resuming = false;
        std::string nonce, resume_nonce;
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
            // After the restart: the session's secret answers the nonce, instead of the key.
            auto nonce = obj && (*obj)["resume"].isString() ? base64_decode((*obj)["resume"].asString()) : std::nullopt;
            auto hello = nonce ? op.ep.resume_hello(op.uuid, *nonce, std::nullopt, key_.public_key().fingerprint(),
                                                    server_key_->fingerprint())
                               : std::nullopt;
            if (hello) {
                op.resuming = true;
                op.resume_nonce = *nonce;
                return void(op.conn->write_line(write_json(resume_hello_json(*hello))));
            }
            return send(op, KeyCommand{op.uuid, key_.public_key().to_pem()});
        }
        if (op.resuming) return on_resume_answer(op, i, line);
        op.opener->add(std::move(line));
    }

    void on_resume_answer(Op& op, int i, const std::string& line) {
        op.resuming = false;
        std::string error;
        auto obj = parse_json_object(line, error);
        if (obj && (*obj)["type"] == "v2") {
            auto answer = parse_v2_answer(*obj);
            auto first = answer ? op.ep.accept_resumed(*answer, op.uuid, op.resume_nonce,
                                                       key_.public_key().fingerprint(), server_key_->fingerprint())
                                : std::nullopt;
            if (!first) return void(++bad_);
            ++without_rsa_;
            for (const auto& l : *first) op.conn->write_line(l);
            return;
        }
        ++fell_back_;  // resume_failed: the key, and the whole handshake
        (void)i;
        send(op, KeyCommand{op.uuid, key_.public_key().to_pem()});
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
            else if (joined_ == n_) rejoining_ ? all_rejoined() : all_joined();
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
        first_join_ = now_s() - start_;
        std::printf("idle-bench: %d operators joined in %.0f s (%d on v1, %d bad frames)\n", n_, first_join_, v1_,
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
            if (!rejoining_) return rejoin();
        }
        close_all(ok);
    }

    // nlchatd killed and started again on the same state directory; every operator redials.
    void rejoin() {
        rejoining_ = true;
        for (auto& op : ops_) {
            op.opener.reset(), op.conn.reset();
            op.ep.link_down();
            op.joined = op.offered = op.resuming = false;
            op.early.clear();
        }
        server_.kill9();
        if (!server_.start(nlchatd_, dir_, {})) return close_all(false);
        joined_ = v1_ = 0;
        start_ = now_s();
        for (next_ = 0; next_ < std::min(n_, kRejoiningAtOnce); ++next_) dial(next_);
    }

    void all_rejoined() {
        const double took = now_s() - start_, cpu = cpu_seconds(server_.pid());
        std::printf(
            "rejoin: %d v2 operators back in %.1f s after kill -9 (first join %.0f s); %d without RSA, %d "
            "fell back to the key, %d bad; nlchatd CPU %.0f us a rejoin (its start included)\n",
            n_, took, first_join_, without_rsa_, fell_back_, bad_, 1e6 * cpu / n_);
        close_all(true);
    }

    void close_all(bool ok) {
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
    int next_ = 0, joined_ = 0, closed_ = 0, v1_ = 0, bad_ = 0, without_rsa_ = 0, fell_back_ = 0;
    bool rejoining_ = false;
    double first_join_ = 0;
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
