// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/client_session.h"

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

void ClientSession::start_chat(std::optional<std::int64_t> ring_id, const Now& now) {
    file_chat();
    chat_ = Chat{};
    chat_->ring_id = ring_id;
    chat_->started_wall = now.wall;
    if (!settings_.welcome.empty()) say(settings_.welcome, now);
    effects_.changed();
}

void ClientSession::say(const std::string& text, const Now& now) {
    add_line(*chat_, ChatLine::Who::Me, text, now);
    ChatLine& line = chat_->lines.back();
    line.id = next_line_id_++;
    bool up = link_ == LinkState::Joined || link_ == LinkState::Silent;
    // Behind earlier waiting lines it waits too, so that order is kept.
    if (up && outbox_.empty() && effects_.send(MsgCommand{{text}, Direction::Out, settings_.uuid})) {
        line.receipt = effects_.last_receipt();
        return;
    }
    line.fate = ChatLine::Fate::Waiting;
    outbox_.emplace_back(line.id, text);
}

ChatLine* ClientSession::own_line(std::uint64_t id) {
    if (!chat_) return nullptr;
    for (auto it = chat_->lines.rbegin(); it != chat_->lines.rend(); ++it)
        if (it->id == id) return &*it;
    return nullptr;
}

void ClientSession::flush_outbox() {
    while (!outbox_.empty()) {
        if (!effects_.send(MsgCommand{{outbox_.front().second}, Direction::Out, settings_.uuid})) return;
        if (ChatLine* line = own_line(outbox_.front().first)) {
            line->fate = ChatLine::Fate::Sent;
            line->receipt = effects_.last_receipt();
        }
        outbox_.pop_front();
        effects_.changed();
    }
}

void ClientSession::busy(const Now&) {
    if (link_ == LinkState::Joined || link_ == LinkState::Silent) effects_.send(ProbeAckCommand{settings_.uuid});
}

void ClientSession::delivered(std::uint64_t receipt) {
    // The line is in the open chat, or in one filed since (a chat can end before the
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
    if (receipt == 0 || (chat_ && mark(*chat_))) return;
    for (auto it = past_.rbegin(); it != past_.rend(); ++it)
        if (mark(*it)) return;
}

void ClientSession::fail_outbox(const std::string& why) {
    for (const auto& [id, text] : outbox_) {
        if (ChatLine* line = own_line(id)) {
            line->fate = ChatLine::Fate::NotDelivered;
            line->why = why;
        }
    }
    if (!outbox_.empty()) effects_.changed();
    outbox_.clear();
}

void ClientSession::file_chat() {
    if (!chat_) return;
    fail_outbox("the chat was closed before the link came back");
    chat_->ended = true;
    past_.push_back(std::move(*chat_));
    chat_.reset();
}

