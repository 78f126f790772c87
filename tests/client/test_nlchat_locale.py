# SPDX-License-Identifier: GPL-3.0-or-later
"""nlchat on a server whose locale is not UTF-8: the real nlchat in tmux with LANG unset,
LANG=C and a LANG that is not installed, under the TERMs operators have (vt100, linux,
screen, xterm-256color), and in its ASCII fallback. The screen must keep its lines and
status bar, show no stray escape text, show a caller's accents and emoji where UTF-8 is
possible, and mark them where it is not."""
import re
import time

from nltest import Caller, Tmux, program
from test_nlchat_tui import TuiTest

WORDS = "Zo\u00eb here \U0001F60A \u00e7a va?"
STRAY = re.compile(r"~[@-_]|\^\[|\x1b|\bO[PQRS]\b|\[[0-9]+~")
LOCALES = [None, "C", "en_GB.UTF-8"]  # unset, the C locale, one not generated here
TERMS = ["vt100", "linux", "screen", "xterm-256color"]
LINE = "\u2502"


def as_drawn(screen_with_escapes):
    """What the terminal shows: line-drawing mode's 'x' as a line, other escapes gone."""
    text = re.sub(r"\x0e([^\x0f]*)\x0f", lambda m: m.group(1).replace("x", LINE), screen_with_escapes)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


class Locales(TuiTest):
    def setUp(self):
        super().setUp()
        self.srv = self.server()
        self.web = Caller(self.srv)
        self.procs.append(self.web)
        self.srv.saw("service Web online")
        self.calls = 0

    def start(self, lang, term, *args):
        env = {"XDG_CONFIG_HOME": self.path("home"), "TERM": term}
        if lang:
            env["LANG"] = lang
        t = Tmux(f"op{len(self.tmuxes)}", [program("nlchat"), "--server", self.srv.address, "--server-key",
                                           self.srv.key + ".pub"] + list(args), env,
                 unset=("LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES"))
        self.tmuxes.append(t)
        return t

    def chat(self, t):
        """A caller writes; nlchat takes the ring; returns the screen with the words."""
        self.calls += 1
        address = f"c{self.calls}"
        self.web.say(address, WORDS)
        t.wait_for("RINGS (1)")
        t.keys("F2")
        t.wait_for("Caller")
        return address

    def check_frame(self, screen, what):
        rows = screen.splitlines()
        self.assertRegex(rows[0], rf"^ nlchat {LINE} online v[12]( . \d:\d\d ago)? {LINE} rings: \d {LINE} Web: Connected",
                         what)
        for y in range(1, 28):
            self.assertEqual(rows[y][25:26], LINE, f"{what}: row {y} lost its line:\n{screen}")
        self.assertIsNone(STRAY.search(screen), f"{what}: stray escape text:\n{screen}")

    def end(self, t, address=None):
        """Hangs up on nlchat (as a dropped SSH link would); its chat, if any, ends."""
        self.tmuxes.remove(t)
        self.assertEqual(t.kill(), [])
        if address:
            self.web.expect_match(rf"{address}: ")  # the caller hears of it

    def test_utf8_wherever_the_system_has_c_utf8(self):
        for lang in LOCALES:
            for term in TERMS:
                what = f"LANG={lang} TERM={term}"
                with self.subTest(what):
                    t, address = self.start(lang, term), None
                    try:
                        t.wait_for("online")
                        # Said once, where the operator sees it: which locale, and how to fix it.
                        screen = t.wait_for("C.UTF-8 for its")
                        self.assertIn("dpkg-reconfigure locales", screen)
                        self.check_frame(screen, what)
                        address = self.chat(t)
                        screen = t.wait_for(WORDS)  # accents and emoji as written
                        self.check_frame(screen, what)
                    finally:
                        self.end(t, address)

    def test_the_ascii_fallback_marks_what_it_cannot_show(self):
        for term in ["vt100", "xterm-256color"]:
            with self.subTest(term):
                t, address = self.start("C", term, "--ascii"), None
                try:
                    t.wait_for("online")
                    address = self.chat(t)
                    t.wait_for("Zo? here ?? ?a va?")
                    raw = t.screen_with_attributes()
                    shown = as_drawn(raw)
                    self.check_frame(shown, f"--ascii TERM={term}")
                    # Each cell it could not show is a ? in reverse video, never raw bytes.
                    caller = next(l for l in raw.splitlines() if "here" in l)
                    self.assertEqual(len(re.findall(r"\x1b\[[0-9;]*7[0-9;]*m\?+", caller)), 3, repr(caller))
                    self.assertTrue(all(ord(c) < 128 or c == LINE for c in shown), shown)
                finally:
                    self.end(t, address)
