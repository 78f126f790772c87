# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole system end to end: the real nlchatd, two real nlchat clients in tmux, and
nlchat-caller playing the caller. Each test is bounded in time, on loopback, and stops
every process it started (tmux servers included)."""
import os
import signal
import time
import unittest

from nltest import Nlchatd, SystemTest, make_key, nlchat_in_tmux


class EndToEnd(SystemTest):
    def setUp(self):
        super().setUp()
        self.key_a, self.key_b = self.path("a.key"), self.path("b.key")
        self.fps = [make_key(self.key_a), make_key(self.key_b)]

    def server(self, extra=(), key=None):
        s = Nlchatd(self.dir, authorized=self.fps, key=key,
                    extra=["--probe-after", "1", "--probe-timeout", "1", "--grace", "20", "-v"] + list(extra))
        self.procs.append(s)
        return s

    def operator(self, server, name, key):
        home = self.path("home-" + name)
        os.makedirs(home, exist_ok=True)
        t = nlchat_in_tmux(name, server, home, "--key", key, "--server-key", server.key + ".pub", "--silence", "4")
        self.tmuxes.append(t)
        t.wait_for("online")
        return t

    def test_ring_race_chat_and_end(self):
        server = self.server()
        web = self.caller(server)
        a, b = self.operator(server, "a", self.key_a), self.operator(server, "b", self.key_b)
        web.say("kim", "hello? is anyone there")
        a.wait_for("ring 1")
        b.wait_for("ring 1")
        a.keys("F2")
        a.wait_for("you have ring 1")
        b.wait_gone("ring 1  ")
        self.assertNotIn("you have ring 1", b.screen())
        a.wait_for("hello? is anyone there")
        a.type("Hi Kim, I'm listening.")
        web.expect("kim ~ composing")
        a.keys("Enter")
        web.expect("kim: Hi Kim, I'm listening.")
        web.write("/state kim composing")
        a.wait_for("caller is typing")
        web.say("kim", "thanks \u2014 it's been a long week")
        a.wait_for("it's been a long week")
        a.keys("F8")
        a.wait_for("End this chat?")
        a.keys("y")
        web.expect("kim ended")

    def test_server_killed_mid_chat_and_restarted(self):
        server = self.server()
        web = self.caller(server)
        a, b = self.operator(server, "a", self.key_a), self.operator(server, "b", self.key_b)
        web.say("kim", "hi")
        a.wait_for("ring 1")
        a.keys("F2")
        a.wait_for("you have ring 1")
        address, key = server.address, server.key
        server.stop(signal.SIGKILL)
        web.stop()
        self.procs.clear()
        for t in (a, b):
            t.wait_for("disconnected")
        # The same key and port: both find it again by themselves (redial backoff is
        # at most a few seconds this early).
        server = self.server(extra=["--listen", address], key=key)
        for t in (a, b):
            t.wait_for("online", timeout=40)
        web = self.caller(server)
        web.say("lee", "hello")
        b.wait_for("ring 2")
        b.keys("F2")
        b.wait_for("you have ring 2")
        b.wait_for("hello")

    def test_frozen_operator_gets_three_messages_once_in_order(self):
        server = self.server()
        web = self.caller(server)
        a = self.operator(server, "a", self.key_a)
        web.say("kim", "hi")
        a.wait_for("ring 1")
        a.keys("F2")
        a.wait_for("you have ring 1")
        os.kill(a.pid(), signal.SIGSTOP)
        try:
            server.wait_log("left the pool (no answer to a probe)")
            for n, text in enumerate(("first one", "second one", "third one"), 1):
                web.say("kim", text)
                server.wait_log(f"({n} held)")
        finally:
            os.kill(a.pid(), signal.SIGCONT)
        server.wait_log("is back")
        screen = a.wait_for("third one")
        for text in ("first one", "second one", "third one"):
            self.assertEqual(screen.count(text), 1, screen)
        self.assertLess(screen.index("first one"), screen.index("second one"))
        self.assertLess(screen.index("second one"), screen.index("third one"))

    def test_an_unauthorized_operator_is_told_why(self):
        server = self.server()
        stranger = self.path("stranger.key")
        make_key(stranger)
        home = self.path("home-s")
        os.makedirs(home)
        t = nlchat_in_tmux("s", server, home, "--key", stranger, "--server-key", server.key + ".pub")
        self.tmuxes.append(t)
        screen = t.wait_for("not authorized")
        self.assertIn("ask an admin", screen)


if __name__ == "__main__":
    unittest.main()
