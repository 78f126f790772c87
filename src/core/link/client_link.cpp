// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/client_link.h"

#include "core/codec/json_util.h"

namespace nlchat {

ClientLink::ClientLink(ClientLinkSettings settings, ClientLinkEffects& effects)
    : settings_(std::move(settings)), effects_(effects) {
    if (!settings_.seal) settings_.seal = seal;
}

void ClientLink::link_up(const Now&) {
    up_ = true;
    protocol_.clear();
}

void ClientLink::link_down() {
    up_ = false;
    v2_.link_down();
    offered_ = false;
    early_frames_.clear();
    protocol_.clear();
    bare_ack_at_.reset();
    rekey_at_.reset();
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
        std::optional<std::string> key;
        if ((*obj)["key"].isString()) key = (*obj)["key"].asString();
        effects_.server_online(key);
    } else if ((*obj)["type"] == RefusedCommand::kType && (*obj)["UUID"] == settings_.uuid) {
        deliver(*obj);
    }
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
    protocol_ = "v2";
    effects_.v2_up();
    rekey_at_ = now.mono + kRekeySeconds;
    for (const auto& line : *first) effects_.write(line);
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
    if (bare_ack_at_ && now.mono >= *bare_ack_at_) {
        bare_ack_at_.reset();
        if (up_ && v2_.active() && v2_.stream().ack_due()) effects_.write(v2_.send(""));
    }
    if (rekey_at_ && now.mono >= *rekey_at_ && up_ && v2_.active()) drop("renewing the v2 session's keys");
}

std::optional<double> ClientLink::next_deadline() const {
    std::optional<double> next = bare_ack_at_;
    if (rekey_at_ && (!next || *rekey_at_ < *next)) next = rekey_at_;
    return next;
}

}  // namespace nlchat
