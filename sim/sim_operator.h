// SPDX-License-Identifier: GPL-3.0-or-later
// An operator in the simulation: the real nlchat minus its terminal and sockets, that is
// ClientSession (core/client/client_session.h), ClientLink (core/link/client_link.h) and
// ui::Controller (ui/controller.h), fed the operator's keys: F2 for a ring, Ctrl-N to the
// chat, a line and Enter, F8 and y to end a chat; and the shift's (a client that reads chat
// ids takes it by itself): F9 away, Ctrl-O to hand a chat over (a name, a note), Tab and F2
// to take a hand-over or read along, Ctrl-R for support, whispers in a read-along pane. What its screen shows is read
// after every event and told to the Ledger. It dials, redials with nlchat's backoff, and can be killed, frozen (it
// stops reading) and restarted (a new run: nothing kept but its key).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/client/client_session.h"
#include "core/link/client_link.h"
#include "sim/ledger.h"
#include "sim/sim_server.h"
#include "sim/world.h"
#include "ui/controller.h"

namespace nlchat::sim {

struct OperatorSpec {
    int id = 0;
    std::string uuid;
    const PrivateKey* key = nullptr;
    bool v2 = true;             // offers the v2 session
    std::size_t max_chats = 2;  // 0: a 2015 client (no chat ids, one chat)
};

class SimOperator : private ClientEffects, private ClientLinkEffects {
public:
    SimOperator(World& world, Net& net, Ledger& ledger, SimServer& server, OperatorSpec spec);
    ~SimOperator() override;

    void start();
    void crash();
    bool alive() const { return session_ != nullptr; }
    int run() const { return run_; }
    const OperatorSpec& spec() const { return spec_; }
    // The link breaks under it (a cable, a suspended laptop's Wi-Fi).
    void cut();
    // It stops reading for a while (a frozen process): the server's lines wait.
    void freeze(double seconds);
    // One of the operator's own actions; `busy`: it may write and end chats, else it only
    // takes rings (the quiet spell at the end).
    void act(bool busy);
    // Whether a line with this tag has reached it and waits to be opened.
    bool holds(const std::string& tag) const;
    // Reads the screen into the ledger.
    void observe();
    // The chats its screen shows going (by serial).
    std::vector<std::uint64_t> live_chats() const;

private:
    // ClientEffects
    bool send(const Command& command) override;
    void give_up(const std::string& why) override;
    void changed() override {}
    void alert() override {}
    std::uint64_t last_receipt() const override { return link_->last_receipt(); }
    // ClientLinkEffects
    bool write(const std::string& line) override;
    void open(std::string packet) override;
    void drop(const std::string& why) override;
    void server_online(const std::optional<std::string>& key_pem) override;
    void command(const Command& command) override;
    void delivered(std::uint64_t receipt) override;
    void v2_up() override { session_->link_is_v2(); }

    void dial();
    void redial();
    void link_closed(const std::string& why);
    void open_next();
    void after();  // after every event: read the screen, re-arm the deadline
    Now now() const;
    void key(const ui::Key& k);
    void type(const std::string& text);
    // Moves the focus to a pane (Ctrl-N), or selects an entry of the queue (Tab).
    bool focus(std::uint64_t serial);
    bool select_offer(std::size_t index);
    // The shift's keys (THE SHIFT): away and back, taking a hand-over or a request for
    // support, whispering in a read-along; and in a chat of its own, handing it over (or
    // cancelling that) and asking for support. True when it did something.
    bool shift_act(bool busy);
    bool shift_chat_act(const Chat& chat);
    std::string who() const { return "operator " + std::to_string(spec_.id); }

    World& world_;
    Net& net_;
    Ledger& ledger_;
    SimServer& server_;
    OperatorSpec spec_;
    int run_ = 0;
    std::unique_ptr<ClientSession> session_;
    std::unique_ptr<ui::Controller> controller_;
    std::unique_ptr<ClientLink> link_;
    std::optional<std::uint64_t> conn_;
    std::deque<std::string> to_open_;
    bool opening_ = false;
    bool gave_up_ = false;
    double backoff_ = 0;  // the next redial's wait (0: at once)
    std::uint64_t generation_ = 0;
    std::uint64_t timer_generation_ = 0;
    std::map<std::uint64_t, std::size_t> seen_lines_;  // by chat serial
    int next_line_ = 1;
};

}  // namespace nlchat::sim
