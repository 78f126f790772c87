"""Scrolling a long chat in the real nlchat in tmux: PgDn moves at once after Ctrl-T or
Home took the view to the start, and PgUp pressed past the start costs no extra PgDn."""
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
