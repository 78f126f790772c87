// SPDX-License-Identifier: GPL-3.0-or-later
// The operator client's protocol logic, as a sans-IO state machine.
//
// nlchat's wiring feeds it what happens (the link came up or went down, a line or an
// opened packet arrived, time passed, the operator pressed a key) with the time as an
// argument; the session answers through ClientEffects (send this command, drop the link,
// the model changed, ring the bell) and keeps the model the screen shows: link state,
// services, the ring queue, the chat and the chats before it. No socket, clock, thread
// or terminal is involved, so the unit tests drive it with a fake clock.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/client/shift_model.h"
#include "core/codec/command.h"
#include "core/crypto/rsa_key.h"
#include "core/now.h"

namespace nlchat {

struct ClientSettings {
    std::string uuid;
    double silence = 20;                // no word from the server this long: say so, resend key
    double key_interval = 10;           // ...every this many seconds until a status arrives
    double paused_after = 5;            // idle typing this long sends chat_state paused
    double default_ring_time = 60;      // for a ring with neither expires_in nor time
    std::string welcome;                // sent when a chat starts, if not empty
    std::size_t max_chat_lines = 5000;  // per chat, oldest dropped beyond
    // Chats this client can show at once, offered to the server (nlchat-protocol(7),
    // SEVERAL CHATS); 0 offers nothing (the 2015 protocol: one chat). The server says how
    // many it allows, and a 2015 server never does: one.
    std::size_t max_chats = 4;
};

class ClientEffects {
public:
    virtual ~ClientEffects() = default;
    // A command for the server; the wiring seals it with the server key. True when it was
    // written to the link; false when there is no link to write it to.
    virtual bool send(const Command& command) = 0;
    // Close the connection and do not redial (refused, or the server key changed).
    virtual void give_up(const std::string& why) = 0;
    // Something on screen changed.
    virtual void changed() = 0;
    // A ring arrived: get the operator's attention.
    virtual void alert() = 0;
    // The receipt of the command send() last wrote: with the v2 session a number that
    // delivered() names when the server acknowledges it; 0 when nothing will (v1).
    virtual std::uint64_t last_receipt() const { return 0; }
};

enum class LinkState {
    Down,             // no connection (the wiring is redialling)
    Connecting,       // connected, waiting for the server's word
    AwaitingTrust,    // first contact: the operator must accept the server's key
    Joining,          // key sent, waiting for the challenge or status
    Joined,           // in the pool
    Silent,           // joined, but nothing from the server for a while
    Refused,          // the server refused us (reason in refusal())
    Replaced,         // the same key is connected from another terminal (reason in refusal())
    ServerKeyChanged  // the server's key differs from the pinned one
};

struct RingEntry {
    std::int64_t id = 0;
    std::string service;     // the caller's service, when the server says (chat ids)
    double expires_at = 0;   // monotonic
    bool accepting = false;  // we sent ringACK
};

struct ChatLine {
    // Whisper: a supporter's words to this operator (never the caller's, never seen by
    // them); Operator: the chat's operator, in a read-along; Previous: the operator who
    // had the chat before it was handed over (THE SHIFT).
    enum class Who { Caller, Me, Note, Whisper, Operator, Previous };
    // What became of one of the operator's own lines: nothing is shown as sent before it
    // was written to the server, nothing as delivered before the server acknowledged it
    // (v2 only), and what cannot be delivered says so where it was typed.
    enum class Fate { Sent, Delivered, Waiting, NotDelivered };
    double wall = 0;
    Who who = Who::Note;
    std::string text;
    Fate fate = Fate::Sent;
    std::string why;            // for NotDelivered
    std::uint64_t id = 0;       // the operator's own lines, to find one again
    std::uint64_t receipt = 0;  // once sent on a v2 link: what the server's acknowledgement names
    std::string name;           // a whisper's writer
    bool before = false;        // history: said before this operator had the chat (or read along)
    bool whisper = false;       // the operator's own line in a read-along: a whisper
};

struct Chat {
    std::optional<std::int64_t> ring_id;  // empty for a chat resumed after a restart
    std::optional<std::int64_t> id;       // the server's chat id, when it gives them
    std::uint64_t serial = 0;             // ours, unique in this run
    // Its pane's number (Alt-1 is pane 1): the lowest free when it opened, kept while it is
    // open, so that the number under the operator's fingers never moves to another caller.
    int pane = 0;
    std::string service;     // the caller's service, when the server said
    std::size_t unread = 0;  // caller lines that came while it was not in focus
    double started_wall = 0;
    std::deque<ChatLine> lines;
    std::string caller_state;  // "typing", "idle", "paused", "gone", "no_state", ...
    bool ended = false;        // by the caller leaving, the operator, or the server
    // The last caller line number the server gave (a line sent again after a restart of
    // the server, with a number already shown, is not shown twice).
    std::int64_t last_line_in = 0;
    std::string handed_to;    // handed over to this colleague (it has ended here)
    std::string handed_from;  // handed over to us by this colleague
};

// A chat this operator reads along in (THE SHIFT): not its own. Nothing typed in its pane
// reaches the caller; it is whispered to the chat's operator.
struct ReadAlong {
    Chat chat;  // its id, lines, pane number and serial (from the same count as the chats')
    std::string operator_name;
    std::string reason;  // why it ended
};

class ClientSession {
public:
    ClientSession(ClientSettings settings, PublicKey own_key, std::optional<PublicKey> pinned_server_key,
                  ClientEffects& effects);

