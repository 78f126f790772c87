// SPDX-License-Identifier: GPL-3.0-or-later
// Desktop notifications by escape sequence: OSC 9 (iTerm2, Windows Terminal, kitty...)
// and OSC 777 (rxvt, foot, VTE). Inside tmux they are wrapped in tmux's passthrough
// (DCS "tmux;" with every ESC doubled) so they reach the outer terminal; tmux needs
// `set -g allow-passthrough on` (tmux 3.3 and later) to let them out.
#pragma once

#include <string>

namespace nlchat::ui {

// The bytes to write to the terminal. Control characters in title and body are dropped
// so a caller's text cannot end the sequence early.
std::string notification_sequence(const std::string& title, const std::string& body, bool inside_tmux);

}  // namespace nlchat::ui
