// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/notification.h"

namespace nlchat::ui {
namespace {

std::string printable(const std::string& text) {
    std::string out;
    for (unsigned char c : text)
        if (c >= 0x20 && c != 0x7f && c != ';') out += static_cast<char>(c);
    return out;
}

std::string tmux_wrap(const std::string& seq) {
    std::string out = "\x1bPtmux;";
    for (char c : seq) out += c == '\x1b' ? std::string("\x1b\x1b") : std::string(1, c);
    return out + "\x1b\\";
}

}  // namespace

std::string notification_sequence(const std::string& title, const std::string& body, bool inside_tmux) {
    std::string t = printable(title), b = printable(body);
    std::string osc9 = "\x1b]9;" + t + ": " + b + "\x07";
    std::string osc777 = "\x1b]777;notify;" + t + ";" + b + "\x07";
    return inside_tmux ? tmux_wrap(osc9) + tmux_wrap(osc777) : osc9 + osc777;
}

}  // namespace nlchat::ui
