// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/client/client_session.h"

#include <algorithm>

namespace nlchat {

const char* link_state_name(LinkState state) {
    switch (state) {
    case LinkState::Down: return "disconnected";
    case LinkState::Connecting: return "connecting";
    case LinkState::AwaitingTrust: return "new server key";
    case LinkState::Joining: return "joining";
    case LinkState::Joined: return "online";
    case LinkState::Silent: return "no word from server";
    case LinkState::Refused: return "refused";
    case LinkState::Replaced: return "in another terminal";
    case LinkState::ServerKeyChanged: return "SERVER KEY CHANGED";
    }
    return "?";
}

ClientSession::ClientSession(ClientSettings settings, PublicKey own_key, std::optional<PublicKey> pinned_server_key,
                             ClientEffects& effects)
    : settings_(std::move(settings)),
      own_key_(std::move(own_key)),
      pinned_(std::move(pinned_server_key)),
      effects_(effects),
      server_key_(pinned_) {}

void ClientSession::set_link(LinkState state, const Now& now) {
    if (link_ == state) return;
    link_ = state;
    link_changed_ = now.mono;
    effects_.changed();
}

void ClientSession::notice(const std::string& text) {
    notices_.push_back(text);
    while (notices_.size() > 50) notices_.pop_front();
    effects_.changed();
}

void ClientSession::send_key(const Now& now) {
    if (!server_key_) return;
    key_sent_ = true;
    effects_.send(KeyCommand{settings_.uuid, own_key_.to_pem()});
    if (link_ == LinkState::Connecting) set_link(LinkState::Joining, now);
}

void ClientSession::heard(const Now& now) {
    last_heard_ = now.mono;
    if (link_ == LinkState::Silent) {
        // Back to normal only with a status (the server's answer to our key); any word
        // shows the server is there, so the age on screen resets either way.
        effects_.changed();
    }
}

void ClientSession::link_up(const Now& now) {
    refusal_.clear();
    key_sent_ = false;
    numbered_ = false;  // until this server's status says it reads extensions
    // The server forgets who took the shift with each connection: taken again on this one.
    shift_.offered = shift_.hello_sent = shift_.active = false;
    last_heard_ = now.mono;
    set_link(LinkState::Connecting, now);
    // A seed-conformant server may never send server_online: with a pinned key we can
    // speak first. If server_online follows, key is simply sent again.
    if (pinned_) send_key(now);
}

void ClientSession::link_down(const Now& now) {
    if (link_ == LinkState::Refused || link_ == LinkState::ServerKeyChanged || link_ == LinkState::Replaced) return;
    next_key_.reset();
    set_link(LinkState::Down, now);
}

void ClientSession::server_online(const std::optional<std::string>& key_pem, const Now& now) {
    heard(now);
    if (!key_pem) {
        if (!server_key_) {
            refusal_ = "the server sent no key and none is pinned; give its public key with --server-key";
            set_link(LinkState::Refused, now);
            effects_.give_up(refusal_);
            return;
        }
        if (!key_sent_) send_key(now);
        return;
    }
    std::string error;
    auto key = PublicKey::from_pem(*key_pem, error);
    if (!key) {
        refusal_ = "the server sent an unusable key: " + error;
        set_link(LinkState::Refused, now);
        effects_.give_up(refusal_);
        return;
    }
    if (pinned_ && *key != *pinned_) {
        refusal_ = "the server's key changed: expected " + pinned_->fingerprint() + ", got " + key->fingerprint() +
                   ". This may be an attack. If the server was really re-installed, remove its entry from the "
                   "known-servers file.";
        set_link(LinkState::ServerKeyChanged, now);
        effects_.give_up(refusal_);
        return;
    }
    if (!pinned_) {
        offered_key_ = key;
        set_link(LinkState::AwaitingTrust, now);
        return;
    }
    // Already sent at link-up (with a pinned key): once is enough.
    if (!key_sent_) send_key(now);
}

void ClientSession::trust_server_key(bool trust, const Now& now) {
    if (link_ != LinkState::AwaitingTrust || !offered_key_) return;
    if (!trust) {
        declined_trust_ = true;
        refusal_ = "You did not trust the server's key " + offered_key_->fingerprint() +
                   ", so nlchat has not connected. Check the fingerprint with the server's admin, then start "
                   "nlchat again (it asks again), or give the admin's server.key.pub with --server-key FILE.";
        set_link(LinkState::Refused, now);
        effects_.give_up(refusal_);
        return;
    }
    pinned_ = server_key_ = offered_key_;
    offered_key_.reset();
    set_link(LinkState::Connecting, now);
    send_key(now);
}

std::vector<RingEntry>::iterator ClientSession::find_ring(std::optional<std::int64_t> id) {
    if (!id) return rings_.begin();
    return std::find_if(rings_.begin(), rings_.end(), [&](const RingEntry& r) { return r.id == *id; });
}

void ClientSession::add_line(Chat& chat, ChatLine::Who who, const std::string& text, const Now& now) {
    ChatLine line;
    line.wall = now.wall;
    line.who = who;
    line.text = text;
    chat.lines.push_back(std::move(line));
    while (chat.lines.size() > settings_.max_chat_lines) chat.lines.pop_front();
    effects_.changed();
}

Chat& ClientSession::start_chat(std::optional<std::int64_t> ring_id, std::optional<std::int64_t> id, const Now& now,
                                const std::string& service, bool welcome) {
    // The same chat again (a restarted server gave the ring to this client once more): it
    // goes on where it is.
    if (id)
        for (auto& c : chats_)
            if (c.id == id && !c.ended) return c;
    // Chats that have ended make way; with a server that gives no chat ids there is one
    // chat at a time, so the one before is filed whatever its state.
    for (std::size_t i = chats_.size(); i-- > 0;)
        if (chats_[i].ended || !id || !chats_[i].id) file_chat(i);
    Chat chat;
    chat.ring_id = ring_id;
    chat.id = id;
    chat.service = service;
    chat.serial = next_serial_++;
    chat.pane = free_pane();
    chat.started_wall = now.wall;
    chats_.push_back(std::move(chat));
    // The new chat takes the focus only when the operator has no other live one.
    if (live_chats() == 1) focus_ = chats_.size() - 1;
    Chat& opened = chats_.back();
    if (welcome && !settings_.welcome.empty()) say(opened, settings_.welcome, now);
    effects_.changed();
    return opened;
}

std::size_t ClientSession::live_chats() const {
    return static_cast<std::size_t>(
        std::count_if(chats_.begin(), chats_.end(), [](const Chat& c) { return !c.ended; }));
}

Chat* ClientSession::chat_named(std::optional<std::int64_t> id) {
    if (id) {
        for (auto& c : chats_)
            if (c.id == id) return &c;
        return nullptr;
    }
    // Without an id (a 2015 server, one chat at a time): the live chat. A chat that has
    // ended takes no more lines: whatever comes now is a new chat's (found by the
    // simulation: a ring whose ringACKACK a crash of the server swallowed, its first text
    // shown in the chat before it, another caller's).
    for (auto it = chats_.rbegin(); it != chats_.rend(); ++it)
        if (!it->ended) return &*it;
    return nullptr;
}

Chat* ClientSession::chat_by_serial(std::uint64_t serial) {
    for (auto& c : chats_)
        if (c.serial == serial) return &c;
    return nullptr;
}

const Chat* ClientSession::open_chat(std::uint64_t serial) const {
    for (const auto& c : chats_)
        if (c.serial == serial) return &c;
    return nullptr;
}

void ClientSession::say(Chat& chat, const std::string& text, const Now& now) {
    add_line(chat, ChatLine::Who::Me, text, now);
    ChatLine& line = chat.lines.back();
    line.id = next_line_id_++;
    bool up = link_ == LinkState::Joined || link_ == LinkState::Silent;
    // Behind earlier waiting lines it waits too, so that order is kept.
    if (up && outbox_.empty() && effects_.send(outgoing(chat, text, line.id))) {
        line.receipt = effects_.last_receipt();
        return;
    }
    line.fate = ChatLine::Fate::Waiting;
    outbox_.push_back({line.id, chat.serial, text});
}

MsgCommand ClientSession::outgoing(const Chat& chat, const std::string& text, std::uint64_t line) const {
    std::optional<std::int64_t> number;
    if (numbered_) number = static_cast<std::int64_t>(line);
    return MsgCommand{{text}, Direction::Out, settings_.uuid, chat.id, number};
}

void ClientSession::not_delivered(std::uint64_t id, const std::string& why) {
    ChatLine* line = own_line(id);
    if (!line) return;
    line->fate = ChatLine::Fate::NotDelivered;
    line->why = why;
    effects_.changed();
}

ChatLine* ClientSession::own_line(std::uint64_t id) {
    // Only the operator's own lines have an id (from 1). The line may be in a chat filed
    // since (the caller left as it was sent).
    if (id == 0) return nullptr;
    auto find = [id](Chat& chat) -> ChatLine* {
        for (auto it = chat.lines.rbegin(); it != chat.lines.rend(); ++it)
            if (it->id == id) return &*it;
        return nullptr;
    };
    for (auto& chat : chats_)
        if (ChatLine* line = find(chat)) return line;
    for (auto it = past_.rbegin(); it != past_.rend(); ++it)
        if (ChatLine* line = find(*it)) return line;
    return nullptr;
}

void ClientSession::flush_outbox() {
    // First the chats the operator ended meanwhile, so no caller is kept in one.
    while (!ended_offline_.empty()) {
        if (!effects_.send(DisassociateCommand{settings_.uuid, ended_offline_.front()})) return;
        ended_offline_.erase(ended_offline_.begin());
    }
    while (!outbox_.empty()) {
        const Waiting& w = outbox_.front();
        const Chat* chat = chat_by_serial(w.chat);
        if (!chat) {
            outbox_.pop_front();  // filed: fail_outbox has said so
            continue;
        }
        if (!effects_.send(outgoing(*chat, w.text, w.line))) return;
        if (ChatLine* line = own_line(w.line)) {
            line->fate = ChatLine::Fate::Sent;
            line->receipt = effects_.last_receipt();
        }
        outbox_.pop_front();
        effects_.changed();
    }
}

void ClientSession::link_is_v2() { numbered_ = true; }

void ClientSession::busy(const Now&) {
    if (link_ == LinkState::Joined || link_ == LinkState::Silent) effects_.send(ProbeAckCommand{settings_.uuid});
}

void ClientSession::delivered(std::uint64_t receipt) {
    // The line is in an open chat, or in one filed since (a chat can end before the
    // acknowledgement of its last words arrives).
    auto mark = [&](Chat& chat) {
        for (auto it = chat.lines.rbegin(); it != chat.lines.rend(); ++it)
            if (it->receipt == receipt && it->fate == ChatLine::Fate::Sent) {
                it->fate = ChatLine::Fate::Delivered;
                effects_.changed();
                return true;
            }
        return false;
    };
    if (receipt == 0) return;
    for (auto& chat : chats_)
        if (mark(chat)) return;
    for (auto it = past_.rbegin(); it != past_.rend(); ++it)
        if (mark(*it)) return;
    for (auto& ra : readalongs_)
        if (mark(ra.chat)) return;
}

void ClientSession::fail_outbox(const std::string& why, std::uint64_t serial) {
    bool changed = false;
    for (auto it = outbox_.begin(); it != outbox_.end();) {
        if (serial != 0 && it->chat != serial) {
            ++it;
            continue;
        }
        if (ChatLine* line = own_line(it->line)) {
            line->fate = ChatLine::Fate::NotDelivered;
            line->why = why;
        }
        it = outbox_.erase(it);
        changed = true;
    }
    if (changed) effects_.changed();
}

void ClientSession::file_chat(std::size_t index) {
    if (index >= chats_.size()) return;
    fail_outbox("the chat was closed before the link came back", chats_[index].serial);
    chats_[index].ended = true;
    past_.push_back(std::move(chats_[index]));
    chats_.erase(chats_.begin() + static_cast<std::ptrdiff_t>(index));
    if (focus_ > index || focus_ >= chats_.size()) focus_ = focus_ > 0 ? focus_ - 1 : 0;
}

bool ClientSession::focus_chat(std::size_t index) {
    if (index >= chats_.size()) return false;
    focus_ = index;
    chats_[index].unread = 0;
    effects_.changed();
    return true;
}

void ClientSession::command(const Command& cmd, const Now& now) {
    heard(now);
    if (const std::string* uuid = command_uuid(cmd);
        uuid && *uuid != settings_.uuid && !std::holds_alternative<RingAckAckCommand>(cmd))
        return;  // meant for another client
    if (shift_command(cmd, now)) return;

    if (auto* ch = std::get_if<ChallengeCommand>(&cmd)) {
        std::optional<std::int64_t> chats;
        if (settings_.max_chats > 0) chats = static_cast<std::int64_t>(settings_.max_chats);
        effects_.send(ChallengeAckCommand{settings_.uuid, ch->nonce, chats});
    } else if (auto* st = std::get_if<StatusCommand>(&cmd)) {
        services_ = st->services;
        // A server that reads chat ids says how many this client may hold (a status
        // broadcast to everyone leaves it out: the last word stands).
        if (st->chats) numbered_ = true;
        if (st->chats && settings_.max_chats > 0) {
            server_chats_ = static_cast<std::size_t>(std::max<std::int64_t>(*st->chats, 1));
            chat_limit_ = std::clamp<std::size_t>(server_chats_, 1, settings_.max_chats);
        }
        next_key_.reset();
        set_link(LinkState::Joined, now);
        flush_outbox();  // what the operator wrote while the link was down, in order
        shift_status(*st);
        effects_.changed();
    } else if (std::holds_alternative<ProbeCommand>(cmd)) {
        effects_.send(ProbeAckCommand{settings_.uuid});
    } else if (auto* un = std::get_if<UndeliveredCommand>(&cmd)) {
        not_delivered(static_cast<std::uint64_t>(un->line), "the server did not deliver it: " + un->reason);
    } else if (auto* rf = std::get_if<RefusedCommand>(&cmd)) {
        refusal_ = rf->reason;
        // Another terminal holds this key's link: do not redial (that would take it back
        // and start a fight); the operator may take it back by a key.
        bool replaced = rf->code == "replaced" || rf->code == "too_many_takeovers";
        fail_outbox(replaced ? "another terminal has the link" : "the server refused this client");
        if (replaced)
            for (auto& chat : chats_)
                if (!chat.ended) add_line(chat, ChatLine::Who::Note, "this chat continues in the other terminal", now);
        set_link(replaced ? LinkState::Replaced : LinkState::Refused, now);
        effects_.give_up(refusal_);
    } else if (auto* ring = std::get_if<RingCommand>(&cmd)) {
        double left = ring->expires_in ? *ring->expires_in
                      : ring->time     ? *ring->time - now.wall
                                       : settings_.default_ring_time;
        auto it = find_ring(ring->id);
        if (left <= 0) return;
        if (it == rings_.end()) {
            rings_.push_back({ring->id, ring->service.value_or(""), now.mono + left, false});
            effects_.alert();
        } else {
            it->expires_at = now.mono + left;
        }
        effects_.changed();
    } else if (auto* ack = std::get_if<RingAckAckCommand>(&cmd)) {
        auto it = find_ring(ack->id);
        bool was_accepting = it != rings_.end() && it->accepting;
        bool was_listed = it != rings_.end();
        std::string service = was_listed ? it->service : "";
        if (was_listed) rings_.erase(it);
        std::string id = std::to_string(ack->id);
        if (ack->uuid == settings_.uuid) {
            notice("you have ring " + id);
            start_chat(ack->id, ack->chat, now, service);
        } else if (ack->uuid.empty()) {
            if (was_listed) notice("ring " + id + " ended: the caller left or nobody took it in time");
        } else if (was_accepting) {
            notice("ring " + id + " taken by another operator");
        } else if (was_listed) {
            effects_.changed();
        }
    } else if (auto* msg = std::get_if<MsgCommand>(&cmd)) {
        // A message with no chat open is never dropped: it may be a chat the server kept
        // through our restart, so it opens one. One for a chat that has ended here (the
        // operator ended it, maybe while the link was down, or the caller left and a
        // restarted server did not know) joins that chat's history, where the operator can
        // still read it, and the server is told once that the chat is over.
        Chat* chat = chat_named(msg->chat);
        if (!chat && msg->chat)
            for (auto it = past_.rbegin(); it != past_.rend() && !chat; ++it)
                if (it->id == msg->chat) chat = &*it;
        if (!chat) chat = &start_chat(std::nullopt, msg->chat, now);
        if (chat->ended && msg->chat && !handed_over_.count(*msg->chat) && ended_here_.insert(*msg->chat).second)
            effects_.send(DisassociateCommand{settings_.uuid, msg->chat});
        if (msg->line) {
            if (*msg->line <= chat->last_line_in) return;  // shown already
            chat->last_line_in = *msg->line;
        }
        for (const auto& text : msg->msg) add_line(*chat, ChatLine::Who::Caller, text, now);
        if (chat->caller_state == "typing") chat->caller_state.clear();
        if (chat != this->chat() && !chat->ended) chat->unread += msg->msg.size();
    } else if (auto* cs = std::get_if<ChatStateCommand>(&cmd)) {
        Chat* chat = chat_named(cs->chat);
        if (!chat) return;
        chat->caller_state = cs->state;
        if (cs->state == "gone" && !chat->ended) {
            chat->ended = true;
            fail_outbox("the caller had left", chat->serial);
            add_line(*chat, ChatLine::Who::Note, "the caller left the chat", now);
        }
        effects_.changed();
    }
}

void ClientSession::tick(const Now& now) {
    bool changed = false;
    for (auto it = rings_.begin(); it != rings_.end();) {
        if (now.mono >= it->expires_at) {
            notice("ring " + std::to_string(it->id) + " expired");
            it = rings_.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    // The same sum as next_deadline()'s: a difference could round below the silence and
    // leave a timer that fires at that deadline finding nothing due, for ever.
    if ((link_ == LinkState::Joined || link_ == LinkState::Joining) && now.mono >= last_heard_ + settings_.silence) {
        set_link(LinkState::Silent, now);
        next_key_ = now.mono;
    }
    if (link_ == LinkState::Silent && next_key_ && now.mono >= *next_key_) {
        send_key(now);
        next_key_ = now.mono + settings_.key_interval;
    }
    if (paused_at_ && now.mono >= *paused_at_) {
        paused_at_.reset();
        if (const Chat* chat = chat_by_serial(paused_chat_); chat && !chat->ended)
            effects_.send(ChatStateCommand{settings_.uuid, Direction::Out, "paused", chat->id});
    }
    shift_tick(now, changed);
    if (changed) effects_.changed();
}

std::optional<double> ClientSession::next_deadline(const Now&) const {
    std::optional<double> next;
    auto consider = [&next](double t) {
        if (!next || t < *next) next = t;
    };
    for (const auto& r : rings_) consider(r.expires_at);
    if (link_ == LinkState::Joined || link_ == LinkState::Joining) consider(last_heard_ + settings_.silence);
    if (link_ == LinkState::Silent && next_key_) consider(*next_key_);
    if (paused_at_) consider(*paused_at_);
    for (const auto& o : shift_.offers)
        if (o.expires_at) consider(*o.expires_at);
    return next;
}

bool ClientSession::accept_ring(std::optional<std::int64_t> id, const Now&) {
    auto it = find_ring(id);
    if (it == rings_.end() || it->accepting) return false;
    if (live_chats() >= chat_limit_) {
        // Whose limit it is decides what the operator can do about it: nlchat's own
        // --chats is theirs to raise, the server's is not. The server answers with the
        // smaller of its limit and what was offered, so an answer as large as the offer
        // means the offer (--chats) was the cap.
        const bool ours = settings_.max_chats > 0 && server_chats_ >= settings_.max_chats;
        if (chat_limit_ == 1)
            notice(ours ? "end the current chat before taking another caller (nlchat's --chats is 1)"
                        : "end the current chat before taking another caller");
        else
            notice("you have " + std::to_string(chat_limit_) + " chats open, the most " +
                   (ours ? "nlchat's --chats allows" : "this server allows") + ": end one first");
        return false;
    }
    it->accepting = true;
    effects_.send(RingAckCommand{settings_.uuid, it->id});
    effects_.changed();
    return true;
}

bool ClientSession::ignore_ring(std::optional<std::int64_t> id) {
    auto it = find_ring(id);
    if (it == rings_.end()) return false;
    rings_.erase(it);
    effects_.changed();
    return true;
}

bool ClientSession::send_message(std::uint64_t chat, const std::string& text, const Now& now) {
    Chat* to = chat_by_serial(chat);
    if (!to || to->ended || text.empty()) return false;
    say(*to, text, now);
    // The line itself says the operator stopped typing there (no "paused" after it).
    if (paused_chat_ == chat) paused_at_.reset();
    return true;
}

void ClientSession::typing(std::uint64_t serial, const Now& now) {
    const Chat* typed_in = chat_by_serial(serial);
    if (!typed_in || typed_in->ended) return;
    const Chat& chat = *typed_in;
    // Typing in another chat starts its own composing; the one before is left paused.
    if (paused_at_ && paused_chat_ != chat.serial) {
        if (const Chat* before = chat_by_serial(paused_chat_); before && !before->ended)
            effects_.send(ChatStateCommand{settings_.uuid, Direction::Out, "paused", before->id});
        paused_at_.reset();
    }
    if (!paused_at_) effects_.send(ChatStateCommand{settings_.uuid, Direction::Out, "composing", chat.id});
    paused_at_ = now.mono + settings_.paused_after;
    paused_chat_ = chat.serial;
}

bool ClientSession::end_chat(const Now&) {
    if (chats_.empty()) return false;
    // After the caller left the server has already ended it; telling it again is harmless.
    // With the link down it is told when the link is back, never forgotten.
    const std::optional<std::int64_t> id = chats_[focus_].id;
    // A chat handed to a colleague is theirs now: closing its pane here tells nobody.
    if (id && handed_over_.count(*id)) {
        file_chat(focus_);
        effects_.changed();
        return true;
    }
    if (!effects_.send(DisassociateCommand{settings_.uuid, id})) ended_offline_.push_back(id);
    if (id) ended_here_.insert(*id);
    if (paused_chat_ == chats_[focus_].serial) paused_at_.reset();
    file_chat(focus_);
    effects_.changed();
    return true;
}

void ClientSession::quit() { effects_.send(DisconnectCommand{settings_.uuid}); }

bool ClientSession::take_back(const Now& now) {
    if (link_ != LinkState::Replaced) return false;
    refusal_.clear();
    set_link(LinkState::Down, now);
    effects_.changed();
    return true;
}

}  // namespace nlchat
