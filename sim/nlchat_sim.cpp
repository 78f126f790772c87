// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat-sim: the deterministic simulation of the whole system (HACKING.md, "The
// simulation"). Each seed runs nlchatd's core, operators' nlchat and services on a
// simulated network and disk, with faults at any step, and checks the invariants after
// every event and at the end. A failing seed prints its trace's tail and the command that
// replays it exactly.
//
//   nlchat-sim [--seeds N] [--first S] [--jobs J]    seeds S .. S+N-1 (default 1..100, 2 jobs)
//   nlchat-sim --seed S [--trace]                    one seed (--trace: every event, as it happens)
//   nlchat-sim --plant late-commit|drop-held --seeds N
//                                                    a bug planted: passes when some seed catches it
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sim/scenario.h"

using namespace nlchat;
using namespace nlchat::sim;

namespace {

struct Options {
    std::uint64_t first = 1, seeds = 100;
    unsigned jobs = 2;
    bool one = false, trace = false;
    Plant plant = Plant::None;
    std::string plant_name;
};

int usage() {
    std::fprintf(stderr,
                 "usage: nlchat-sim [--seeds N] [--first S] [--jobs J] | --seed S [--trace]\n"
                 "       nlchat-sim --plant late-commit|drop-held [--seeds N]\n");
    return 2;
}

bool number(const char* text, std::uint64_t& out) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (!*text || *end) return false;
    out = v;
    return true;
}

std::string report(std::uint64_t seed, const Outcome& o) {
    std::string out = "seed " + std::to_string(seed) + ": FAILED: " + o.failure + "\n  set-up: " + o.summary + "\n";
    const std::size_t tail = 40;
    const std::size_t from = o.trace.size() > tail ? o.trace.size() - tail : 0;
    out += "  the last " + std::to_string(o.trace.size() - from) + " of " + std::to_string(o.trace.size()) +
           " trace lines:\n";
    for (std::size_t i = from; i < o.trace.size(); ++i) out += "    " + o.trace[i] + "\n";
    out += "  replay: nlchat-sim --seed " + std::to_string(seed) + " --trace\n";
    return out;
}

