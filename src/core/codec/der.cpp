// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/der.h"

namespace nlchat::der {

const std::string_view kRsaEncryptionOid("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);

std::string tlv(uint8_t tag, std::string_view content) {
    std::string out(1, static_cast<char>(tag));
    size_t len = content.size();
    if (len < 0x80) {
        out += static_cast<char>(len);
    } else {
        std::string digits;
        for (size_t v = len; v > 0; v >>= 8) digits.insert(digits.begin(), static_cast<char>(v & 0xff));
        out += static_cast<char>(0x80 | digits.size());
        out += digits;
    }
    out.append(content.data(), content.size());
    return out;
}

bool Reader::read_any(uint8_t& tag, std::string_view& content) {
    if (rest_.size() < 2) return false;
    uint8_t t = static_cast<uint8_t>(rest_[0]);
    if ((t & 0x1f) == 0x1f) return false;  // High tag numbers never occur in RSA keys.
    size_t pos = 1;
    uint8_t first = static_cast<uint8_t>(rest_[pos++]);
    size_t len = 0;
    if (first < 0x80) {
        len = first;
    } else {
        size_t count = first & 0x7f;
        // 0x80 is BER's indefinite length, which DER forbids; four length bytes (4 GiB)
        // are far more than any key needs.
        if (count == 0 || count > 4 || rest_.size() - pos < count) return false;
        for (size_t i = 0; i < count; ++i) len = len << 8 | static_cast<uint8_t>(rest_[pos++]);
    }
    if (rest_.size() - pos < len) return false;
    tag = t;
    content = rest_.substr(pos, len);
    rest_.remove_prefix(pos + len);
    return true;
}

bool Reader::read(uint8_t tag, std::string_view& content) {
    Reader probe = *this;
    uint8_t t = 0;
    std::string_view c;
    if (!probe.read_any(t, c) || t != tag) return false;
    *this = probe;
    content = c;
    return true;
}

}  // namespace nlchat::der
