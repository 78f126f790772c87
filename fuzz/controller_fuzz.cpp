// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for nlchat's screen logic (ui::Controller) over a real ClientSession:
// each input byte is a key (text, an F-key, an editing key, a paste bracket, a resize) or
// an event from outside (a ring, the chat opening, a caller's line, the caller leaving,
// time passing), and the whole screen is drawn after each at a size the input picks.
// After every step the controller's invariants must hold: the input line is valid UTF-8
// with its cursor inside it, the scroll and the canned and earlier-chat selections are
// within their lists (a ring selection past the end is clamped by the screen), and a key
// taken by the help, the canned picker or a paste never sends a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/codec/json_util.h"
#include "core/codec/utf8.h"
#include "fuzz_key.h"
#include "ui/controller.h"
#include "ui/text_surface.h"

using namespace nlchat;
using namespace nlchat::ui;

namespace {

struct Effects : ClientEffects {
    std::size_t msgs = 0;
    bool send(const Command& c) override {
        if (std::holds_alternative<MsgCommand>(c)) ++msgs;
        return true;
    }
    void give_up(const std::string&) override {}
    void changed() override {}
    void alert() override {}
};

const int kCodes[] = {key::F1,        key::F2,        key::F3,        key::F5,         key::F6,        key::F7,
                      key::F8,        key::F10,       key::Up,        key::Down,       key::Left,      key::Right,
                      key::Home,      key::End,       key::PageUp,    key::PageDown,   key::Backspace, key::Delete,
                      key::Enter,     key::Tab,       key::Escape,    key::PasteStart, key::PasteEnd,  key::Resize,
                      key::ctrl('a'), key::ctrl('b'), key::ctrl('e'), key::ctrl('k'),  key::ctrl('t'), key::ctrl('u'),
                      key::ctrl('w')};
constexpr int kCodeCount = sizeof kCodes / sizeof kCodes[0];

void check(const Controller& c, const ClientSession& s) {
    const auto& in = c.input();
    if (!is_valid_utf8(in.text()) || in.cursor() > in.text().size()) std::abort();
    const UiState& ui = c.ui();
    if (ui.scroll < 0 || ui.max_scroll < 0) std::abort();
    if (!ui.canned.empty() && ui.canned_selected >= ui.canned.size()) std::abort();
    if (ui.past && *ui.past >= s.past_chats().size()) std::abort();
    if ((ui.prompt == UiState::Prompt::Paste) != !ui.paste.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Effects fx;
    ClientSettings settings;
    settings.uuid = "me";
    const PublicKey server = fuzz::key().public_key();
    ClientSession session(settings, server, server, fx);
    Controller c(session);
    c.ui().canned = {{"hello", "Hello, I'm here."}, {"wait", "Take your time \xe2\x80\x94 I'm listening."}};
    Now now{1000, 1764190800};
    auto in = [&](const Command& cmd) { session.command(cmd, now); };
    session.link_up(now);
    session.server_online(server.to_pem(), now);
    in(ChallengeCommand{"me", "n"});
    in(StatusCommand{{{"Web", "Connected"}}});
    std::int64_t next_ring = 1;

    for (std::size_t i = 0; i < size; ++i) {
        const std::uint8_t b = data[i];
        const Mode before = c.mode();
        const std::size_t sent_before = fx.msgs;
        if (b < 0x60) {
            c.key(Key{0, std::string(1, static_cast<char>(0x20 + b % 0x5f))}, now, 5);
        } else if (b < 0x60 + kCodeCount) {
            c.key(Key{kCodes[b - 0x60], ""}, now, 5);
        } else if (b < 0xe0) {
            // Multi-byte text, as the terminal gives it.
            c.key(Key{0, b % 2 ? "\xc3\xa9" : "\xf0\x9f\x98\x9e"}, now, 5);
        } else {
            switch (b % 8) {
            case 0: in(RingCommand{"", next_ring++, std::nullopt, 30}); break;
            case 1: in(RingAckAckCommand{"me", next_ring - 1}); break;
            case 2:
                in(MsgCommand{{"a caller's line that is long enough to wrap on a narrow screen"}, Direction::In, "me"});
                break;
            case 3: in(ChatStateCommand{"me", Direction::In, b % 16 < 8 ? "typing" : "gone"}); break;
            case 4:
                now.mono += 7, now.wall += 7;
                session.tick(now);
                break;
            case 5: in(RingAckAckCommand{"", next_ring - 1}); break;
            default: {
                // Draw at a size from the next byte, as the wiring does after each turn.
                int w = 20 + (i + 1 < size ? data[i + 1] % 200 : 80), h = 4 + (i + 1 < size ? data[i + 1] % 50 : 20);
                TextSurface s(w, h, b % 16 < 8);
                draw_screen(s, session, c.ui(), c.input(), now);
                break;
            }
            }
        }
        check(c, session);
        const bool taken = before == Mode::Help || before == Mode::Canned || before == Mode::Pasting;
        if (taken && fx.msgs != sent_before) std::abort();
    }
    return 0;
}
