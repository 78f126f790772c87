// SPDX-License-Identifier: GPL-3.0-or-later
// Standard base64 (RFC 4648 section 4, alphabet "+/", with "=" padding).
//
// libgcrypt has no base64, and the protocol needs a strict decoder: a raw packet's blocks
// must decode to exactly the recipient's modulus length, with no whitespace, no missing
// padding and no stray bits, so that one ciphertext has exactly one textual form. PEM
// bodies are decoded with the same function after their line breaks are removed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nlchat {

// Encodes bytes with padding; the result has no line breaks.
std::string base64_encode(std::string_view bytes);

// Decodes canonical base64 only: length a multiple of four, only alphabet characters,
// padding only at the end, and the unused bits of the last group zero. Anything else
// gives nullopt.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace nlchat
