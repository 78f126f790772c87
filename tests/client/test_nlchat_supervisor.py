# SPDX-License-Identifier: GPL-3.0-or-later
"""A shift with a supervisor, as its operators would go through it with nothing but
nlchat(1) to go by: the real nlchat for Alice, Bob and Sam (role=supervisor in the
authorized keys file, names after the fingerprints) in 100x30 tmux windows, the real
nlchatd, and callers played by nlchat-caller (a service that knows nothing of the
shift). Away and the no-listeners reply; a request for support seen by the supervisor,
who reads along and whispers (seen by the operator, never by the caller) until the
operator ends it; the board's figures; a hand-over to a named colleague and one to
whoever takes it, with the caller's and the operator's lines during each delivered."""
import os
import re
import subprocess
import time
import unittest

from nltest import Nlchatd, SystemTest, nlchat_in_tmux, program

NO_LISTENERS = "Sorry, no listeners are available at the moment. Please try again later."
HANDOVER = "Another listener is with you now."


class SupervisedShift(SystemTest):
    def setUp(self):
        super().setUp()
        lines = []
        for name, role in (("Alice", ""), ("Bob", ""), ("Sam", "role=supervisor ")):
            out = subprocess.run([program("nlchat"), "--fingerprint"], capture_output=True, timeout=60,
                                 env=dict(os.environ, XDG_CONFIG_HOME=self.path(f"home-{name}")))
            self.assertEqual(out.returncode, 0, out.stderr)
            lines.append(f"{role}{out.stdout.decode().strip()} {name}\n")
        authorized = self.path("authorized_keys")
        with open(authorized, "w") as f:
            f.writelines(lines)
        self.nlchatd = Nlchatd(self.dir, extra=[
            "--authorized-keys", authorized, "--max-chats-per-operator", "4",
            "--probe-after", "2", "--probe-timeout", "2", "--grace", "10", "--ring-timeout", "30", "-v"])
        self.procs.append(self.nlchatd)
        self.web = self.caller(self.nlchatd)

    def on_shift(self, name):
        t = nlchat_in_tmux(name.lower(), self.nlchatd, self.path(f"home-{name}"), "--chats", "4")
        self.tmuxes.append(t)
        t.wait_for("Trust it? y/n")
        t.keys("y")
        t.wait_for("online")
        t.wait_for("on the shift as " + name)
        return t

    def select(self, t, entry):
        """Tab until the queue entry starting with `entry` is marked, then F2."""
        for _ in range(6):
            if re.search("\u25b6 ?" + re.escape(entry), t.screen()):
                break
            t.keys("Tab")
            time.sleep(0.2)
        self.assertRegex(t.screen(), "\u25b6 ?" + re.escape(entry))
        t.keys("F2")

    def test_away_no_ring_and_the_no_listeners_reply(self):
        alice, bob = self.on_shift("Alice"), self.on_shift("Bob")
        for t in (alice, bob):
            t.keys("F9")
            t.wait_for("AWAY for")
        self.web.say("c-away", "is anyone there?")
        self.web.expect(f"c-away: {NO_LISTENERS}")
        bob.keys("F9")
        bob.wait_gone("AWAY for")
        self.web.say("c-two", "hello?")
        bob.wait_for("ring 1")
        # Alice, still away, was not rung.
        time.sleep(0.5)
        self.assertNotRegex(alice.screen(), r"\bring 1\b")
        self.assertIn("AWAY for", alice.screen())
        bob.keys("F2")
        bob.wait_for("hello?")

    def test_support_whisper_board_and_hand_overs(self):
        alice, bob, sam = self.on_shift("Alice"), self.on_shift("Bob"), self.on_shift("Sam")
        self.web.say("c1", "I feel very low tonight")
        alice.wait_for("ring 1")
        alice.keys("F2")
        alice.wait_for("I feel very low tonight")
        alice.type("I am here with you")
        alice.keys("Enter")
        self.web.expect("c1: I am here with you")

        # Alice asks for support; Sam, the supervisor, sees it and reads along.
        alice.keys("C-r")
        alice.wait_for("support: asked")
        sam.wait_for("SUPPORT Alice")
        self.assertNotIn("SUPPORT Alice", bob.screen())
        self.select(sam, "SUPPORT")
        sam.wait_for("Reading along")
        sam.wait_for("I feel very low tonight")
        alice.wait_for("Sam reads along")
        self.web.say("c1", "I cannot sleep")
        alice.wait_for("I cannot sleep")
        sam.wait_for("I cannot sleep")
        sam.type("WHISPER ask what helped before")
        sam.keys("Enter")
        alice.wait_for("[support: Sam] WHISPER ask what helped")
        # Alice ends the read-along; Sam is told.
        alice.keys("C-x")
        sam.wait_for("read-along ended")
        alice.wait_for("support ended")

        # The board: who is on, and the figures so far.
        sam.keys("C-g")
        sam.wait_for("SHIFT BOARD")
        sam.wait_for("support 1")
        board = sam.screen()
        self.assertRegex(board, r"Alice\s+operator\s+available\s+1 chat")
        self.assertRegex(board, r"Bob\s+operator\s+available")
        self.assertIn("rung 1 \u00b7 answered 1 \u00b7 missed 0 \u00b7 hand-overs 0 \u00b7 support 1", board)
        sam.keys("C-g")
        sam.wait_gone("SHIFT BOARD")

        # Alice hands the chat to Bob by name, with a note; nothing is lost meanwhile.
        alice.keys("C-o")
        alice.wait_for("Hand this chat over to whom?")
        alice.type("Bob")
        alice.keys("Enter")
        alice.wait_for("A note for the colleague")
        alice.type("long call, sleep")
        alice.keys("Enter")
        alice.wait_for("hand-over to Bob: offered")
        bob.wait_for("HAND-OVER from Alice")
        self.web.say("c1", "are you still there")
        alice.wait_for("are you still there")
        alice.type("yes, a colleague joins you")
        alice.keys("Enter")
        self.web.expect("c1: yes, a colleague joins you")
        self.select(bob, "HAND-OVER")
        bob.wait_for("from Alice")
        bob.wait_for("are you still there")
        bob.wait_for("yes, a colleague joins you")
        alice.wait_for("handed over to Bob")
        self.web.expect(f"c1: {HANDOVER}")
        self.web.say("c1", "hello new person")
        bob.wait_for("hello new person")
        bob.type("Bob here, I have read it all")
        bob.keys("Enter")
        self.web.expect("c1: Bob here, I have read it all")

        # Bob hands it to whoever takes it; Sam does.
        bob.keys("C-o")
        bob.wait_for("Hand this chat over to whom?")
        bob.keys("Enter")
        bob.wait_for("A note for the colleague")
        bob.keys("Enter")
        bob.wait_for("offered")
        sam.wait_for("HAND-OVER from Bob")
        alice.wait_for("HAND-OVER from Bob")
        self.web.say("c1", "during the second")
        bob.wait_for("during the second")
        self.select(sam, "HAND-OVER")
        sam.wait_for("from Bob")
        bob.wait_for("handed over to Sam")
        alice.wait_gone("HAND-OVER from Bob")
        self.web.say("c1", "third listener?")
        sam.wait_for("third listener?")

        # The caller never got a whisper.
        self.web.stop()
        for line in self.web.out.seen:
            self.assertNotIn("WHISPER", line)


if __name__ == "__main__":
    unittest.main()
