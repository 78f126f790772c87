// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/pem.h"

#include "core/codec/base64.h"

namespace nlchat {

std::string pem_encode(std::string_view label, std::string_view der) {
    std::string body = base64_encode(der);
    std::string out = "-----BEGIN " + std::string(label) + "-----\n";
    for (size_t i = 0; i < body.size(); i += 64) {
        out += body.substr(i, 64);
        out += '\n';
    }
    out += "-----END " + std::string(label) + "-----";
    return out;
}

std::optional<PemBlock> pem_decode(std::string_view text, std::string& error) {
    static constexpr std::string_view kBegin = "-----BEGIN ";
    static constexpr std::string_view kDashes = "-----";
    size_t begin = text.find(kBegin);
    if (begin == std::string_view::npos) {
        error = "no PEM block (\"-----BEGIN ...-----\") found";
        return std::nullopt;
    }
    size_t label_start = begin + kBegin.size();
    size_t label_end = text.find(kDashes, label_start);
    if (label_end == std::string_view::npos ||
        text.substr(label_start, label_end - label_start).find('\n') != std::string_view::npos) {
        error = "damaged PEM header line";
        return std::nullopt;
    }
    PemBlock block;
    block.label = std::string(text.substr(label_start, label_end - label_start));
    std::string footer = "-----END " + block.label + "-----";
    size_t body_start = label_end + kDashes.size();
    size_t footer_pos = text.find(footer, body_start);
    if (footer_pos == std::string_view::npos) {
        error = "PEM block \"" + block.label + "\" has no matching END line";
        return std::nullopt;
    }
    std::string_view body = text.substr(body_start, footer_pos - body_start);
    if (body.find(':') != std::string_view::npos) {
        // RFC 1421 headers such as "Proc-Type: 4,ENCRYPTED" mean a passphrase-protected key.
        error = "encrypted (passphrase-protected) PEM keys are not supported";
        return std::nullopt;
    }
    std::string compact;
    compact.reserve(body.size());
    for (char c : body) {
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
        compact += c;
    }
    auto der = base64_decode(compact);
    if (!der || der->empty()) {
        error = "PEM block \"" + block.label + "\" has a damaged base64 body";
        return std::nullopt;
    }
    block.der = std::move(*der);
    return block;
}

}  // namespace nlchat
