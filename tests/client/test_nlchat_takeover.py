# SPDX-License-Identifier: GPL-3.0-or-later
"""One operator, two terminals: the real nlchat twice in tmux with the same key against
the real nlchatd. The newest connection wins, the other says why and stays quiet, the
operator can take the link back by a key and the chat follows; a second nlchat with the
same config on the same machine stops at once."""
import os
import shutil
import subprocess
import time

from nltest import SANITIZED, Caller, nlchat_in_tmux, program
from test_nlchat_tui import TuiTest

REPLACED = "connected from another terminal"
# Long enough for two redials (nlchat's backoff: at once, then after 1 s +-20 %) and for
# a join they made to show in nlchatd's log.
QUIET = 2.5 * (2 if SANITIZED else 1)


class TwoTerminals(TuiTest):
    def second_machine(self, server, home, name="op2"):
        """nlchat with a copy of `home`'s key, UUID and pinned server key, as on another
        machine (its own config directory, so the instance lock does not apply)."""
        other = self.path(f"home-{name}")
        shutil.copytree(os.path.join(home, "nlchat"), os.path.join(other, "nlchat"))
        os.unlink(os.path.join(other, "nlchat", "lock"))
        t = nlchat_in_tmux(name, server, other)
        self.tmuxes.append(t)
        return t

    def joins(self, server):
        return sum(" joined on connection " in l for l in server.err.seen)

    def test_the_newest_wins_and_the_other_stays_quiet(self):
        server = self.server()
        t1, home = self.online(server, "op1")
        started = time.monotonic()
        t2 = self.second_machine(server, home)
        t2.wait_for("online", timeout=5)
        screen = t1.wait_for(REPLACED, timeout=5)
        self.assertLess(time.monotonic() - started, 5.5)
        self.assertIn("F7", screen)
        self.assertNotIn("online", t1.screen().splitlines()[0])
        # The replaced one does not dial back. That it never does (through hours) is the
        # session's and the redialer's decision, tested with a fake clock in
        # tests/core/client/client_session_test.cpp and tests/net/redialer_test.cpp; here
        # the wiring is checked past the two redials a lost link would bring: at once,
        # then after 0.8 to 1.2 s.
        server.saw("moved to connection")
        time.sleep(QUIET)
        server.err.drain(0)  # read what the log has so far without waiting for its end
        self.assertEqual(self.joins(server), 2, "joins: the first nlchat's, the second's, and no redial")
        self.assertIn(REPLACED, t1.screen())
        self.assertIn("online", t2.screen().splitlines()[0])

    def test_taking_the_link_back_brings_the_chat_along(self):
        server = self.server()
        web = Caller(server)
        self.procs.append(web)
        server.saw("service Web online")
        t1, home = self.online(server, "op1")
        web.say("c1", "hello, anyone?")
        t1.wait_for("RINGS (1)")
        t1.keys("F2")
        t1.wait_for("hello, anyone?")
        t2 = self.second_machine(server, home)
        t2.wait_for("online")
        t1.wait_for("this chat continues in the other terminal")
        web.say("c1", "are you still there?")
        t2.wait_for("are you still there?")
        t2.type("yes, still here")
        t2.keys("Enter")
        web.expect("c1: yes, still here")
        # Back to the first terminal by its key: the second is told, and the chat follows.
        t1.keys("F7")
        t2.wait_for(REPLACED)
        t1.wait_for("online")
        web.say("c1", "good")
        t1.wait_for("good")
        t1.type("back in the first window")
        t1.keys("Enter")
        web.expect("c1: back in the first window")
        server.saw("moved to connection")

    def test_a_second_nlchat_on_the_same_machine_stops_at_once(self):
        server = self.server()
        t1, home = self.online(server, "op1")
        pid = t1.pid()
        started = time.monotonic()
        r = subprocess.run([program("nlchat"), "--server", server.address],
                           env=dict(os.environ, XDG_CONFIG_HOME=home, TERM="xterm-256color"),
                           capture_output=True, timeout=30)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("already running with this key", err)
        self.assertIn(f"PID {pid} on /dev/pts/", err)
        # The first one never noticed.
        self.assertIn("online", t1.screen().splitlines()[0])
        self.assertFalse(any("moved to connection" in l for l in server.err.seen))
