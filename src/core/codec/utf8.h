// SPDX-License-Identifier: GPL-3.0-or-later
// UTF-8 validation.
//
// jsoncpp accepts invalid UTF-8 inside strings and can even produce it (a lone "\udc00"
// escape decodes to an encoded surrogate), so every text that reaches a screen or a peer
// is checked here first. Overlong forms, surrogates and code points above U+10FFFF are
// rejected, as RFC 3629 requires.
#pragma once

#include <string_view>

namespace nlchat {

bool is_valid_utf8(std::string_view bytes);

}  // namespace nlchat