    // ---- the link ---------------------------------------------------------------
    void link_up(const Now& now);
    void link_down(const Now& now);
    // The unencrypted server_online line (a seed server may send no key).
    void server_online(const std::optional<std::string>& key_pem, const Now& now);
    // The operator's answer to "trust this server key?" (trust on first use).
    void trust_server_key(bool trust, const Now& now);
    // A command from the server, as the link read it (core/link/client_link.h: what the
    // codec cannot read never gets here).
    void command(const Command& command, const Now& now);
    // The server acknowledged the line sent with this receipt (v2).
    void delivered(std::uint64_t receipt);
    // The link is on the v2 session: the server reads extensions, so the operator's lines
    // are numbered (and one it does not pass on is named back) whatever its status says.
    void link_is_v2();
    // The wiring has packets waiting to be opened (a burst, on v1): a probe may be behind
    // them, so the session says it is alive (a probeACK, which the server takes as a sign
    // of life whenever it comes). The wiring calls this once a second while it lasts.
    void busy(const Now& now);
    void tick(const Now& now);
    std::optional<double> next_deadline(const Now& now) const;

    // ---- the operator -----------------------------------------------------------
    // Accepts ring `id`, or the oldest open one. False if there is nothing to accept.
    bool accept_ring(std::optional<std::int64_t> id, const Now& now);
    // Drops ring `id` (or the oldest) from this screen; the server is not told.
    bool ignore_ring(std::optional<std::int64_t> id);
    // Sends a message in open chat `chat` (by serial): the chat whose input line it was
    // typed in, which need not be the one in focus by now. False (and nothing sent) if that
    // chat is not open, has ended, or the text is empty.
    bool send_message(std::uint64_t chat, const std::string& text, const Now& now);
    // The operator typed in open chat `chat`'s input line: composing to it now, paused after
    // a pause (and paused to the chat typed in before, if another). Nothing for a chat that
    // is not open or has ended.
    void typing(std::uint64_t chat, const Now& now);
    // Ends the chat in focus (disassociate) and files it with the earlier ones.
    bool end_chat(const Now& now);
    // Puts open chat `index` in focus: the one the operator's lines and keys go to.
    bool focus_chat(std::size_t index);
    void quit();
    // ---- the shift (THE SHIFT; client_session_shift.cpp) ------------------------------
    // Each returns "" when it was sent, else what to tell the operator (nothing sent).
    // Away or back: what the server says next is what the screen shows.
    std::string set_away(bool away, const Now& now);
    // Asks for support in open chat `chat` (by serial), or ends the request or read-along.
    std::string ask_support(std::uint64_t chat, const Now& now);
    std::string end_support(std::uint64_t chat, const Now& now);
    // Hands open chat `chat` over to the colleague named `to` (none: anyone), or cancels.
    std::string hand_over(std::uint64_t chat, const std::optional<std::string>& to, const std::string& note,
                          const Now& now);
    std::string cancel_handover(std::uint64_t chat, const Now& now);
    // Takes the request or hand-over `offer` (an index in shift().offers), or hides it here.
    std::string take_offer(std::size_t offer, const Now& now);
    bool hide_offer(std::size_t offer);
    // Whispers in read-along `serial` to its operator; leaves it; closes its ended pane.
    std::string whisper(std::uint64_t serial, const std::string& text, const Now& now);
    std::string leave_readalong(std::uint64_t serial, const Now& now);
    bool close_readalong(std::uint64_t serial);
    // The shift's keys work now (the server offered the shift and answered on this link).
    bool shift_on() const { return shift_.active; }
    // Why a shift key cannot act now ("" when it can): not offered, the link down, ...
    std::string shift_refusal() const;
    const ShiftModel& shift() const { return shift_; }
    const std::vector<ReadAlong>& readalongs() const { return readalongs_; }
    const ReadAlong* readalong(std::uint64_t serial) const;
    // After Replaced: the operator wants the link back here. True if the wiring should
    // dial again (the new connection takes the UUID over from the other terminal).
    bool take_back(const Now& now);

