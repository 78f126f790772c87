// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/base64.h"

#include <array>
#include <cstdint>

namespace nlchat {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Maps a character to its 6-bit value, or -1 for characters outside the alphabet.
constexpr std::array<int16_t, 256> make_decode_table() {
    std::array<int16_t, 256> table{};
    for (auto& v : table) v = -1;
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int16_t>(i);
    return table;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                     static_cast<uint8_t>(bytes[i + 2]);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    size_t rest = bytes.size() - i;
    if (rest == 1) {
        uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (rest == 2) {
        uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        int pad = 0;
        if (last) {
            if (text[i + 3] == '=') pad = (text[i + 2] == '=') ? 2 : 1;
        }
        int v[4] = {0, 0, 0, 0};
        for (int j = 0; j < 4 - pad; ++j) {
            v[j] = kDecode[static_cast<unsigned char>(text[i + j])];
            if (v[j] < 0) return std::nullopt;
        }
        uint32_t group = static_cast<uint32_t>(v[0]) << 18 | static_cast<uint32_t>(v[1]) << 12 |
                         static_cast<uint32_t>(v[2]) << 6 | static_cast<uint32_t>(v[3]);
        out += static_cast<char>(group >> 16);
        if (pad == 2) {
            if (group & 0xffff) return std::nullopt;  // Stray bits: not the canonical form.
            break;
        }
        out += static_cast<char>((group >> 8) & 0xff);
        if (pad == 1) {
            if (group & 0xff) return std::nullopt;
            break;
        }
        out += static_cast<char>(group & 0xff);
    }
    return out;
}

}  // namespace nlchat
