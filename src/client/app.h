// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat's wiring: one libuv loop owns the connection to the server (redialled with
// capped, jittered backoff), the thread-pool decryption of what arrives (in order), the
// session's timers, the terminal's keys and the redraw. It holds no protocol logic: that
// is ClientSession's (src/core/client_session.h); the screen is src/ui/screen.h's.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/client_session.h"
#include "core/host_port.h"
#include "core/raw_packet.h"
#include "net/line_stream.h"
#include "net/loop.h"
#include "net/ordered_opener.h"
#include "net/poll.h"
#include "net/redialer.h"
#include "net/timer.h"
#include "ui/input_line.h"
#include "ui/keymap.h"
#include "ui/screen.h"
#include "ui/terminal.h"

namespace nlchat {

struct AppSettings {
    HostPort server{"127.0.0.1", 7780};
    std::string known_servers;  // file of pinned server keys ("" to keep nothing)
    double bell_interval = 15;  // seconds between bells while rings wait; 0: once only; < 0: no bell
    std::string canned_dir;     // canned responses, one file each
    bool notify = false;        // desktop notifications (OSC 9/777)
    bool ascii = false;         // show ASCII only, whatever the locale (ui/ascii.h)
    ClientSettings session;
};

class App : public ClientEffects {
public:
    App(net::Loop& loop, ui::Terminal& terminal, AppSettings settings, PrivateKey key,
        std::optional<PublicKey> pinned_server_key);
    ~App() override;

    void start();
    int exit_status() const { return exit_status_; }
    // Runs when nlchat shuts down (the demo stops its simulated callers there).
    void on_shutdown(std::function<void()> f) { on_shutdown_ = std::move(f); }

    // ClientEffects
    bool send(const Command& command) override;
    void give_up(const std::string& why) override;
    void changed() override { dirty_ = true; }
    void alert() override;

private:
    void connect();
    void connected(std::unique_ptr<net::LineStream> stream);
    void opened(const OpenResult& result);
    void redial();
    void on_line(std::string line);
    void on_terminal(bool hangup);
    void handle_key(const ui::Terminal::Key& k);
    void handle_action(ui::Action action);
    void answer_prompt(bool yes);
    void redraw();
    void reschedule();
    void shut_down(bool send_disconnect);
    Now now() const;

    net::Loop& loop_;
    ui::Terminal& term_;
    AppSettings settings_;
    PrivateKey key_;
    ClientSession session_;
    ui::UiState ui_;
    ui::InputLine input_;

    // At once the first time, then doubling up to 30 s, each with +-20 % jitter so that a
    // room of clients does not redial a restarted server in lockstep.
    net::Redialer redialer_;
    std::unique_ptr<net::LineStream> link_;
    // Reading the link stops with 256 packets waiting to be opened, and starts again when
    // they are down to 64.
    net::OrderedOpener opener_;
    double redraw_interval_ = 0;        // of second_timer_; 0 when it is stopped
    bool redial_when_drained_ = false;  // the link closed while packets were still being opened
    bool gave_up_ = false, stopping_ = false, dirty_ = true, pasting_ = false;
    std::string paste_;
    int exit_status_ = 0;
    std::function<void()> on_shutdown_;

    net::Timer deadline_timer_, bell_timer_, second_timer_;
    std::unique_ptr<net::FdWatcher> keys_;
    std::unique_ptr<net::BeforeBlock> before_block_;
    std::unique_ptr<net::SignalWatcher> winch_, hup_, term_signal_, int_signal_;
};

}  // namespace nlchat
