// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/app.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "client/canned.h"
#include "client/client_files.h"
#include "core/codec/json_util.h"
#include "core/codec/raw_packet.h"

namespace nlchat {

App::App(net::Loop& loop, ui::Terminal& terminal, AppSettings settings, PrivateKey key,
         std::optional<PublicKey> pinned_server_key)
    : loop_(loop),
      term_(terminal),
      settings_(std::move(settings)),
      key_(std::move(key)),
      session_(settings_.session, key_.public_key(), std::move(pinned_server_key), *this),
      controller_(session_),
      ui_(controller_.ui()),
      redialer_(loop, 1 << 20, {settings_.server, ""}, {1, 30, 0.2, true},
                {[this](std::unique_ptr<net::LineStream> s) { connected(std::move(s)); },
                 [this](const std::string& error, double) {
                     ui_.message = "cannot reach " + format_host_port(settings_.server) + ": " + error;
                     dirty_ = true;
                 }}),
      opener_(loop, key_, Role::Bob,
              {[this](const OpenResult& r) { opened(r); },
               [this] {
                   // The link closed while packets were still being opened: now that the
                   // last is read (it may have been a refusal), decide about dialling again.
                   if (!redial_when_drained_ || stopping_) return;
                   redial_when_drained_ = false;
                   session_.link_down(now());
                   reschedule();
                   redial();
               }}),
      deadline_timer_(loop),
      bell_timer_(loop),
      second_timer_(loop),
      bare_ack_timer_(loop),
      rekey_timer_(loop),
      busy_timer_(loop) {
    ui_.fingerprint = key_.public_key().fingerprint();
    ui_.ascii = term_.ascii();
    if (!term_.locale_note().empty()) ui_.notes.push_back(term_.locale_note());
    if (!settings_.canned_dir.empty()) {
        CannedLoad canned = load_canned(settings_.canned_dir);
        ui_.canned = std::move(canned.responses);
        // Every warning, kept where the operator sees it (the notice line is cleared
        // as soon as the link comes up).
        for (auto& warning : canned.warnings) ui_.notes.push_back(std::move(warning));
    }
}

App::~App() = default;

Now App::now() const { return Now{net::monotonic_seconds(), net::wall_seconds()}; }

void App::start() {
    keys_ = std::make_unique<net::FdWatcher>(loop_, 0, [this](bool hangup) { on_terminal(hangup); });
    before_block_ = std::make_unique<net::BeforeBlock>(loop_, [this] { redraw(); });
    winch_ = std::make_unique<net::SignalWatcher>(loop_, SIGWINCH, [this] {
        term_.resize();
        dirty_ = true;
    });
    hup_ = std::make_unique<net::SignalWatcher>(loop_, SIGHUP, [this] { shut_down(true); });
    term_signal_ = std::make_unique<net::SignalWatcher>(loop_, SIGTERM, [this] { shut_down(true); });
    int_signal_ = std::make_unique<net::SignalWatcher>(loop_, SIGINT, [this] { shut_down(true); });
    connect();
}

// ---- the link -----------------------------------------------------------------------------

void App::connect() {
    if (gave_up_ || stopping_) return;
    redialer_.dial();
}

void App::connected(std::unique_ptr<net::LineStream> stream) {
    link_ = std::move(stream);
    opener_.watch(link_.get());
    net::LineStream::Handlers h;
    h.on_line = [this](std::string_view line) { on_line(std::string(line)); };
    h.on_close = [this](const std::string& reason) { link_closed("connection lost: " + reason); };
    link_->start(std::move(h));
    ui_.message.clear();
    session_.link_up(now());
    reschedule();
}

void App::link_closed(const std::string& why) {
    opener_.watch(nullptr);
    link_.reset();
    v2_.link_down();
    v2_offered_ = false;
    early_frames_.clear();
    ui_.protocol.clear();
    bare_ack_timer_.stop();
    rekey_timer_.stop();
    ui_.message = why;
    // Packets already read are still opened, in order: the last of them may be the
    // server's reason for closing (a refusal), which decides whether to dial again
    // at all. So the redial waits until they are done.
    if (!opener_.idle()) {
        redial_when_drained_ = true;
        return;
    }
    session_.link_down(now());
    reschedule();
    redial();
}

void App::redial() {
    if (gave_up_ || stopping_) return;
    redialer_.dial_later();
}

void App::on_line(std::string line) {
    if (line.rfind("{\"v2\":\"", 0) == 0) return on_frame(line);
    // The unencrypted lines are server_online and a refusal of a key the server does not
    // know (it encrypts nothing to such a key); everything else is a raw packet.
    if (line.find("\"messages\"") == std::string::npos) {
        std::string error;
        auto obj = parse_json_object(line, error);
        if (obj && (*obj)["type"] == "server_online") {
            std::optional<std::string> key;
            if ((*obj)["key"].isString()) key = (*obj)["key"].asString();
            session_.server_online(key, now());
            if (session_.link() == LinkState::AwaitingTrust) controller_.ask(ui::UiState::Prompt::TrustServer);
            reschedule();
        } else if (obj && (*obj)["type"] == "refused" && (*obj)["UUID"] == settings_.session.uuid) {
            session_.command(*obj, now());
            reschedule();
        }
        return;
    }
    // RSA decryption takes milliseconds a block: off the loop, in order, with backpressure.
    opener_.add(std::move(line));
    if (!busy_timer_.active())
        busy_timer_.start(
            1,
            [this] {
                if (opener_.idle()) return busy_timer_.stop();
                session_.busy(now());
            },
            1);
}

void App::opened(const OpenResult& result) {
    if (!result.packet || stopping_) return;
    if (result.packet->uuid == settings_.session.uuid) {
        const Json::Value& inner = result.packet->inner;
        if (inner["type"] == "v2") {
            if (!take_v2_answer(inner)) return;
        } else {
            // Anything else in answer to the offer (status) is a 2015 server: stay on v1.
            if (v2_offered_ && inner["type"] == "status") v2_offered_ = false;
            if (inner["type"] == "status" && !v2_.active()) ui_.protocol = "v1";
            session_.command(inner, now());
        }
    }
    if (session_.link() == LinkState::Joined) redialer_.reset();
    reschedule();
}

bool App::send(const Command& command) {
    if (!link_ || !session_.server_key()) return false;
    last_receipt_ = 0;
    Json::Value inner = to_json(command);
    if (v2_.active()) {
        bool written = link_->write_line(v2_.send(write_json(inner)));
        last_receipt_ = v2_.last_receipt();
        if (v2_.stream().frames_with_these_keys() >= kRekeyFrames) rekey_soon();
        bare_ack_timer_.stop();  // this frame carries the acknowledgement
        return written;
    }
    // Between the offer and the answer nothing else goes: the server may already have
    // switched, and would take a v1 packet for a bad frame. (What is not sent is kept,
    // or asked again, by the session.)
    if (v2_offered_) return false;
    if (const auto* ack = std::get_if<ChallengeAckCommand>(&command); ack && settings_.v2) {
        inner["v2"] = v2_offer_json(v2_.offer());
        challenge_ = ack->nonce;
        v2_offered_ = true;
    }
    return link_->write_line(seal(write_json(inner), *session_.server_key(), settings_.session.uuid, Role::Alice));
}

bool App::take_v2_answer(const Json::Value& inner) {
    auto answer = parse_v2_answer(inner);
    std::optional<std::vector<std::string>> first;
    if (answer && v2_offered_)
        first = v2_.accept(*answer, settings_.session.uuid, challenge_, key_.public_key().fingerprint(),
                           session_.server_key()->fingerprint());
    v2_offered_ = false;
    if (!first) {
        lost_link("the server's answer to the v2 offer is unusable; reconnecting");
        return false;
    }
    ui_.protocol = "v2";
    rekey_timer_.start(kRekeySeconds, [this] { rekey_soon(); });
    for (const auto& line : *first) link_->write_line(line);
    // Frames that came while the answer was being opened, in order.
    std::deque<std::string> early = std::move(early_frames_);
    early_frames_.clear();
    for (const auto& line : early) {
        if (!link_) break;
        on_frame(line);
    }
    return true;
}

void App::on_frame(const std::string& line) {
    if (!v2_.active()) {
        // Before the answer is opened they wait; without an offer they mean nothing.
        if (v2_offered_) early_frames_.push_back(line);
        return;
    }
    auto r = v2_.receive(line);
    if (!r.ok) return lost_link("a bad v2 frame from the server; reconnecting");
    if (v2_.stream().frames_with_these_keys() >= kRekeyFrames) rekey_soon();
    for (std::uint64_t receipt : v2_.delivered()) session_.delivered(receipt);
    if (!r.inner.empty()) {
        std::string error;
        auto inner = parse_json_object(r.inner, error);
        if (inner) session_.command(*inner, now());
        if (session_.link() == LinkState::Joined) redialer_.reset();
    }
    if (v2_.stream().ack_due() && !bare_ack_timer_.active()) {
        bare_ack_timer_.start(settings_.bare_ack_delay, [this] {
            if (link_ && v2_.active() && v2_.stream().ack_due()) link_->write_line(v2_.send(""));
        });
    }
    reschedule();
}

void App::rekey_soon() {
    // From a timer, never inside a session call: the link goes and comes back at once.
    rekey_timer_.start(0, [this] {
        if (link_ && v2_.active()) lost_link("renewing the v2 session's keys");
    });
}

void App::lost_link(const std::string& why) {
    // The session is kept: the redial resumes it.
    dirty_ = true;
    if (!link_) return;
    link_->close(false);
    link_closed(why);
}

void App::give_up(const std::string& why) {
    gave_up_ = true;
    redial_when_drained_ = false;
    ui_.message = why;
    redialer_.stop();
    if (link_) link_->close(true);
    opener_.watch(nullptr);
    link_.reset();
    dirty_ = true;
}

void App::alert() {
    dirty_ = true;
    if (settings_.bell_interval < 0) return;
    term_.bell();
    if (settings_.notify) term_.notify("nlchat", "a caller is waiting");
    if (settings_.bell_interval > 0 && !bell_timer_.active()) {
        bell_timer_.start(
            settings_.bell_interval,
            [this] {
                if (session_.rings().empty()) return bell_timer_.stop();
                term_.bell();
            },
            settings_.bell_interval);
    }
    dirty_ = true;
}

void App::reschedule() {
    if (stopping_) return;
    // The bell stops with the last ring (not at its next ring, which would be a wake-up
    // for nothing), and the redraw for the age of the server's last word moves with it.
    if (session_.rings().empty()) bell_timer_.stop();
    arm_redraw(countdown_);
    auto next = session_.next_deadline(now());
    if (!next) return deadline_timer_.stop();
    deadline_timer_.start(*next - net::monotonic_seconds(), [this] {
        session_.tick(now());
        reschedule();
    });
}

// ---- the terminal -----------------------------------------------------------------------------

void App::on_terminal(bool hangup) {
    if (hangup) return shut_down(true);  // the terminal is gone (SSH dropped): leave, do not spin
    auto keys = term_.read_keys();
    if (keys.empty()) {
        // Readable with nothing to read is end of file: without this check the loop
        // would wake for it forever.
        int waiting = 0;
        if (ioctl(STDIN_FILENO, FIONREAD, &waiting) == 0 && waiting == 0) return shut_down(true);
    }
    for (const auto& k : keys) handle_key(k);
    dirty_ = true;
}

void App::handle_key(const ui::Key& k) {
    if (stopping_) return;  // keys after a yes to quitting, in the same read
    Now t = now();
    ui::Intents out = controller_.key(k, t);
    if (out.resize) term_.resize();
    if (out.trust) {
        if (*out.trust && session_.offered_server_key() && !settings_.known_servers.empty()) {
            std::string error;
            if (!remember_server_key(settings_.known_servers, format_host_port(settings_.server),
                                     *session_.offered_server_key(), error))
                ui_.message = error;
        }
        session_.trust_server_key(*out.trust, t);
    }
    if (out.dial) {
        // Dial again: the new connection takes this key's link over from the other
        // terminal, which is told so (and does not dial back by itself).
        gave_up_ = false;
        redialer_.reset();
        redial();
    }
    if (out.quit) return shut_down(true);
    reschedule();
}

void App::redraw() {
    if (!dirty_ || stopping_) return;
    dirty_ = false;
    bool countdown = ui::draw_screen(term_, session_, ui_, controller_.input(), now());
    term_.present();
    countdown_ = countdown;
    arm_redraw(countdown);
}

void App::arm_redraw(bool countdown) {
    // Idle means nearly idle: the screen is drawn again only when something on it would
    // read differently. A countdown changes each second; the age of the server's last
    // word is shown only once it is 10 s old (the probes of a healthy link, every 7 s,
    // keep it hidden: this is re-armed after each of them), and then moves in steps of
    // 5 s; a link that is down shows how long. So an idle nlchat on a healthy link wakes
    // only for the server's probes.
    const double mono = net::monotonic_seconds();
    std::optional<double> next;
    LinkState link = session_.link();
    if (countdown) {
        next = 1;
    } else if (link == LinkState::Joined || link == LinkState::Silent) {
        double age = mono - session_.last_heard();
        next = age < ui::kAgeShownAfter ? ui::kAgeShownAfter - age + 0.05 : 5;
    } else if (link == LinkState::Down) {
        next = 5;
    }
    if (next) second_timer_.start(*next, [this] { dirty_ = true; });
    else second_timer_.stop();
}

void App::shut_down(bool send_disconnect) {
    if (stopping_) return;
    if (send_disconnect && link_) session_.quit();
    stopping_ = true;
    if (link_) link_->close(true);
    link_.reset();
    redialer_.close();
    opener_.watch(nullptr);
    deadline_timer_.close();
    bell_timer_.close();
    second_timer_.close();
    bare_ack_timer_.close();
    rekey_timer_.close();
    busy_timer_.close();
    if (keys_) keys_->close();
    if (before_block_) before_block_->close();
    // Closing the last watcher gives SIGHUP its default action back (libuv does so), and a
    // lost terminal sends more than one (tmux, then the kernel's hangup of the pty, then
    // the shell's death): one in between would kill nlchat before its disconnect is
    // written. We are leaving already, so later hangups are ignored; and so that none
    // lands in the moment between the close and the ignoring, SIGHUP is held back until
    // it is ignored (which discards one held). The pool's threads never take it
    // (net::start_pool_deaf_to, in main), so holding it back here is enough.
    sigset_t hangup, mask;
    sigemptyset(&hangup);
    sigaddset(&hangup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hangup, &mask);
    for (auto* s : {&winch_, &hup_, &term_signal_, &int_signal_})
        if (*s) (*s)->close();
    std::signal(SIGHUP, SIG_IGN);
    pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    term_.end();
    if (on_shutdown_) on_shutdown_();
}

}  // namespace nlchat
