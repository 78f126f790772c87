// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/notification.h"

#include <catch2/catch.hpp>

using nlchat::ui::notification_sequence;

TEST_CASE("desktop notifications: OSC 9 and 777, plain and wrapped for tmux", "[ui][notify]") {
    std::string plain = notification_sequence("nlchat", "a caller is waiting", false);
    CHECK(plain == "\x1b]9;nlchat: a caller is waiting\x07\x1b]777;notify;nlchat;a caller is waiting\x07");
    std::string wrapped = notification_sequence("nlchat", "ring", true);
    CHECK(wrapped.rfind("\x1bPtmux;\x1b\x1b]9;nlchat: ring\x07\x1b\\", 0) == 0);
    CHECK(wrapped.find("\x1bPtmux;\x1b\x1b]777;notify;nlchat;ring\x07\x1b\\") != std::string::npos);
}

TEST_CASE("notification text cannot end the sequence early", "[ui][notify]") {
    std::string s = notification_sequence("t", "evil\x07\x1b]52;c;AAAA\x07;x", false);
    CHECK(s == "\x1b]9;t: evil]52cAAAAx\x07\x1b]777;notify;t;evil]52cAAAAx\x07");
}
