// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/demo.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/codec/bus_line.h"
#include "core/codec/json_util.h"
#include "core/crypto/key_file.h"
#include "core/dispatch/dispatch_config.h"

namespace nlchat {
namespace {

// nlchatd beside this program (a build tree or an install), else whatever PATH finds.
std::string find_nlchatd() {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        std::string dir(self);
        dir = dir.substr(0, dir.rfind('/'));
        if (access((dir + "/nlchatd").c_str(), X_OK) == 0) return dir + "/nlchatd";
    }
    return "nlchatd";
}

}  // namespace

bool DemoServer::start(std::string& error) {
    char tmpl[] = "/tmp/nlchat-demo-XXXXXX";
    if (!mkdtemp(tmpl)) {
        error = std::string("cannot make a temporary directory: ") + std::strerror(errno);
        return false;
    }
    dir_ = tmpl;
    std::string log = dir_ + "/nlchatd.log", nlchatd = find_nlchatd();
    pid_ = fork();
    if (pid_ < 0) {
        error = std::string("cannot start nlchatd: ") + std::strerror(errno);
        return false;
    }
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the demo
        if (!freopen(log.c_str(), "w", stderr)) _exit(126);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0), dup2(devnull, 1);
        execlp(nlchatd.c_str(), "nlchatd", "--allow-any-key", "--listen", "127.0.0.1:0", "--key",
               (dir_ + "/server.key").c_str(), "--service-socket", (dir_ + "/bus.sock").c_str(), "--ring-timeout", "45",
               static_cast<char*>(nullptr));
        std::fprintf(stderr, "cannot run %s: %s\n", nlchatd.c_str(), std::strerror(errno));
        _exit(127);
    }
    // Wait (at most 15 s) for the line that gives the port and the bus.
    for (int i = 0; i < 300; ++i) {
        std::ifstream f(log);
        std::string line;
        bool bus = false;
        while (std::getline(f, line)) {
            size_t at = line.find("listening on ");
            if (at != std::string::npos) {
                if (auto hp = parse_host_port(line.substr(at + 13), error)) address_ = *hp;
            }
            if (line.find("service bus on") != std::string::npos) bus = true;
            if (line.find("cannot run") != std::string::npos) {
                error = line + " (build it with make, or install it)";
                return false;
            }
        }
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            error = "nlchatd stopped at once; its log: " + log;
            return false;
        }
        if (bus && address_.port) {
            server_key_ = load_public_key(dir_ + "/server.key.pub", error);
            return server_key_.has_value();
        }
        usleep(50 * 1000);
    }
    error = "nlchatd did not start within 15 s; its log: " + log;
    return false;
}

