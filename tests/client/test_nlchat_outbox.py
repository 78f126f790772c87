# SPDX-License-Identifier: GPL-3.0-or-later
"""nlchat never pretends: the real nlchat in tmux, linked to the real nlchatd through a
TCP relay the test can cut. A reply typed while the link is down is shown as waiting and
reaches the caller once after the rejoin; packets already read when the link drops are
still shown."""
import re
import time

from nltest import Caller, Nlchatd, Tmux, program
from relay import Relay
from test_nlchat_tui import TuiTest


class Outbox(TuiTest):
    def setUp(self):
        super().setUp()
        # A grace long enough for an outage and a redial with backoff.
        self.srv = Nlchatd(self.dir, allow_any=True, extra=["--probe-after", "2", "--probe-timeout", "2",
                                                             "--grace", "30", "-v"])
        self.procs.append(self.srv)
        self.web = Caller(self.srv)
        self.procs.append(self.web)
        self.srv.saw("service Web online")
        self.relay = Relay(self.srv.address)
        self.addCleanup(self.relay.close)
        self.t = Tmux("op", [program("nlchat"), "--server", self.relay.address, "--server-key", self.srv.key + ".pub"],
                      {"XDG_CONFIG_HOME": self.path("home"), "TERM": "xterm-256color", "LANG": "C.UTF-8"},
                      height=60)
        self.tmuxes.append(self.t)
        self.t.wait_for("online")
        self.web.say("c1", "hello?")
        self.t.wait_for("RINGS (1)")
        self.t.keys("F2")
        self.t.wait_for("hello?")

    def outage(self):
        self.relay.down = True
        self.relay.drop()
        self.t.wait_for("redialling")

    def test_a_reply_typed_during_an_outage_waits_and_goes_once_after_the_rejoin(self):
        self.outage()
        self.t.type("typed while the link was down")
        self.t.keys("Enter")
        screen = self.t.wait_for("[waiting for the link]")
        self.assertIn("typed while the link was down", screen)
        self.relay.down = False
        self.web.expect("c1: typed while the link was down", timeout=40)
        self.t.wait_for("online")
        self.t.wait_gone("[waiting for the link]")
        # Once: nothing more arrives for the caller.
        with self.assertRaises(AssertionError):
            self.web.expect_match(r"^c1: typed while", timeout=2)

    def test_packets_read_before_the_link_drops_are_all_shown(self):
        # The 40 packets reach nlchat, and the link drops while it is still opening them
        # (about 4 ms each). Packets lost in the network itself, between a server that wrote
        # them and a client that never read them, need acknowledgements (the v2 session);
        # this is about what nlchat had already read.
        before = self.relay.lines_to_clients
        for n in range(40):
            self.web.say("c1", f"line {n:02d}")
        deadline = time.monotonic() + 20
        while self.relay.lines_to_clients < before + 40 and time.monotonic() < deadline:
            time.sleep(0.001)
        self.assertGreaterEqual(self.relay.lines_to_clients, before + 40)
        self.outage()
        self.relay.down = False
        self.t.wait_for("line 39", timeout=40)
        screen = self.t.wait_for("online")
        shown = re.findall(r"line (\d\d)", screen)
        self.assertEqual(shown, [f"{n:02d}" for n in range(40)], screen)
