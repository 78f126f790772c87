# SPDX-License-Identifier: GPL-3.0-or-later
"""The real nlchat in tmux on the v2 session with the real nlchatd: the status bar says
which protocol the link uses, the operator's lines say "delivered" once the server
acknowledged them, --no-v2 and a server that does not answer the offer both give v1 (and
"sent", never "delivered"), and a cut link resumes the session with every line once."""
import re
import time

from nltest import Caller, Nlchatd, Tmux, program
from relay import Relay
from test_nlchat_tui import TuiTest


class V2Tui(TuiTest):
    def start(self, server_extra=(), client_extra=(), through_relay=False):
        self.srv = Nlchatd(self.dir, allow_any=True, extra=["--probe-after", "2", "--probe-timeout", "2",
                                                             "--grace", "30", "-v"] + list(server_extra))
        self.procs.append(self.srv)
        self.web = Caller(self.srv)
        self.procs.append(self.web)
        self.srv.saw("service Web online")
        address = self.srv.address
        if through_relay:
            self.relay = Relay(self.srv.address)
            self.addCleanup(self.relay.close)
            address = self.relay.address
        self.t = Tmux("op", [program("nlchat"), "--server", address, "--server-key", self.srv.key + ".pub"] +
                      list(client_extra),
                      {"XDG_CONFIG_HOME": self.path("home"), "TERM": "xterm-256color", "LANG": "C.UTF-8"})
        self.tmuxes.append(self.t)
        screen = self.t.wait_for("online")
        self.web.say("c1", "hello?")
        self.t.wait_for("RINGS (1)")
        self.t.keys("F2")
        self.t.wait_for("hello?")
        return screen

    def reply(self, text):
        self.t.type(text)
        self.t.keys("Enter")
        self.web.expect("c1: " + text)

    def test_the_status_bar_says_v2_and_a_reply_shows_delivered(self):
        self.start()
        self.t.wait_for("online v2")
        self.reply("I'm here")
        screen = self.t.wait_for("I'm here \u00b7 delivered", timeout=5)
        self.assertNotIn("\u00b7 sent", screen)
        self.srv.saw("v2 session started")

    def test_no_v2_stays_on_the_2015_protocol(self):
        self.start(client_extra=["--no-v2"])
        self.t.wait_for("online v1")
        self.reply("on v1")
        self.t.wait_for("on v1 \u00b7 sent")
        time.sleep(1)
        self.assertNotIn("delivered", self.t.screen())

    def test_a_server_that_does_not_answer_the_offer_gets_v1(self):
        self.start(server_extra=["--no-v2"])
        self.t.wait_for("online v1")
        self.reply("still works")
        self.t.wait_for("still works \u00b7 sent")

    def test_a_cut_link_resumes_the_session_with_every_line_once(self):
        self.start(through_relay=True)
        self.t.wait_for("online v2")
        # The operator's line and the caller's are in flight when the link is cut.
        self.t.type("just before the cut")
        self.t.keys("Enter")
        for n in range(5):
            self.web.say("c1", f"caller {n}")
        self.relay.drop()
        self.web.expect("c1: just before the cut", timeout=30)
        screen = self.t.wait_for("caller 4", timeout=30)
        self.t.wait_for("online v2", timeout=30)
        self.srv.saw("rejoined without RSA, v2 session resumed", timeout=30)
        self.reply("after the cut")
        screen = self.t.wait_for("after the cut \u00b7 delivered")
        self.assertEqual(re.findall(r"caller (\d)", screen), [str(n) for n in range(5)], screen)
        self.assertEqual(screen.count("just before the cut"), 1, screen)
        self.assertIn("just before the cut \u00b7 delivered", screen)
        self.assertEqual([l for l in self.web.out.seen if "just before" in l], ["c1: just before the cut"])