void DemoServer::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status;
        for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(20 * 1000);
        if (waitpid(pid_, &status, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    if (!dir_.empty()) {
        std::string cmd = "rm -rf '" + dir_ + "'";
        if (std::system(cmd.c_str()) != 0) {
            // Nothing more to do: the directory is under /tmp and holds no caller data.
        }
        dir_.clear();
    }
}

// ---- the simulated callers ----------------------------------------------------------------

struct DemoCallers::Persona {
    std::string address;
    std::vector<std::string> lines;  // what they say, one per operator reply
    std::string opening;
    bool patient;            // waits for the ring to expire rather than leaving
    double leave_after = 0;  // seconds unanswered before leaving (0: never)
    std::size_t next = 0;
    bool answered = false, gone = false;
};

DemoCallers::DemoCallers(net::Loop& loop, std::string bus_path)
    : loop_(loop),
      bus_(loop, std::move(bus_path), "Web", 1000,
           {[this](const BusLine& line) { on_line(line); }, [](bool, const std::string&) {}}) {}

DemoCallers::~DemoCallers() { stop(); }

void DemoCallers::stop() {
    for (auto& t : timers_) t->close();
    bus_.stop();
}

void DemoCallers::start() {
    bus_.start();
    // Who writes in, and when (seconds after the start).
    begin(0);
    auto later = [this](double seconds, std::size_t index) {
        auto t = std::make_unique<net::Timer>(loop_);
        t->start(seconds, [this, index] { begin(index); });
        t->unref();
        timers_.push_back(std::move(t));
    };
    later(40, 1);
    later(75, 2);
    later(120, 0);
}

void DemoCallers::send(BusLine line) {
    // Numbered, as nlchat-web's are: nlchatd acknowledges them and takes a resend once.
    if (auto* msg = std::get_if<BusMsg>(&line)) msg->id = "demo-" + std::to_string(++sent_);
    (void)bus_.write(line);  // the demo's own lines: a full outbox only loses a scripted line
}

void DemoCallers::begin(std::size_t index) {
    static const char* kNames[] = {"sam", "jo", "alex"};
    auto p = std::make_unique<Persona>();
    p->address = std::string(kNames[index % 3]) + "-" + std::to_string(++round_);
    switch (index % 3) {
    case 0:
        p->opening = "hi... is this the nightline?";
        p->lines = {"I can't sleep. exams start on monday and I feel like I haven't done anything",
                    "everyone else seems to be coping fine \xf0\x9f\x98\x9e",
                    "I guess I just needed to say it to someone",
                    "yeah. maybe I'll make a list tomorrow instead of panicking",
                    "thanks for listening. I think I'll try to sleep now. bye"};
        p->patient = true;
        break;
    case 1:
        p->opening = "hello? I just need to talk to someone for a bit";
        p->lines = {"my flatmate moved out today and the flat is really quiet",
                    "it's silly, we weren't even that close", "ok. thank you, that helps. goodnight"};
        p->patient = true;
        break;
    default:
        p->opening = "is anyone there";
        p->lines = {"never mind, it's fine"};
        p->patient = false;
        p->leave_after = 25;
    }
    Persona& ref = *p;
    personas_.push_back(std::move(p));
    state(ref, "composing");
    auto t = std::make_unique<net::Timer>(loop_);
    t->start(2.5, [this, &ref] { say(ref, ref.opening); });
    t->unref();
    timers_.push_back(std::move(t));
    if (ref.leave_after > 0) {
        auto leave_timer = std::make_unique<net::Timer>(loop_);
        leave_timer->start(ref.leave_after, [this, &ref] {
            if (!ref.answered) leave(ref);
        });
        leave_timer->unref();
        timers_.push_back(std::move(leave_timer));
    }
}

void DemoCallers::say(Persona& p, const std::string& text) {
    if (p.gone) return;
    send(BusMsg{p.address, {text}, Direction::In, std::nullopt, std::nullopt});
}

void DemoCallers::state(Persona& p, const char* s) {
    if (p.gone) return;
    send(BusChatState{p.address, s, Direction::In});
}

void DemoCallers::leave(Persona& p) {
    if (p.gone) return;
    send(BusDisassociate{p.address});
    p.gone = true;
}

void DemoCallers::reply_later(Persona& p) {
    if (p.gone || p.next >= p.lines.size()) return;
    // A human pause: read, type (the operator sees "typing..."), send.
    std::string text = p.lines[p.next++];
    bool last = p.next >= p.lines.size();
    double read = 1.5, typing = 1.0 + static_cast<double>(text.size()) / 12.0;
    auto t1 = std::make_unique<net::Timer>(loop_);
    t1->start(read, [this, &p] { state(p, "composing"); });
    auto t2 = std::make_unique<net::Timer>(loop_);
    t2->start(read + typing, [this, &p, text, last] {
        say(p, text);
        state(p, "active");
        if (last) {
            auto bye = std::make_unique<net::Timer>(loop_);
            bye->start(4, [this, &p] { leave(p); });
            bye->unref();
            timers_.push_back(std::move(bye));
        }
    });
    t1->unref(), t2->unref();
    timers_.push_back(std::move(t1));
    timers_.push_back(std::move(t2));
}

void DemoCallers::on_line(const BusLine& line) {
    const std::string* address = bus_address(line);
    if (!address) return;
    for (auto& p : personas_) {
        if (p->address != *address || p->gone) continue;
        if (std::holds_alternative<BusDisassociate>(line)) {
            p->gone = true;  // the operator ended the chat
        } else if (auto* msg = std::get_if<BusMsg>(&line)) {
            // nlchatd's own replies ("A listener will be with you...") are not the
            // operator; only answer once a chat has begun, i.e. after a real reply.
            if (msg->origin == kOriginServer) {
                if (!msg->msg.empty() && msg->msg[0] == DispatchConfig{}.text_ring_timed_out) p->gone = true;
                continue;
            }
            p->answered = true;
            reply_later(*p);
        }
    }
}

}  // namespace nlchat
