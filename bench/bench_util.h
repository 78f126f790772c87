// SPDX-License-Identifier: GPL-3.0-or-later
// What the server benchmarks share: a clock, percentiles, a process's CPU time and memory
// from /proc, and nlchatd started on a port the OS picks (found in its log) and stopped.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/codec/host_port.h"
#include "net/timer.h"

namespace nlchat::bench {

inline double now_s() { return net::monotonic_seconds(); }

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// CPU seconds (user + system, all threads) of a process, to the nanosecond where the
// kernel allows (its CPU-time clock), else in /proc's clock ticks (10 ms: too coarse for
// a run of a few thousand cheap messages).
inline double cpu_seconds(pid_t pid) {
    clockid_t clock;
    timespec ts{};
    if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &ts) == 0)
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream rest(all.substr(all.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i == 14 || i == 15) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Resident memory (KiB) of a process.
inline long rss_kib(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

// nlchatd in a scratch directory, any key allowed, logging to DIR/nlchatd.log.
class ServerProcess {
public:
    // `args`: options after the fixed ones; `env`: NAME=VALUE pairs to set.
    bool start(const std::string& nlchatd, const std::string& dir, const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& env = {}) {
        std::string log = dir + "/nlchatd.log";
        pid_ = fork();
        if (pid_ == 0) {
            for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
            if (!freopen(log.c_str(), "w", stderr)) _exit(127);
            std::vector<std::string> all = {"nlchatd", "--allow-any-key",   "--listen",         "127.0.0.1:0",
                                            "--key",   dir + "/server.key", "--service-socket", dir + "/bus.sock"};
            all.insert(all.end(), args.begin(), args.end());
            std::vector<char*> argv;
            for (auto& a : all) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(nlchatd.c_str(), argv.data());
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
                    if (auto hp = parse_host_port(line.substr(at + 13), error)) address_ = *hp;
                }
                if (line.find("service bus on") != std::string::npos && address_.port) return true;
            }
            usleep(50 * 1000);
        }
        std::fprintf(stderr, "bench: nlchatd did not start (see %s)\n", log.c_str());
        return false;
    }

    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status;
        for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(50 * 1000);
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    // kill -9, and wait for it: what a crash leaves on disk stays there.
    void kill9() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        int status;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    pid_t pid() const { return pid_; }
    const HostPort& address() const { return address_; }

private:
    pid_t pid_ = -1;
    HostPort address_;
};

}  // namespace nlchat::bench