// Runs seeds first + k*jobs + job; returns "passed failed events first_failing handovers
// whispers" and the reports.
std::string run_share(const Options& opt, const Keys& keys, unsigned job, bool stop_at_first) {
    std::uint64_t passed = 0, failed = 0, events = 0, first_failing = 0, handovers = 0, whispers = 0;
    std::string reports;
    for (std::uint64_t i = job; i < opt.seeds; i += opt.jobs) {
        const std::uint64_t seed = opt.first + i;
        Outcome o = run_seed(seed, keys, opt.plant, false);
        events += o.events;
        handovers += o.handovers;
        whispers += o.whispers;
        if (o.ok) {
            ++passed;
            continue;
        }
        ++failed;
        if (!first_failing) first_failing = seed;
        if (opt.plant == Plant::None || failed == 1) reports += report(seed, o);
        if (stop_at_first) break;
    }
    return std::to_string(passed) + " " + std::to_string(failed) + " " + std::to_string(events) + " " +
           std::to_string(first_failing) + " " + std::to_string(handovers) + " " + std::to_string(whispers) + "\n" +
           reports;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        std::uint64_t v = 0;
        auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--seeds" && number(next(), v) && v > 0) opt.seeds = v;
        else if (a == "--first" && number(next(), v)) opt.first = v;
        else if (a == "--jobs" && number(next(), v) && v > 0 && v <= 64) opt.jobs = static_cast<unsigned>(v);
        else if (a == "--seed" && number(next(), v)) opt.first = v, opt.seeds = 1, opt.one = true, opt.jobs = 1;
        else if (a == "--trace") opt.trace = true;
        else if (a == "--plant") {
            opt.plant_name = next();
            if (opt.plant_name == "late-commit") opt.plant = Plant::LateCommit;
            else if (opt.plant_name == "drop-held") opt.plant = Plant::DropHeld;
            else return usage();
        } else return usage();
    }
    // Keys are made once a run (RSA generation takes a tenth of a second each); nothing
    // in a seed's course depends on their bits.
    std::string error;
    auto server_key = PrivateKey::generate(2048, error);
    if (!server_key) return std::fprintf(stderr, "nlchat-sim: %s\n", error.c_str()), 1;
    Keys keys{std::move(*server_key), {}};
    for (int i = 0; i < 3; ++i) {
        auto k = PrivateKey::generate(2048, error);
        if (!k) return std::fprintf(stderr, "nlchat-sim: %s\n", error.c_str()), 1;
        keys.operators.push_back(std::move(*k));
    }

    if (opt.one) {
        Outcome o = run_seed(opt.first, keys, opt.plant, opt.trace);
        std::printf(
            "seed %llu: %s; %zu events, %zu caller lines (%zu shown), %zu operator lines, %zu hand-overs, %zu "
            "whispers\n",
            static_cast<unsigned long long>(opt.first), o.summary.c_str(), o.events, o.caller_lines, o.shown,
            o.operator_lines, o.handovers, o.whispers);
        if (!o.ok) std::printf("%s", report(opt.first, o).c_str());
        std::printf("%d passed, %d failed\n", o.ok ? 1 : 0, o.ok ? 0 : 1);
        return o.ok ? 0 : 1;
    }

    const auto started = std::chrono::steady_clock::now();
    std::printf("nlchat-sim: seeds %llu to %llu, %u job(s)%s\n", static_cast<unsigned long long>(opt.first),
                static_cast<unsigned long long>(opt.first + opt.seeds - 1), opt.jobs,
                opt.plant == Plant::None ? "" : (", bug planted: " + opt.plant_name).c_str());
    std::fflush(stdout);
    const bool planted = opt.plant != Plant::None;
    std::vector<std::pair<pid_t, int>> children;
    for (unsigned j = 0; j < opt.jobs; ++j) {
        int fds[2];
        if (pipe(fds) != 0) return std::perror("nlchat-sim: pipe"), 1;
        pid_t pid = fork();
        if (pid < 0) return std::perror("nlchat-sim: fork"), 1;
        if (pid == 0) {
            close(fds[0]);
            std::string out = run_share(opt, keys, j, planted);
            for (std::size_t done = 0; done < out.size();) {
                ssize_t n = write(fds[1], out.data() + done, out.size() - done);
                if (n <= 0) _exit(1);
                done += static_cast<std::size_t>(n);
            }
            _exit(0);
        }
        close(fds[1]);
        children.emplace_back(pid, fds[0]);
    }
    std::uint64_t passed = 0, failed = 0, events = 0, first_failing = 0, handovers = 0, whispers = 0;
    bool broken = false;
    for (auto [pid, fd] : children) {
        std::string out;
        char buf[65536];
        for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
        close(fd);
        int status = 0;
        waitpid(pid, &status, 0);
        unsigned long long p = 0, f = 0, e = 0, ff = 0, h = 0, w = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            std::sscanf(out.c_str(), "%llu %llu %llu %llu %llu %llu", &p, &f, &e, &ff, &h, &w) != 6) {
            std::printf("nlchat-sim: a job died (status %d)\n", status);
            broken = true;
            continue;
        }
        passed += p, failed += f, events += e, handovers += h, whispers += w;
        if (ff && (!first_failing || ff < first_failing)) first_failing = ff;
        std::printf("%s", out.substr(out.find('\n') + 1).c_str());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("nlchat-sim: %llu seed(s) in %.1f s (%.0f a second), %llu events, %llu hand-overs, %llu whispers\n",
                static_cast<unsigned long long>(passed + failed), seconds, (passed + failed) / seconds,
                static_cast<unsigned long long>(events), static_cast<unsigned long long>(handovers),
                static_cast<unsigned long long>(whispers));
    if (planted) {
        // The simulation must be able to fail: a planted bug is a test that passes when caught.
        const bool caught = failed > 0 && !broken;
        if (caught)
            std::printf("planted bug %s: caught (first at seed %llu)\n", opt.plant_name.c_str(),
                        static_cast<unsigned long long>(first_failing));
        else
            std::printf("planted bug %s: NOT caught in %llu seeds\n", opt.plant_name.c_str(),
                        static_cast<unsigned long long>(passed + failed));
        std::printf("%d passed, %d failed\n", caught ? 1 : 0, caught ? 0 : 1);
        return caught ? 0 : 1;
    }
    if (broken) ++failed;
    std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(passed),
                static_cast<unsigned long long>(failed));
    return failed == 0 ? 0 : 1;
}
