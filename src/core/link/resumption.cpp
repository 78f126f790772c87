// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/link/resumption.h"

#include "core/codec/base64.h"
#include "core/codec/json_util.h"
#include "core/crypto/session_crypto.h"

namespace nlchat {
namespace {

void put_field(std::string& out, std::string_view field) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((field.size() >> shift) & 0xff));
    out.append(field);
}

std::string u64(std::uint64_t v) {
    std::string out;
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
    return out;
}

}  // namespace

std::optional<ResumeHello> parse_resume_hello(const Json::Value& line) {
    if (!line.isObject() || line["type"] != "resume" || !line["UUID"].isString() || line["UUID"].asString().empty() ||
        line["UUID"].asString().size() > 128 || !line["took"].isUInt64())
        return std::nullopt;
    ResumeHello h;
    h.uuid = line["UUID"].asString();
    h.took = line["took"].asUInt64();
    if (line.isMember("chats")) {
        if (!line["chats"].isInt64()) return std::nullopt;
        h.chats = line["chats"].asInt64();
    }
    auto sid = base64_field(line, "sid", 16), epk = base64_field(line, "epk", kX25519Bytes),
         mac = base64_field(line, "mac", 32);
    if (!sid || !epk || !mac) return std::nullopt;
    h.sid = std::move(*sid), h.epk = std::move(*epk), h.mac = std::move(*mac);
    return h;
}

Json::Value resume_hello_json(const ResumeHello& h) {
    Json::Value out(Json::objectValue);
    out["type"] = "resume";
    out["UUID"] = h.uuid;
    out["sid"] = base64_encode(h.sid);
    out["epk"] = base64_encode(h.epk);
    out["took"] = Json::UInt64(h.took);
    if (h.chats) out["chats"] = Json::Int64(*h.chats);
    out["mac"] = base64_encode(h.mac);
    return out;
}

std::string resume_hello_mac(std::string_view secret, const ResumeHello& h, std::string_view nonce,
                             std::string_view client_fp, std::string_view server_fp) {
    std::string data("nlchat v2 resume");
    for (std::string_view f :
         {std::string_view(h.uuid), std::string_view(h.sid), std::string_view(h.epk), nonce, client_fp, server_fp})
        put_field(data, f);
    put_field(data, u64(h.took));
    put_field(data, h.chats ? u64(static_cast<std::uint64_t>(*h.chats)) : std::string());
    return hmac_sha256(secret, data);
}

std::string resume_answer_mac(std::string_view secret, std::string_view transcript_hash) {
    return hmac_sha256(secret, std::string("nlchat v2 resumed") + std::string(transcript_hash));
}

bool same_mac(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

Json::Value TicketBook::issue(const std::string& uuid, const std::string& sid, const std::string& secret,
                              const std::string& key_pem, double now_wall) {
    Ticket& t = tickets_[uuid];
    t = Ticket{uuid, sid, secret, key_pem, now_wall + lifetime_};
    Json::Value r(Json::objectValue);
    r["t"] = "ticket";
    r["op"] = uuid;
    r["sid"] = base64_encode(sid);
    r["secret"] = base64_encode(secret);
    r["key"] = key_pem;
    r["expires"] = t.expires;
    return r;
}

const Ticket* TicketBook::find(const std::string& uuid, double now_wall) const {
    auto it = tickets_.find(uuid);
    if (it == tickets_.end() || it->second.expires <= now_wall) return nullptr;
    return &it->second;
}

Json::Value TicketBook::forget(const std::string& uuid) {
    if (!tickets_.erase(uuid)) return Json::Value();
    Json::Value r(Json::objectValue);
    r["t"] = "forget";
    r["op"] = uuid;
    return r;
}

std::vector<Json::Value> TicketBook::snapshot(double now_wall) const {
    std::vector<Json::Value> out;
    for (const auto& [uuid, t] : tickets_) {
        if (t.expires <= now_wall) continue;
        Json::Value r(Json::objectValue);
        r["t"] = "ticket";
        r["op"] = uuid;
        r["sid"] = base64_encode(t.sid);
        r["secret"] = base64_encode(t.secret);
        r["key"] = t.key_pem;
        r["expires"] = t.expires;
        out.push_back(std::move(r));
    }
    return out;
}

std::size_t TicketBook::restore(const std::vector<Json::Value>& records, double now_wall) {
    for (const auto& r : records) {
        if (!r.isObject() || !r["op"].isString()) continue;
        const std::string uuid = r["op"].asString();
        if (r["t"] == "forget") {
            tickets_.erase(uuid);
            continue;
        }
        auto sid = base64_field(r, "sid", 16), secret = base64_field(r, "secret", 32);
        if (r["t"] != "ticket" || !sid || !secret || !r["key"].isString() || !r["expires"].isDouble()) continue;
        tickets_[uuid] = Ticket{uuid, *sid, *secret, r["key"].asString(), r["expires"].asDouble()};
    }
    for (auto it = tickets_.begin(); it != tickets_.end();)
        it = it->second.expires <= now_wall ? tickets_.erase(it) : std::next(it);
    return tickets_.size();
}

}  // namespace nlchat
