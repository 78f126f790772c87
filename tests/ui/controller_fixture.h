// SPDX-License-Identifier: GPL-3.0-or-later
// What the controller's tests share: a real ClientSession joined to a pretend server,
// whose commands are recorded, a Controller on it, and the screen drawn on demand (the
// draw tells the controller the pane heights and where the focus mark went, as in
// nlchat).
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/codec/json_util.h"
#include "tests/core/test_keys.h"
#include "ui/controller.h"
#include "ui/text_surface.h"

namespace nlchat::ui::test_ui {

struct Recorder : ClientEffects {
    std::vector<Command> sent;
    bool send(const Command& c) override {
        sent.push_back(c);
        return true;
    }
    void give_up(const std::string&) override {}
    void changed() override {}
    void alert() override {}
    template <class T> std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& c : sent)
            if (std::holds_alternative<T>(c)) out.push_back(std::get<T>(c));
        return out;
    }
};

inline ClientSettings settings(std::size_t max_chats) {
    ClientSettings s;
    s.uuid = "me";
    s.max_chats = max_chats;
    return s;
}

inline Key text(const std::string& t) { return Key{0, t}; }
inline Key code(int c) { return Key{c, ""}; }

struct Fixture {
    Recorder fx;
    Now now{1000, 1764190800};
    ClientSession session;
    Controller c{session};

    // `max_chats` is nlchat's --chats.
    explicit Fixture(std::size_t max_chats = 4)
        : session(settings(max_chats), nlchat::test::key_2048().public_key(), nlchat::test::key_4096().public_key(),
                  fx) {
        session.link_up(now);
        session.server_online(nlchat::test::key_4096().public_key().to_pem(), now);
        in(ChallengeCommand{"me", "n1"});
        in(StatusCommand{{{"Web", "Connected"}}});
        REQUIRE(session.link() == LinkState::Joined);
        fx.sent.clear();
    }
    void in(const Command& cmd) { session.command(cmd, now); }
    Intents press(const Key& k) { return c.key(k, now); }
    void type(const std::string& s) {
        for (char ch : s) press(text(std::string(1, ch)));
    }
    void later(double seconds) {
        now.mono += seconds;
        now.wall += seconds;
        session.tick(now);
    }
    // A chat on a 2015 server (no chat ids), taken with F2.
    void open_chat(std::int64_t ring = 12) {
        in(RingCommand{"", ring, std::nullopt, 60});
        press(code(key::F2));
        in(RingAckAckCommand{"me", ring});
        REQUIRE(session.chat());
    }
    // A server that reads chat ids and allows `limit` chats (its status says so).
    void allow_chats(std::int64_t limit) {
        StatusCommand status{{{"Web", "Connected"}}};
        status.chats = limit;
        in(status);
    }
    // A chat with an id (the ring's), taken as F2 would.
    void open_chat_with_id(std::int64_t ring) {
        in(RingCommand{"", ring, std::nullopt, 60});
        REQUIRE(session.accept_ring(ring, now));
        in(RingAckAckCommand{"me", ring, ring});
    }
    // The caller of chat `id` writes.
    void caller_says(std::int64_t id, const std::string& line) { in(MsgCommand{{line}, Direction::In, "me", id}); }
    // The screen as nlchat draws it after each turn.
    TextSurface draw(int w = 100, int h = 30) {
        TextSurface s(w, h);
        draw_screen(s, session, c.ui(), c.input(), now);
        return s;
    }
    std::vector<std::string> sent_texts() const {
        std::vector<std::string> out;
        for (const auto& m : fx.all<MsgCommand>())
            for (const auto& t : m.msg) out.push_back(t);
        return out;
    }
    // What was sent to chat `id`, in order.
    std::vector<std::string> sent_to(std::int64_t id) const {
        std::vector<std::string> out;
        for (const auto& m : fx.all<MsgCommand>())
            if (m.chat == id)
                for (const auto& t : m.msg) out.push_back(t);
        return out;
    }
    // The chat states sent, as "state@chat".
    std::vector<std::string> states() const {
        std::vector<std::string> out;
        for (const auto& cs : fx.all<ChatStateCommand>())
            out.push_back(cs.state + "@" + (cs.chat ? std::to_string(*cs.chat) : std::string("-")));
        return out;
    }
};

}  // namespace nlchat::ui::test_ui
