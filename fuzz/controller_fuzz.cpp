// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for nlchat's screen logic (ui::Controller) over a real ClientSession
// on a server that gives chat ids and allows 16 chats: each input byte is a key (text, a
// digit after Esc, an F-key, an editing or pane key, a paste bracket) or an event from
// outside (a ring, a chat opening, a caller's line or leaving in one of the chats, time
// passing, the terminal resized to 40x12..250x80, ASCII on or off). After every step the
// whole screen is drawn at the current size, as nlchat does after each loop turn, and
// these must hold:
//   - the controller's own invariants (the input line is valid UTF-8 with its cursor
//     inside it, the scroll and the selections within their lists, a key taken by the
//     help, the canned picker or a paste sends nothing);
//   - the focus rule: when there is a pane, the screen drew the focus mark (the pointer
//     and the pane's number) in a pane's title, on a cell no overlay covers, and that
//     pane is the one the controller sends typed lines to (the earlier chat's pane takes
//     none); folded into tabs, the focused pane's tab is on the tab row;
//   - the draft rule: a step changes no chat's input line but the one in focus before
//     it; a line is sent only by Enter (or a paste's yes), only to the chat it was typed
//     in, with exactly what was typed there; "composing" goes only to the chat typed in;
//   - the shift (the server offers it; requests for support, read-alongs, reads and their
//     end, whispers, hand-overs offered, taken and done, boards come as events, and its
//     keys are pressed): what is typed in a read-along pane only ever produces a
//     WhisperCommand for that chat, by Enter or a paste's yes, with what was typed there;
//     no msg ever goes to a chat that is not the client's own, live one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/codec/json_util.h"
#include "core/codec/utf8.h"
#include "fuzz_key.h"
#include "ui/ascii.h"
#include "ui/controller.h"
#include "ui/panes.h"
#include "ui/text_surface.h"

using namespace nlchat;
using namespace nlchat::ui;

