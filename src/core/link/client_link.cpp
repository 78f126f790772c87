// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/client_link.h"

#include "core/codec/base64.h"
#include "core/codec/json_util.h"

namespace nlchat {

ClientLink::ClientLink(ClientLinkSettings settings, ClientLinkEffects& effects)
    : settings_(std::move(settings)), effects_(effects) {
    if (!settings_.seal) settings_.seal = seal;
}

void ClientLink::link_up(const Now& now) {
    up_ = true;
    protocol_.clear();
    rejoined_ = false;
    // With a secret from the last session, the key waits for server_online: its nonce may
    // let this client rejoin without RSA.
    awaiting_online_ = settings_.v2 && !v2_.resumption().empty();
    hold_until_ = now.mono + kHoldKeySeconds;
}

void ClientLink::link_down() {
    up_ = false;
    v2_.link_down();
    offered_ = false;
    early_frames_.clear();
    protocol_.clear();
    bare_ack_at_.reset();
    rekey_at_.reset();
    held_key_.reset();
    awaiting_online_ = resuming_ = false;
    resume_nonce_.clear();
}

void ClientLink::drop(const std::string& why) {
    link_down();
    effects_.drop(why);
}

void ClientLink::received(std::string line, const Now& now) {
    if (!up_) return;
    if (line.rfind("{\"v2\":\"", 0) == 0) return on_frame(line, now);
    // The unencrypted lines are server_online and a refusal of a key the server does not
    // know (it encrypts nothing to such a key); everything else is a raw packet.
    if (line.find("\"messages\"") != std::string::npos) return effects_.open(std::move(line));
    std::string error;
    auto obj = parse_json_object(line, error);
    if (!obj) return;
    if ((*obj)["type"] == ServerOnlineCommand::kType) {
        on_server_online(*obj, now);
    } else if (resuming_ && (*obj)["type"] == "v2") {
        take_resumed(*obj, now);
    } else if (resuming_ && (*obj)["type"] == "resume_failed" && (*obj)["UUID"] == settings_.uuid) {
        // The server does not know the secret (expired, forgotten, another server): the
        // full join, and the secret is not offered again.
        resuming_ = false;
        v2_.forget_resumption();
        send_held_key(now);
    } else if ((*obj)["type"] == RefusedCommand::kType && (*obj)["UUID"] == settings_.uuid) {
        deliver(*obj);
    }
}

void ClientLink::on_server_online(const Json::Value& online, const Now& now) {
    std::optional<std::string> key;
    if (online["key"].isString()) key = online["key"].asString();
    if (awaiting_online_) {
        awaiting_online_ = false;
        // Only to the server whose key the secret's session was made with, and only with
        // a fresh nonce of this connection.
        auto nonce = online["resume"].isString() ? base64_decode(online["resume"].asString()) : std::nullopt;
        std::string error;
        auto server_key = key ? PublicKey::from_pem(*key, error) : std::nullopt;
        std::optional<ResumeHello> hello;
        if (nonce && server_key && server_key->fingerprint() == server_fingerprint_) {
            hello = v2_.resume_hello(settings_.uuid, *nonce, chats_, settings_.own_fingerprint, server_fingerprint_);
        }
        if (hello) {
            resume_nonce_ = *nonce;
            resuming_ = true;
            effects_.write(write_json(resume_hello_json(*hello)));
        } else {
            send_held_key(now);
        }
    }
    effects_.server_online(key);
}

void ClientLink::take_resumed(const Json::Value& plain, const Now& now) {
    resuming_ = false;
    auto answer = parse_v2_answer(plain);
    std::optional<std::vector<std::string>> first;
    if (answer)
        first =
            v2_.accept_resumed(*answer, settings_.uuid, resume_nonce_, settings_.own_fingerprint, server_fingerprint_);
    if (!first) {
        // Its MAC does not hold: not the server that has the secret. The next join is a
        // full one.
        v2_.forget_resumption();
        return drop("the server's answer to the resume is unusable; reconnecting");
    }
    held_key_.reset();  // the secret proved the key: no RSA this time
    rejoined_ = true;
    switched(*first, now);
}

void ClientLink::send_held_key(const Now& now) {
    if (!held_key_) return;
    HeldKey held = std::move(*held_key_);
    held_key_.reset();
    send(held.command, held.server_key, now);
}

void ClientLink::deliver(const Json::Value& inner) {
    ParsedCommand parsed = parse_command(inner);
    if (parsed.kind == ParsedCommand::Kind::Ok) effects_.command(*parsed.command);
}

void ClientLink::opened(const OpenedPacket* packet, const Now& now) {
    if (!up_ || !packet || packet->uuid != settings_.uuid) return;
    const Json::Value& inner = packet->inner;
    if (inner["type"] == "v2") return take_answer(inner, now);
    // Anything else in answer to the offer (status) is a 2015 server: stay on v1.
    if (inner["type"] == StatusCommand::kType && !v2_.active()) {
        offered_ = false;
        protocol_ = "v1";
    }
    deliver(inner);
}

bool ClientLink::send(const Command& command, const PublicKey& server_key, const Now&) {
    last_receipt_ = 0;
    if (!up_) return false;
    if (awaiting_online_ || resuming_) {
        // The key waits (see on_server_online); nothing else goes before the join.
        if (!std::holds_alternative<KeyCommand>(command)) return false;
        held_key_ = HeldKey{command, server_key};
        return true;
    }
    Json::Value inner = to_json(command);
    if (v2_.active()) {
        const bool written = effects_.write(v2_.send(write_json(inner)));
        last_receipt_ = v2_.last_receipt();
        if (v2_.stream().frames_with_these_keys() >= kRekeyFrames) rekey_at_ = 0;
        bare_ack_at_.reset();  // this frame carries the acknowledgement
        return written;
    }
    // Between the offer and the answer nothing else goes: the server may already have
    // switched, and would take a v1 packet for a bad frame. (What is not sent is kept,
    // or asked again, by the session.)
    if (offered_) return false;
    if (const auto* ack = std::get_if<ChallengeAckCommand>(&command); ack && settings_.v2) {
        inner["v2"] = v2_offer_json(v2_.offer());
        challenge_ = ack->nonce;
        chats_ = ack->chats;
        server_fingerprint_ = server_key.fingerprint();
        offered_ = true;
    }
    return effects_.write(settings_.seal(write_json(inner), server_key, settings_.uuid, Role::Alice));
}

void ClientLink::take_answer(const Json::Value& inner, const Now& now) {
    auto answer = parse_v2_answer(inner);
    std::optional<std::vector<std::string>> first;
    if (answer && offered_)
        first = v2_.accept(*answer, settings_.uuid, challenge_, settings_.own_fingerprint, server_fingerprint_);
    offered_ = false;
    if (!first) return drop("the server's answer to the v2 offer is unusable; reconnecting");
    switched(*first, now);
}

void ClientLink::switched(const std::vector<std::string>& first, const Now& now) {
    protocol_ = "v2";
    effects_.v2_up();
    rekey_at_ = now.mono + kRekeySeconds;
    for (const auto& line : first) effects_.write(line);
    // Frames that came while the answer was being opened, in order.
    std::deque<std::string> early = std::move(early_frames_);
    early_frames_.clear();
    for (const auto& line : early) {
        if (!up_) break;
        on_frame(line, now);
    }
}

void ClientLink::on_frame(const std::string& line, const Now& now) {
    if (!v2_.active()) {
        // Before the answer is opened they wait; without an offer they mean nothing.
        if (offered_) early_frames_.push_back(line);
        return;
    }
    auto r = v2_.receive(line);
    if (!r.ok) return drop("a bad v2 frame from the server; reconnecting");
    if (v2_.stream().frames_with_these_keys() >= kRekeyFrames) rekey_at_ = now.mono;
    for (std::uint64_t receipt : v2_.delivered()) effects_.delivered(receipt);
    if (!r.inner.empty()) {
        std::string error;
        if (auto inner = parse_json_object(r.inner, error)) deliver(*inner);
    }
    if (up_ && v2_.stream().ack_due() && !bare_ack_at_) bare_ack_at_ = now.mono + settings_.bare_ack_delay;
}

void ClientLink::tick(const Now& now) {
    if (awaiting_online_ && now.mono >= hold_until_) {
        awaiting_online_ = false;
        send_held_key(now);
    }
    if (bare_ack_at_ && now.mono >= *bare_ack_at_) {
        bare_ack_at_.reset();
        if (up_ && v2_.active() && v2_.stream().ack_due()) effects_.write(v2_.send(""));
    }
    if (rekey_at_ && now.mono >= *rekey_at_ && up_ && v2_.active()) drop("renewing the v2 session's keys");
}

std::optional<double> ClientLink::next_deadline() const {
    std::optional<double> next = bare_ack_at_;
    if (awaiting_online_ && (!next || hold_until_ < *next)) next = hold_until_;
    if (rekey_at_ && (!next || *rekey_at_ < *next)) next = rekey_at_;
    return next;
}

}  // namespace nlchat
