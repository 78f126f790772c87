// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/app.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include "client/canned.h"
#include "client/client_files.h"
#include "core/codec/raw_packet.h"
#include "ui/redraw_schedule.h"

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
      link_machine_(
          {settings_.session.uuid, key_.public_key().fingerprint(), settings_.v2, settings_.bare_ack_delay, nullptr},
          *this),
      deadline_timer_(loop),
      bell_timer_(loop),
      second_timer_(loop),
      link_timer_(loop),
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
    h.on_line = [this](std::string_view line) {
        link_machine_.received(std::string(line), now());
        reschedule();
    };
    h.on_close = [this](const std::string& reason) { link_closed("connection lost: " + reason); };
    link_->start(std::move(h));
    ui_.message.clear();
    link_machine_.link_up(now());
    session_.link_up(now());
    reschedule();
}

void App::link_closed(const std::string& why) {
    opener_.watch(nullptr);
    link_.reset();
    link_machine_.link_down();
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

void App::open(std::string packet) {
    // RSA decryption takes milliseconds a block: off the loop, in order, with backpressure.
    opener_.add(std::move(packet));
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
    if (stopping_) return;
    link_machine_.opened(result.packet ? &*result.packet : nullptr, now());
    reschedule();
}

void App::server_online(const std::optional<std::string>& key_pem) {
    session_.server_online(key_pem, now());
    if (session_.link() == LinkState::AwaitingTrust) controller_.ask(ui::UiState::Prompt::TrustServer);
}

void App::command(const Command& command) {
    session_.command(command, now());
    if (session_.link() == LinkState::Joined) redialer_.reset();
}

bool App::send(const Command& command) {
    if (!link_ || !session_.server_key()) return false;
    return link_machine_.send(command, *session_.server_key(), now());
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

bool App::waiting_for_operator() const {
    // Rings, and requests for support or hand-overs offered (the queue's other entries).
    return !session_.rings().empty() || !session_.shift().offers.empty();
}

void App::alert() {
    dirty_ = true;
    if (settings_.bell_interval < 0) return;
    term_.bell();
    // A ring, or (with none) what the shift just said: a request for support, a chat
    // handed over, a reminder (the session's last notice says which).
    if (settings_.notify)
        term_.notify("nlchat", !session_.rings().empty() || session_.notices().empty() ? "a caller is waiting"
                                                                                       : session_.notices().back());
    if (settings_.bell_interval > 0 && !bell_timer_.active()) {
        bell_timer_.start(
            settings_.bell_interval,
            [this] {
                if (!waiting_for_operator()) return bell_timer_.stop();
                term_.bell();
            },
            settings_.bell_interval);
    }
    dirty_ = true;
}

void App::reschedule() {
    if (stopping_) return;
    ui_.protocol = link_machine_.protocol();
    if (auto at = link_machine_.next_deadline()) {
        link_timer_.start(std::max(0.0, *at - net::monotonic_seconds()), [this] {
            link_machine_.tick(now());
            reschedule();
        });
    } else {
        link_timer_.stop();
    }
    // The bell stops with the last ring (not at its next ring, which would be a wake-up
    // for nothing), and the redraw for the age of the server's last word moves with it.
    if (!waiting_for_operator()) bell_timer_.stop();
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
    // When the screen would next read differently by itself (ui/redraw_schedule.h says
    // why this is all an idle nlchat wakes for).
    auto next = ui::next_redraw_in(countdown, session_.link(), net::monotonic_seconds() - session_.last_heard());
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
    link_timer_.close();
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