namespace {

struct Effects : ClientEffects {
    std::vector<Command> sent;  // this step's
    bool send(const Command& c) override {
        sent.push_back(c);
        return true;
    }
    void give_up(const std::string&) override {}
    void changed() override {}
    void alert() override {}
};

const int kCodes[] = {key::F1,        key::F2,        key::F3,        key::F4,        key::F5,         key::F6,
                      key::F7,        key::F8,        key::F10,       key::Up,        key::Down,       key::Left,
                      key::Right,     key::Home,      key::End,       key::PageUp,    key::PageDown,   key::Backspace,
                      key::Delete,    key::Enter,     key::Tab,       key::Escape,    key::PasteStart, key::PasteEnd,
                      key::Resize,    key::ctrl('a'), key::ctrl('b'), key::ctrl('e'), key::ctrl('k'),  key::ctrl('t'),
                      key::ctrl('u'), key::ctrl('w'), key::ctrl('n'), key::ctrl('p'), key::Alt1,       key::Alt1 + 1,
                      key::Alt1 + 2,  key::Alt1 + 4,  key::Alt1 + 8,  key::F9,        key::ctrl('r'),  key::ctrl('o'),
                      key::ctrl('x'), key::ctrl('g')};
constexpr int kCodeCount = sizeof kCodes / sizeof kCodes[0];

// Says which rule broke, for whoever reads the crash.
[[noreturn]] void fail(const char* rule) {
    std::fprintf(stderr, "controller_fuzz: %s\n", rule);
    std::abort();
}

void check_invariants(const Controller& c, const ClientSession& s) {
    const auto& in = c.input();
    if (!is_valid_utf8(in.text()) || in.cursor() > in.text().size())
        fail("the input line is not valid UTF-8 or its cursor is outside it");
    for (const auto& [serial, line] : c.drafts())
        if (!is_valid_utf8(line.text()) || line.cursor() > line.text().size())
            fail("a chat's input line is not valid UTF-8 or its cursor is outside it");
    const UiState& ui = c.ui();
    if (ui.scroll < 0 || ui.max_scroll < 0 || ui.pane_rows < 0) fail("a scroll or a pane height below zero");
    if (!ui.canned.empty() && ui.canned_selected >= ui.canned.size()) fail("the canned selection is past its list");
    if (ui.past && *ui.past >= s.past_chats().size()) fail("the earlier chat on view is past the list");
    if ((ui.prompt == UiState::Prompt::Paste) != !ui.paste.empty())
        fail("a paste question without its paste, or a paste without its question");
}

// The focus rule, on the screen just drawn.
void check_focus(const Controller& c, const ClientSession& s, const TextSurface& screen) {
    const auto panes = panes_in_order(s, c.ui());
    const auto focus = focused_index(panes);
    const UiState::FocusMark& mark = c.ui().focus_mark;
    if (!focus) {
        if (mark.row >= 0 || c.typing_target() != 0) fail("a focus mark, or somewhere to type, with no pane");
        return;
    }
    const PaneRef& pane = panes[*focus];
    // The mark is on the pane the controller has in focus...
    if (mark.row < 0 || mark.serial != pane.serial || mark.read_only != pane.read_only || mark.number != pane.number)
        fail("the focus mark is not on the pane in focus");
    // ...which is where typed lines go (nowhere, for the read-only earlier chat).
    if (c.typing_target() != (pane.read_only ? 0 : pane.serial))
        fail("typed lines would go elsewhere than the marked pane");
    if (c.whisper_target() != (pane.readalong ? pane.serial : 0))
        fail("whispers would go elsewhere than the marked read-along pane");
    // Overlays (help, canned picker) are drawn over the panes while they are open; keys go
    // to them then, not to a pane (a paste made meanwhile goes into the input line, which
    // stays in view, and nothing is sent before they close).
    if (c.ui().help || c.ui().canned_open || c.ui().board) return;
    // It is on screen: the pointer, a space, the number.
    if (screen.cell(mark.row, mark.col) != glyphs(c.ui().ascii).pointer)
        fail("the focus mark is not drawn where it was reported");
    std::string number;
    for (int x = mark.col + 2; !screen.cell(mark.row, x).empty() && screen.cell(mark.row, x) != " "; ++x)
        number += screen.cell(mark.row, x);
    if (number != std::to_string(pane.number)) fail("the number beside the focus mark is not the pane's");
    // Folded into tabs, its tab is shown, in brackets.
    if (mark.tab_col >= 0) {
        std::string tab;
        for (int x = mark.tab_col; x < mark.tab_col + 3 + static_cast<int>(number.size()); ++x)
            tab += screen.cell(mark.row - 1, x);
        if (tab.rfind("[" + number, 0) != 0) fail("the tab in focus is not on the tab row");
    }
}

std::int64_t id_of(const ClientSession& s, std::uint64_t serial) {
    const Chat* chat = s.open_chat(serial);
    return chat && chat->id ? *chat->id : -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Every step draws the whole screen (up to 250x80, every pane's lines wrapped): a
    // thousand steps reach any state worth reaching, and keep the runs quick.
    size = std::min<size_t>(size, 512);
    Effects fx;
    ClientSettings settings;
    settings.uuid = "me";
    settings.max_chats = 16;
    const PublicKey server = fuzz::key().public_key();
    ClientSession session(settings, server, server, fx);
    Controller c(session);
    c.ui().canned = {{"hello", "Hello, I'm here."}, {"wait", "Take your time \xe2\x80\x94 I'm listening."}};
    Now now{1000, 1764190800};
    auto in = [&](const Command& cmd) { session.command(cmd, now); };
    session.link_up(now);
    session.server_online(server.to_pem(), now);
    in(ChallengeCommand{"me", "n"});
    StatusCommand status{{{"Web", "Connected"}}};
    status.chats = 16;
    status.shift = true;
    in(status);
    in(ShiftCommand{"me", "Alice", "supervisor", false});
    std::int64_t next_ring = 1;
    int width = 100, height = 30;
    bool ascii = false, screen_ascii = false;
    TextSurface screen(width, height, ascii);

    for (std::size_t i = 0; i < size; ++i) {
        const std::uint8_t b = data[i];
        const std::uint8_t next = i + 1 < size ? data[i + 1] : 0;
        const Mode before = c.mode();
        const std::uint64_t typed_in = c.typing_target();
        const std::uint64_t whispered_in = c.whisper_target();
        // The client's own live chats (by id) before the step: the only ones a msg may go to.
        std::map<std::int64_t, bool> own;
        for (const auto& chat : session.chats())
            if (chat.id && !chat.ended) own[*chat.id] = true;
        const std::map<std::uint64_t, InputLine> drafts = c.drafts();
        const std::string paste = c.ui().paste;
        const std::uint64_t paste_chat = c.ui().paste_chat;
        fx.sent.clear();
        int code = -1;  // the key pressed, if a key (0: text)
        if (b < 0x5f) {
            code = 0;  // printable ASCII
            c.key(Key{0, std::string(1, static_cast<char>(0x20 + b))}, now);
        } else if (b < 0x67) {
            code = 0;  // Esc then a digit, the second part a moment later
            c.key(Key{key::Escape, ""}, now);
            now.mono += (b % 4) * 0.4;
            c.key(Key{0, std::string(1, static_cast<char>('1' + b % 8))}, now);
        } else if (b < 0x67 + kCodeCount) {
            code = kCodes[b - 0x67];
            c.key(Key{code, ""}, now);
        } else if (b < 0xd8) {
            code = 0;  // multi-byte text, as the terminal gives it
            c.key(Key{0, b % 2 ? "\xc3\xa9" : "\xf0\x9f\x98\x9e"}, now);
        } else {
            // The chat an event is about: one of the open ones, or one never seen.
            std::int64_t chat = next % 17;
            if (!session.chats().empty() && next % 4 != 0) {
                const Chat& open = session.chats()[next % session.chats().size()];
                if (open.id) chat = *open.id;
            }
            if (next % 3 == 0) {
                // The shift's events, about the same chat ids.
                switch (b % 8) {
                case 0: in(SupportRequestCommand{"me", chat, "Bob", 60, next % 2 ? "open" : "closed"}); break;
                case 1: {
                    ReadalongCommand ra;
                    ra.uuid = "me", ra.chat = chat, ra.state = next % 2 ? "open" : "ended", ra.operator_name = "Bob";
                    ra.history = {{"caller", "before"}, {"operator", "hello"}};
                    in(ra);
                    break;
                }
                case 2: in(ReadCommand{"me", chat, next % 2 ? "caller" : "operator", "a line read along"}); break;
                case 3: in(WhisperCommand{"me", chat, "a whisper", "Bob"}); break;
                case 4: in(HandoverOfferCommand{"me", chat, "Carol", "a note", "Web", 30, 20.0, "open"}); break;
                case 5: {
                    HandoverChatCommand hc;
                    hc.uuid = "me", hc.chat = chat, hc.from = "Carol", hc.note = "a note";
                    hc.history = {{"caller", "before"}};
                    in(hc);
                    break;
                }
                case 6: in(HandoverStateCommand{"me", chat, next % 2 ? "done" : "failed", std::string("Bob")}); break;
                default: {
                    BoardCommand board;
                    board.uuid = "me";
                    board.operators = {{"Alice", "supervisor", "available", 1, 60}};
                    in(board);
                    break;
                }
                }
            } else {
                switch (b % 10) {
                case 0: in(RingCommand{"", next_ring++, std::nullopt, 30}); break;
                case 1:
                    // The server gives us the newest ring, as its own chat (when ours to take).
                    if (next % 2) session.accept_ring(next_ring - 1, now);
                    in(RingAckAckCommand{"me", next_ring - 1, next_ring - 1});
                    break;
                case 2:
                    in(MsgCommand{
                        {"a caller's line, long enough to wrap in a narrow pane"}, Direction::In, "me", chat});
                    break;
                case 3: in(ChatStateCommand{"me", Direction::In, next % 2 ? "typing" : "gone", chat}); break;
                case 4:
                    now.mono += 3, now.wall += 3;
                    session.tick(now);
                    break;
                case 5: in(RingAckAckCommand{"other", next_ring - 1}); break;
                case 6:
                    width = 40 + next % 211;
                    height = 12 + (i + 2 < size ? data[i + 2] : 0) % 69;
                    break;
                case 7: ascii = !ascii; break;
                default: in(MsgCommand{{"hello"}, Direction::In, "me", chat}); break;
                }
            }
        }
        if (screen.width() != width || screen.height() != height || screen_ascii != ascii) {
            screen = TextSurface(width, height, ascii);
            screen_ascii = ascii;
        }
        c.ui().ascii = ascii;
        draw_screen(screen, session, c.ui(), c.input(), now);
        check_invariants(c, session);
        check_focus(c, session, screen);

        // The draft rule. Only the line in focus before the step may have changed...
        for (const auto& [serial, line] : drafts) {
            if (serial == typed_in || serial == whispered_in) continue;
            if (!session.open_chat(serial) && !session.readalong(serial)) continue;
            auto now_line = c.drafts().find(serial);
            if (now_line == c.drafts().end() || now_line->second.text() != line.text())
                fail("a chat's input line changed while another had the focus");
        }
        // ...a line goes only by Enter or a paste's yes, to the chat it was typed in...
        const bool taken = before == Mode::Help || before == Mode::Canned || before == Mode::Pasting;
        for (const auto& cmd : fx.sent) {
            if (const auto* msg = std::get_if<MsgCommand>(&cmd)) {
                if (!msg->chat || !own.count(*msg->chat)) fail("a msg to a chat that is not the client's own");
                if (whispered_in && !(before == Mode::Question && !paste.empty()))
                    fail("a msg was sent from a read-along pane");
                if (taken || code < 0 || msg->msg.size() != 1)
                    fail("a line was sent by an event, or by a key the help, the picker or a paste took");
                const bool paste_yes = before == Mode::Question && !paste.empty();
                const std::uint64_t from = paste_yes ? paste_chat : typed_in;
                const std::string text = paste_yes ? paste : drafts.count(from) ? drafts.at(from).text() : "";
                if (from == 0 || msg->chat != id_of(session, from) || msg->msg[0] != text)
                    fail("a line went to another chat than it was typed in, or with other words");
                if (!paste_yes && code != key::Enter) fail("a line was sent by a key other than Enter");
            } else if (const auto* wh = std::get_if<WhisperCommand>(&cmd)) {
                // A whisper only from the read-along typed in, with what was typed there.
                const bool paste_yes = before == Mode::Question && !paste.empty();
                const std::uint64_t from = paste_yes ? paste_chat : whispered_in;
                const ReadAlong* read = session.readalong(from);
                const std::string text = paste_yes ? paste : drafts.count(from) ? drafts.at(from).text() : "";
                if (!read || wh->chat != read->chat.id || wh->text != text)
                    fail("a whisper went elsewhere than the read-along typed in, or with other words");
                if (!paste_yes && code != key::Enter) fail("a whisper was sent by a key other than Enter");
            } else if (const auto* state = std::get_if<ChatStateCommand>(&cmd)) {
                // ...and "composing" only to the chat typed in (never from a read-only pane).
                if (state->state == "composing" && (typed_in == 0 || state->chat != id_of(session, typed_in)))
                    fail("composing was told to a chat not typed in");
            }
        }
    }
    return 0;
}