void ClientSession::command(const Json::Value& inner, const Now& now) {
    heard(now);
    ParsedCommand parsed = parse_command(inner);
    if (parsed.kind != ParsedCommand::Kind::Ok) return;  // unknown or malformed: ignored
    const Command& cmd = *parsed.command;
    if (const std::string* uuid = command_uuid(cmd);
        uuid && *uuid != settings_.uuid && !std::holds_alternative<RingAckAckCommand>(cmd))
        return;  // meant for another client

    if (auto* ch = std::get_if<ChallengeCommand>(&cmd)) {
        effects_.send(ChallengeAckCommand{settings_.uuid, ch->nonce});
    } else if (auto* st = std::get_if<StatusCommand>(&cmd)) {
        services_ = st->services;
        next_key_.reset();
        set_link(LinkState::Joined, now);
        flush_outbox();  // what the operator wrote while the link was down, in order
        effects_.changed();
    } else if (std::holds_alternative<ProbeCommand>(cmd)) {
        effects_.send(ProbeAckCommand{settings_.uuid});
    } else if (auto* rf = std::get_if<RefusedCommand>(&cmd)) {
        refusal_ = rf->reason;
        // Another terminal holds this key's link: do not redial (that would take it back
        // and start a fight); the operator may take it back by a key.
        bool replaced = rf->code == "replaced" || rf->code == "too_many_takeovers";
        fail_outbox(replaced ? "another terminal has the link" : "the server refused this client");
        if (replaced && chat_ && !chat_->ended)
            add_line(*chat_, ChatLine::Who::Note, "this chat continues in the other terminal", now);
        set_link(replaced ? LinkState::Replaced : LinkState::Refused, now);
        effects_.give_up(refusal_);
    } else if (auto* ring = std::get_if<RingCommand>(&cmd)) {
        double left = ring->expires_in ? *ring->expires_in
                      : ring->time     ? *ring->time - now.wall
                                       : settings_.default_ring_time;
        auto it = find_ring(ring->id);
        if (left <= 0) return;
        if (it == rings_.end()) {
            rings_.push_back({ring->id, now.mono + left, false});
            effects_.alert();
        } else {
            it->expires_at = now.mono + left;
        }
        effects_.changed();
    } else if (auto* ack = std::get_if<RingAckAckCommand>(&cmd)) {
        auto it = find_ring(ack->id);
        bool was_accepting = it != rings_.end() && it->accepting;
        bool was_listed = it != rings_.end();
        if (was_listed) rings_.erase(it);
        std::string id = std::to_string(ack->id);
        if (ack->uuid == settings_.uuid) {
            notice("you have ring " + id);
            start_chat(ack->id, now);
        } else if (ack->uuid.empty()) {
            if (was_listed) notice("ring " + id + " ended: the caller left or nobody took it in time");
        } else if (was_accepting) {
            notice("ring " + id + " taken by another operator");
        } else if (was_listed) {
            effects_.changed();
        }
    } else if (auto* msg = std::get_if<MsgCommand>(&cmd)) {
        // A message with no chat open is never dropped: it may be a chat the server kept
        // through our restart, so it opens one.
        if (!chat_) start_chat(std::nullopt, now);
        for (const auto& text : msg->msg) add_line(*chat_, ChatLine::Who::Caller, text, now);
        if (chat_->caller_state == "typing") chat_->caller_state.clear();
    } else if (auto* cs = std::get_if<ChatStateCommand>(&cmd)) {
        if (!chat_) return;
        chat_->caller_state = cs->state;
        if (cs->state == "gone" && !chat_->ended) {
            chat_->ended = true;
            fail_outbox("the caller had left");
            add_line(*chat_, ChatLine::Who::Note, "the caller left the chat", now);
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
    if ((link_ == LinkState::Joined || link_ == LinkState::Joining) && now.mono - last_heard_ >= settings_.silence) {
        set_link(LinkState::Silent, now);
        next_key_ = now.mono;
    }
    if (link_ == LinkState::Silent && next_key_ && now.mono >= *next_key_) {
        send_key(now);
        next_key_ = now.mono + settings_.key_interval;
    }
    if (paused_at_ && now.mono >= *paused_at_) {
        paused_at_.reset();
        if (chat_ && !chat_->ended) effects_.send(ChatStateCommand{settings_.uuid, Direction::Out, "paused"});
    }
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
    return next;
}

bool ClientSession::accept_ring(std::optional<std::int64_t> id, const Now&) {
    auto it = find_ring(id);
    if (it == rings_.end() || it->accepting) return false;
    if (chat_ && !chat_->ended) {
        notice("end the current chat before taking another caller");
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

bool ClientSession::send_message(const std::string& text, const Now& now) {
    if (!chat_ || chat_->ended || text.empty()) return false;
    say(text, now);
    paused_at_.reset();
    return true;
}

void ClientSession::typing(const Now& now) {
    if (!chat_ || chat_->ended) return;
    if (!paused_at_) effects_.send(ChatStateCommand{settings_.uuid, Direction::Out, "composing"});
    paused_at_ = now.mono + settings_.paused_after;
}

bool ClientSession::end_chat(const Now&) {
    if (!chat_) return false;
    // After the caller left the server has already ended it; telling it again is harmless.
    effects_.send(DisassociateCommand{settings_.uuid});
    paused_at_.reset();
    file_chat();
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
