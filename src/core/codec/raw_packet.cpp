// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/raw_packet.h"

#include <stdexcept>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"

namespace nlchat {

const char* const kOpenFailed = "packet could not be opened";

const char* role_name(Role role) { return role == Role::Alice ? "alice" : "bob"; }

std::optional<Role> role_from_name(std::string_view name) {
    if (name == "alice") return Role::Alice;
    if (name == "bob") return Role::Bob;
    return std::nullopt;
}

std::string seal_with(std::string_view inner_json, size_t max_plain, const BlockEncryptor& encrypt,
                      std::string_view uuid, Role to) {
    if (inner_json.empty()) throw std::invalid_argument("cannot seal an empty packet");
    // The wrapper is written by hand: base64 needs no escaping, and this is the hot path
    // of every send (a general JSON writer would cost more than the RSA of a small packet).
    std::string out = "{\"messages\":[";
    // Split by bytes, greedily: every block but the last is full, and no block is empty.
    // A cut may fall inside a UTF-8 sequence; the receiver joins bytes before decoding.
    for (size_t at = 0; at < inner_json.size(); at += max_plain) {
        if (at) out += ',';
        out += '"';
        out += base64_encode(encrypt(inner_json.substr(at, max_plain)));
        out += '"';
    }
    out += "],\"UUID\":";
    out += write_json(Json::Value(std::string(uuid)));
    out += ",\"to\":\"";
    out += role_name(to);
    out += "\"}";
    return out;
}

std::string seal(std::string_view inner_json, const PublicKey& recipient, std::string_view uuid, Role to) {
    return seal_with(
        inner_json, recipient.max_plain_bytes(),
        [&recipient](std::string_view b) { return recipient.encrypt_block(b); }, uuid, to);
}

std::optional<SplitPacket> split_packet(std::string_view line, const PublicKey& own, Role expected_to,
                                        const OpenLimits& limits, std::string& detail) {
    auto wrapper = parse_json_object(line, detail);
    if (!wrapper) return std::nullopt;
    const Json::Value& messages = (*wrapper)["messages"];
    const Json::Value& uuid = (*wrapper)["UUID"];
    const Json::Value& to = (*wrapper)["to"];
    if (!messages.isArray() || !uuid.isString() || !to.isString()) {
        detail = "wrapper lacks messages (list), UUID or to (strings)";
        return std::nullopt;
    }
    if (to.asString() != role_name(expected_to)) {
        detail = "packet addressed to \"" + to.asString() + "\"";
        return std::nullopt;
    }
    if (uuid.asString().size() > limits.max_uuid_bytes) {
        detail = "UUID longer than " + std::to_string(limits.max_uuid_bytes) + " bytes";
        return std::nullopt;
    }
    if (messages.empty() || messages.size() > limits.max_blocks) {
        detail = std::to_string(messages.size()) + " blocks (1 to " + std::to_string(limits.max_blocks) + " allowed)";
        return std::nullopt;
    }
    SplitPacket out;
    out.uuid = uuid.asString();
    out.ciphertexts.reserve(messages.size());
    for (Json::ArrayIndex i = 0; i < messages.size(); ++i) {
        const Json::Value& m = messages[i];
        std::optional<std::string> bytes;
        if (m.isString()) bytes = base64_decode(m.asString());
        if (!bytes || bytes->size() != own.block_bytes() || !own.below_modulus(*bytes)) {
            detail = "block " + std::to_string(i) + " is not a " + std::to_string(own.block_bytes()) +
                     "-byte ciphertext in base64";
            return std::nullopt;
        }
        out.ciphertexts.push_back(std::move(*bytes));
    }
    return out;
}

OpenResult open_split(SplitPacket&& split, const PrivateKey& key, OnBadBlock on_bad) {
    return open_split_with(
        std::move(split), key.public_key().max_plain_bytes(),
        [&key](std::string_view ct) { return key.decrypt_block(ct); }, on_bad);
}

OpenResult open_split_with(SplitPacket&& split, size_t full, const BlockDecryptor& decrypt, OnBadBlock on_bad) {
    OpenResult result;
    const size_t count = split.ciphertexts.size();
    std::string joined;
    joined.reserve(count * full);
    // Unless told to stop at the first failure, decrypt every block before deciding, so
    // the time taken does not say which block (or which check) failed.
    bool failed = false;
    size_t bad_block = 0;
    for (size_t i = 0; i < count; ++i) {
        auto plain = decrypt(split.ciphertexts[i]);
        bool last = i + 1 == count;
        bool size_ok = plain && (last ? !plain->empty() && plain->size() <= full : plain->size() == full);
        if (!size_ok) {
            if (!failed) bad_block = i;
            failed = true;
            if (on_bad == OnBadBlock::StopAtFirst) break;
            continue;
        }
        joined += *plain;
    }
    if (failed) {
        result.detail = "block " + std::to_string(bad_block) + " does not decrypt to a block of the right size";
        return result;
    }
    std::string error;
    auto inner = parse_json_object(joined, error);
    if (!inner) {
        result.detail = "inner " + error;
        return result;
    }
    result.packet = OpenedPacket{std::move(split.uuid), std::move(joined), std::move(*inner)};
    return result;
}

OpenResult open(std::string_view line, const PrivateKey& key, Role expected_to, const OpenLimits& limits) {
    OpenResult result;
    auto split = split_packet(line, key.public_key(), expected_to, limits, result.detail);
    if (!split) return result;
    return open_split(std::move(*split), key);
}

}  // namespace nlchat
