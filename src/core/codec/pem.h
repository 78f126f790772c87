// SPDX-License-Identifier: GPL-3.0-or-later
// PEM armour (RFC 7468): a label, base64 body in 64-column lines, and a footer.
//
// The layout written here is exactly PyCryptodome's `export_key('PEM')`: header line,
// body lines of 64 characters, footer, and no trailing newline. Readers accept any line
// length, CRLF line ends and surrounding text, as OpenSSL does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nlchat {

std::string pem_encode(std::string_view label, std::string_view der);

struct PemBlock {
    std::string label;  // e.g. "PUBLIC KEY"
    std::string der;
};

// Finds the first PEM block in `text`. On failure returns nullopt and sets `error` to a
// sentence for the user (no armour found, encrypted key, damaged base64...).
[[nodiscard]] std::optional<PemBlock> pem_decode(std::string_view text, std::string& error);

}  // namespace nlchat