    // ---- the model ----------------------------------------------------------------
    LinkState link() const { return link_; }
    double last_heard() const { return last_heard_; }  // monotonic; 0 if never
    double link_changed() const { return link_changed_; }
    const std::string& refusal() const { return refusal_; }
    // True when it was the operator who declined the server's key (not the server us).
    bool declined_trust() const { return declined_trust_; }
    const std::optional<PublicKey>& server_key() const { return server_key_; }
    const std::optional<PublicKey>& offered_server_key() const { return offered_key_; }
    const std::vector<ServiceStatus>& services() const { return services_; }
    const std::vector<RingEntry>& rings() const { return rings_; }
    // The chat in focus (nullptr with none open), and every open chat, oldest first.
    const Chat* chat() const { return chats_.empty() ? nullptr : &chats_[focus_]; }
    const std::vector<Chat>& chats() const { return chats_; }
    // The open chat with this serial, or nullptr.
    const Chat* open_chat(std::uint64_t serial) const;
    std::size_t focus() const { return focus_; }
    // How many chats the server lets this client hold (1 unless it says more).
    std::size_t chat_limit() const { return chat_limit_; }
    const std::vector<Chat>& past_chats() const { return past_; }
    const std::deque<std::string>& notices() const { return notices_; }
    const std::string& uuid() const { return settings_.uuid; }

private:
    void send_key(const Now& now);
    void heard(const Now& now);
    void set_link(LinkState state, const Now& now);
    void notice(const std::string& text);
    void add_line(Chat& chat, ChatLine::Who who, const std::string& text, const Now& now);
    Chat& start_chat(std::optional<std::int64_t> ring_id, std::optional<std::int64_t> id, const Now& now,
                     const std::string& service = "", bool welcome = true);
    void file_chat(std::size_t index);
    // The open chat a server command names (the newest live one, when the command names
    // none); nullptr when there is none.
    Chat* chat_named(std::optional<std::int64_t> id);
    Chat* chat_by_serial(std::uint64_t serial);
    std::size_t live_chats() const;
    // The operator's words in the open chat: sent now when the link is up, else kept as
    // waiting until it is (flush_outbox) or the chat can no longer have them (fail_outbox).
    void say(Chat& chat, const std::string& text, const Now& now);
    void flush_outbox();
    // Every waiting line (serial 0), or those of one chat, marked not delivered.
    void fail_outbox(const std::string& why, std::uint64_t serial = 0);
    // One of the operator's own lines by its id, in an open chat or a filed one.
    ChatLine* own_line(std::uint64_t id);
    // The msg for one of the operator's lines: numbered when the server reads numbers
    // (it said "chats"), so that it can say which line it did not deliver.
    MsgCommand outgoing(const Chat& chat, const std::string& text, std::uint64_t line) const;
    // The server's `undelivered`: the line is marked so where it was typed.
    void not_delivered(std::uint64_t id, const std::string& why);
    std::vector<RingEntry>::iterator find_ring(std::optional<std::int64_t> id);
    // The shift's commands from the server; false for any other command.
    bool shift_command(const Command& command, const Now& now);
    void shift_status(const StatusCommand& status);
    void shift_tick(const Now& now, bool& changed);
    int free_pane() const;
    ReadAlong* readalong_of(std::int64_t chat_id);
    Chat* own_chat(std::int64_t chat_id);
    void open_readalong(const ReadalongCommand& ra, const Now& now);
    void handed_over(Chat& chat, const std::string& to, const Now& now);
    void open_handed_chat(const HandoverChatCommand& hc, const Now& now);

    ClientSettings settings_;
    PublicKey own_key_;
    std::optional<PublicKey> pinned_;
    ClientEffects& effects_;

    LinkState link_ = LinkState::Down;
    double link_changed_ = 0;
    double last_heard_ = 0;
    std::optional<double> next_key_;  // when Silent: when to send key again
    std::string refusal_;
    std::optional<PublicKey> server_key_;   // the key packets are sealed with
    std::optional<PublicKey> offered_key_;  // awaiting the operator's trust
    std::vector<ServiceStatus> services_;
    std::vector<RingEntry> rings_;  // oldest first
    std::vector<Chat> chats_;       // open, oldest first
    std::size_t focus_ = 0;
    std::uint64_t next_serial_ = 1;
    std::size_t chat_limit_ = 1;
    std::size_t server_chats_ = 1;  // what the server's status allowed: the smaller of its limit and our offer
    std::vector<Chat> past_;
    std::deque<std::string> notices_;
    std::optional<double> paused_at_;  // when to send "paused"...
    std::uint64_t paused_chat_ = 0;    // ...and in which chat
    bool key_sent_ = false;            // on this link, before any reply
    bool declined_trust_ = false;
    bool numbered_ = false;  // the server reads extensions: lines carry numbers
    struct Waiting {
        std::uint64_t line, chat;  // the line's id, its chat's serial
        std::string text;
    };
    std::deque<Waiting> outbox_;  // waiting lines, in order
    // Chats the operator ended while the link was down: the server is told when it is
    // back, before anything else (and lines that come for them meanwhile are not shown:
    // the operator has ended that chat, and the server tells the caller so).
    std::vector<std::optional<std::int64_t>> ended_offline_;
    std::set<std::int64_t> ended_here_;  // chat ids the operator ended
    std::uint64_t next_line_id_ = 1;
    ShiftModel shift_;
    std::vector<ReadAlong> readalongs_;
    std::set<std::int64_t> handed_over_;  // chat ids handed to a colleague: never disassociated by us
};

const char* link_state_name(LinkState state);

}  // namespace nlchat
