// SPDX-License-Identifier: GPL-3.0-or-later
// nlchat's wiring: one libuv loop owns the connection to the server (redialled with
// capped, jittered backoff), the thread-pool decryption of what arrives (in order), the
// session's timers, the terminal's keys and the redraw. It holds no protocol logic: that
// is ClientSession's (src/core/client/client_session.h); the screen is src/ui/screen.h's.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/client/client_session.h"
#include "core/codec/host_port.h"
#include "core/codec/raw_packet.h"
#include "core/link/client_link.h"
#include "net/line_stream.h"
#include "net/loop.h"
#include "net/ordered_opener.h"
#include "net/poll.h"
#include "net/redialer.h"
#include "net/timer.h"
#include "ui/controller.h"
#include "ui/screen.h"
#include "ui/terminal.h"

namespace nlchat {

struct AppSettings {
    HostPort server{"127.0.0.1", 7780};
    std::string known_servers;    // file of pinned server keys ("" to keep nothing)
    double bell_interval = 15;    // seconds between bells while rings wait; 0: once only; < 0: no bell
    std::string canned_dir;       // canned responses, one file each
    bool notify = false;          // desktop notifications (OSC 9/777)
    bool ascii = false;           // show ASCII only, whatever the locale (ui/ascii.h)
    bool v2 = true;               // offer the v2 session (--no-v2: stay on the 2015 protocol)
    double bare_ack_delay = 0.2;  // a v2 acknowledgement with nothing to carry it waits this long (ClientLink)
    ClientSettings session;
};

class App : public ClientEffects, private ClientLinkEffects {
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
    // Something in the queue waits for the operator (the repeating bell goes on).
    bool waiting_for_operator() const;
    std::uint64_t last_receipt() const override { return link_machine_.last_receipt(); }

private:
    // ClientLinkEffects: what the link machine asks of the wiring.
    bool write(const std::string& line) override { return link_ && link_->write_line(line); }
    void open(std::string packet) override;
    void drop(const std::string& why) override { lost_link(why); }
    void server_online(const std::optional<std::string>& key_pem) override;
    void command(const Command& command) override;
    void delivered(std::uint64_t receipt) override { session_.delivered(receipt); }
    void v2_up() override { session_.link_is_v2(); }

    void connect();
    void connected(std::unique_ptr<net::LineStream> stream);
    void opened(const OpenResult& result);
    void redial();
    void lost_link(const std::string& why);
    void link_closed(const std::string& why);
    void on_terminal(bool hangup);
    void handle_key(const ui::Key& k);
    void redraw();
    // (Re)arms the timer that redraws when something on screen would next read otherwise.
    void arm_redraw(bool countdown);
    void reschedule();
    void shut_down(bool send_disconnect);
    Now now() const;

    net::Loop& loop_;
    ui::Terminal& term_;
    AppSettings settings_;
    PrivateKey key_;
    ClientSession session_;
    // The screen's logic (keys, modes, what is shown): the wiring only acts on its intents.
    ui::Controller controller_;
    ui::UiState& ui_;

    // At once the first time, then doubling up to 30 s, each with +-20 % jitter so that a
    // room of clients does not redial a restarted server in lockstep.
    net::Redialer redialer_;
    std::unique_ptr<net::LineStream> link_;
    // Reading the link stops with 256 packets waiting to be opened, and starts again when
    // they are down to 64.
    net::OrderedOpener opener_;
    bool redial_when_drained_ = false;  // the link closed while packets were still being opened
    bool gave_up_ = false, stopping_ = false, dirty_ = true;
    bool countdown_ = false;  // the last draw showed a countdown
    int exit_status_ = 0;
    std::function<void()> on_shutdown_;

    // The link's protocol (v1 packets, the v2 session, its acknowledgements and new
    // keys): kept across connections, so that a redial resumes the v2 session.
    ClientLink link_machine_;

    net::Timer deadline_timer_, bell_timer_, second_timer_;
    net::Timer link_timer_;  // the link machine's next deadline
    // While packets wait to be opened (v1), a sign of life goes once a second: a probe
    // behind a thousand blocks would otherwise be answered seconds late.
    net::Timer busy_timer_;
    std::unique_ptr<net::FdWatcher> keys_;
    std::unique_ptr<net::BeforeBlock> before_block_;
    std::unique_ptr<net::SignalWatcher> winch_, hup_, term_signal_, int_signal_;
};

}  // namespace nlchat
