# SPDX-License-Identifier: GPL-3.0-or-later
"""Moving about the real nlchat's screen in tmux: PgDn moves at once after Ctrl-T or Home
took a long chat to its start, PgUp pressed past the start costs no extra PgDn, and the
status bar's age of the server's last word appears in a quiet spell, and
declining the server's key says what happened and how to go on."""
import re

from test_nlchat_tui import TuiTest


def first_line(screen):
    found = re.findall(r"line (\d\d)", screen)
    return int(found[0]) if found else None


class Scrolling(TuiTest):
    def long_chat(self):
        server = self.server()
        web = self.caller(server)
        t, _ = self.online(server)
        web.say("c1", "line 00")
        t.wait_for("RINGS (1)")
        t.keys("F2")
        for n in range(1, 80):
            web.say("c1", f"line {n:02d}")
        t.wait_for("line 79")
        return t

    def test_pgdn_moves_at_once_after_the_start_of_the_chat(self):
        t = self.long_chat()
        for key in ("C-t", "Home"):
            t.keys(key)
            t.wait_for("line 00")
            t.keys("PageDown")
            screen = t.wait_gone("line 00")  # the view moved down a page at once
            self.assertGreater(first_line(screen), 0)
            t.keys("C-b")
            t.wait_for("line 79")

    def test_pgup_past_the_start_needs_no_extra_pgdn(self):
        t = self.long_chat()
        for _ in range(8):  # far more than the chat has
            t.keys("PageUp")
        t.wait_for("line 00")
        t.keys("PageDown")
        t.wait_gone("line 00")


class StatusBar(TuiTest):
    def test_the_age_of_the_servers_last_word_appears_in_a_quiet_spell(self):
        from nltest import Nlchatd
        # A server that stays quiet for 30 s (no probes): before, the bar stood at 0:00.
        server = Nlchatd(self.dir, allow_any=True, extra=["--probe-after", "30", "-v"])
        self.procs.append(server)
        t, _ = self.online(server)
        screen = t.wait_for("online", timeout=5)
        # Fresh, no age is shown (a healthy link's probes keep it so: nothing to redraw).
        self.assertRegex(screen.splitlines()[0], r"online v[12] \S")
        self.assertNotIn("ago", screen.splitlines()[0])
        # At 10 s of quiet it is drawn, with no key pressed and no word from the server: the
        # redraw timer's wiring. How it then moves (every 5 s, never a redraw for nothing)
        # is tested with a fake clock in tests/ui/redraw_schedule_test.cpp.
        screen = t.wait_for(" ago", timeout=15)
        self.assertRegex(screen.splitlines()[0], r"online v[12] . 0:1[01] ago")


class Trust(TuiTest):
    def test_declining_the_server_key_says_what_happened_and_how_to_go_on(self):
        server = self.server()
        t, _ = self.nlchat(server)
        t.wait_for("Trust it? y/n")
        t.keys("n")
        screen = t.wait_for("you did not trust the server")
        self.assertNotIn("the server refused us", screen)  # it was the operator's choice
        words = " ".join(screen.replace("\u2502", " ").split())
        self.assertIn("start nlchat again", words)
        self.assertIn("--server-key", screen)
        self.assertIn("F10 quits", screen)
