// SPDX-License-Identifier: GPL-3.0-or-later
// The files nlchat-web serves (the chat page, its script and style, and the embeddable
// widget), compiled into the program from src/web/assets/ by tools/embed-assets, so a
// deployment is one binary and nothing on disk can be swapped under it.
#pragma once

#include <string_view>

namespace nlchat {

struct Asset {
    std::string_view path;  // "/chat.js"
    std::string_view type;  // "text/javascript; charset=utf-8"
    std::string_view body;
};

// The asset served at `path` ("/" is the chat page), or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace nlchat
