// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/app.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "client/canned.h"
#include "client/client_files.h"
#include "core/json_util.h"
#include "core/raw_packet.h"

namespace nlchat {

App::App(net::Loop& loop, ui::Terminal& terminal, AppSettings settings, PrivateKey key,
         std::optional<PublicKey> pinned_server_key)
    : loop_(loop),
      term_(terminal),
      settings_(std::move(settings)),
      key_(std::move(key)),
      session_(settings_.session, key_.public_key(), std::move(pinned_server_key), *this),
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
            if (session_.link() == LinkState::AwaitingTrust) ui_.prompt = ui::UiState::Prompt::TrustServer;
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

void App::handle_key(const ui::Terminal::Key& k) {
    using ui::key::PasteEnd;
    using ui::key::PasteStart;
    if (k.code == PasteStart) {
        pasting_ = true;
        paste_.clear();
        return;
    }
    if (pasting_) {
        if (k.code == PasteEnd) {
            pasting_ = false;
            if (paste_.find('\n') == std::string::npos) {
                input_.insert(paste_);
            } else {
                ui_.paste = paste_;
                ui_.prompt = ui::UiState::Prompt::Paste;
            }
        } else if (k.code == ui::key::Enter) {
            paste_ += '\n';
        } else if (k.code == ui::key::Tab) {
            paste_ += '\t';
        } else if (k.code == 0) {
            paste_ += k.text;
        }
        return;
    }
    if (k.code == ui::key::Resize) {
        term_.resize();
        return;
    }
    if (ui_.help) {
        ui_.help = false;
        return;
    }
    if (ui_.canned_open) {
        if (k.code == ui::key::Up && ui_.canned_selected > 0) --ui_.canned_selected;
        else if (k.code == ui::key::Down && ui_.canned_selected + 1 < ui_.canned.size()) ++ui_.canned_selected;
        else if (k.code == ui::key::Enter && ui_.canned_selected < ui_.canned.size()) {
            // Into the input line for editing, never sent as it is.
            input_.set(ui_.canned[ui_.canned_selected].second);
            ui_.canned_open = false;
        } else if (k.code == ui::key::Escape || k.code == ui::key::F6) {
            ui_.canned_open = false;
        }
        return;
    }
    if (ui_.prompt != ui::UiState::Prompt::None) {
        if (k.code == 0 && (k.text == "y" || k.text == "Y")) answer_prompt(true);
        else if ((k.code == 0 && (k.text == "n" || k.text == "N")) || k.code == ui::key::Escape) answer_prompt(false);
        return;
    }
    ui_.message.clear();
    if (k.code == 0) {
        input_.insert(k.text);
        session_.typing(now());
        reschedule();
        return;
    }
    if (auto action = ui::action_for(k.code)) handle_action(*action);
}

void App::handle_action(ui::Action action) {
    using ui::Action;
    Now t = now();
    switch (action) {
    case Action::Help: ui_.help = true; break;
    case Action::AcceptRing: {
        std::optional<std::int64_t> id;
        if (ui_.selected_ring < session_.rings().size()) id = session_.rings()[ui_.selected_ring].id;
        if (!session_.accept_ring(id, t) && session_.rings().empty()) ui_.message = "no ring to take";
        break;
    }
    case Action::IgnoreRing: {
        std::optional<std::int64_t> id;
        if (ui_.selected_ring < session_.rings().size()) id = session_.rings()[ui_.selected_ring].id;
        if (!session_.ignore_ring(id)) ui_.message = "no ring to ignore";
        ui_.selected_ring = 0;
        break;
    }
    case Action::NextRing:
        ui_.selected_ring = session_.rings().empty() ? 0 : (ui_.selected_ring + 1) % session_.rings().size();
        break;
    case Action::ScrollUp: ui_.scroll = std::min(ui_.max_scroll, ui_.scroll + std::max(1, term_.height() - 6)); break;
    case Action::ScrollDown:
        ui_.scroll = std::max(0, std::min(ui_.scroll, ui_.max_scroll) - std::max(1, term_.height() - 6));
        break;
    case Action::ScrollTop: ui_.scroll = ui_.max_scroll; break;
    case Action::ScrollBottom: ui_.scroll = 0; break;
    case Action::PastChats:
        if (session_.past_chats().empty()) {
            ui_.message = "no earlier chats in this run";
        } else if (!ui_.past) {
            ui_.past = session_.past_chats().size() - 1;
        } else if (*ui_.past == 0) {
            ui_.past.reset();  // back to the live chat
        } else {
            --*ui_.past;
        }
        ui_.scroll = 0;
        break;
    case Action::EndChat:
        if (session_.chat()) ui_.prompt = ui::UiState::Prompt::EndChat;
        else ui_.message = "no chat to end";
        break;
    case Action::Quit: ui_.prompt = ui::UiState::Prompt::Quit; break;
    case Action::TakeBack:
        if (!session_.take_back(t)) {
            ui_.message = "the link is not held by another terminal";
            break;
        }
        // Dial again: the new connection takes this key's link over from the other
        // terminal, which is told so (and does not dial back by itself).
        gave_up_ = false;
        redialer_.reset();
        ui_.message = "taking the link back from the other terminal";
        redial();
        break;
    case Action::Canned: ui_.canned_open = true; break;
    case Action::Send: {
        if (ui_.past) {
            ui_.message = "this earlier chat is read-only (F5 goes back to the live one)";
            break;
        }
        if (input_.empty()) break;
        if (!session_.chat() || session_.chat()->ended) {
            ui_.message = session_.chat() ? "the chat has ended: F8 closes it" : "no chat open: nothing was sent";
            break;
        }
        session_.send_message(input_.take(), t);
        ui_.scroll = 0;
        break;
    }
    case Action::Left: input_.left(); break;
    case Action::Right: input_.right(); break;
    // With nothing typed, Home and End move the chat instead of the cursor.
    case Action::Home:
        if (input_.empty()) ui_.scroll = ui_.max_scroll;
        else input_.home();
        break;
    case Action::End:
        if (input_.empty()) ui_.scroll = 0;
        else input_.end();
        break;
    case Action::Backspace: input_.backspace(); break;
    case Action::Delete: input_.erase(); break;
    case Action::KillToEnd: input_.kill_to_end(); break;
    case Action::KillToStart: input_.kill_to_start(); break;
    case Action::KillWord: input_.kill_word(); break;
    case Action::HistoryUp: input_.history_up(); break;
    case Action::HistoryDown: input_.history_down(); break;
    }
    reschedule();
}

void App::answer_prompt(bool yes) {
    auto prompt = ui_.prompt;
    ui_.prompt = ui::UiState::Prompt::None;
    Now t = now();
    switch (prompt) {
    case ui::UiState::Prompt::EndChat:
        if (yes) session_.end_chat(t);
        break;
    case ui::UiState::Prompt::Quit:
        if (yes) shut_down(true);
        break;
    case ui::UiState::Prompt::TrustServer:
        if (yes && session_.offered_server_key() && !settings_.known_servers.empty()) {
            std::string error;
            if (!remember_server_key(settings_.known_servers, format_host_port(settings_.server),
                                     *session_.offered_server_key(), error))
                ui_.message = error;
        }
        session_.trust_server_key(yes, t);
        break;
    case ui::UiState::Prompt::Paste:
        if (yes && !session_.send_message(ui_.paste, t)) ui_.message = "no chat open: the paste was not sent";
        ui_.paste.clear();
        break;
    case ui::UiState::Prompt::None: break;
    }
    reschedule();
}

void App::redraw() {
    if (!dirty_ || stopping_) return;
    dirty_ = false;
    bool countdown = ui::draw_screen(term_, session_, ui_, input_, now());
    term_.present();
    // Idle means nearly idle: a redraw each second only while a countdown is on screen;
    // otherwise every 5 s while the status bar shows the age of the server's last word (so
    // it does not stand still through a quiet spell), and none when nothing on screen ages.
    LinkState link = session_.link();
    bool age_shown = link == LinkState::Joined || link == LinkState::Silent || link == LinkState::Down;
    double interval = countdown ? 1 : age_shown ? 5 : 0;
    if (interval != redraw_interval_) {
        second_timer_.stop();
        redraw_interval_ = interval;
        if (interval > 0)
            second_timer_.start(
                interval, [this] { dirty_ = true; }, interval);
    }
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
    for (auto* s : {&winch_, &hup_, &term_signal_, &int_signal_})
        if (*s) (*s)->close();
    // Closing the last watcher gives SIGHUP its default action back, and a lost terminal
    // sends more than one (tmux, then the kernel's hangup of the pty, then the shell's
    // death): the next one would kill nlchat before its disconnect is written. We are
    // leaving already, so later hangups are ignored.
    std::signal(SIGHUP, SIG_IGN);
    term_.end();
    if (on_shutdown_) on_shutdown_();
}

}  // namespace nlchat
