# SPDX-License-Identifier: GPL-3.0-or-later
"""Several chats in panes: the real nlchat in tmux against the real nlchatd with
--max-chats-per-operator, nlchat-caller playing callers. Two chats at once, each line in
its own pane; what is typed goes only to the chat in focus (checked on the callers' side);
focus moves by key; an earlier chat beside the live ones; resizing three panes to 60x16
(tabs) and 200x50 and back; a 2015 operator beside them; an idle nlchat with two quiet
chats hardly wakes (counted from /proc)."""
import json
import time
import unittest

from nltest import Nlchatd, Operator, SystemTest, make_key, nlchat_in_tmux


class PanesTest(SystemTest):
    def server(self, chats="2", fast=True):
        extra = ["--max-chats-per-operator", chats, "-v"]
        if fast:
            extra += ["--probe-after", "2", "--probe-timeout", "2", "--grace", "5"]
        s = Nlchatd(self.dir, allow_any=True, extra=extra)
        self.procs.append(s)
        return s

    def online(self, server, name="op", **kw):
        t = nlchat_in_tmux(name, server, self.path(f"home-{name}"), **kw)
        self.tmuxes.append(t)
        t.wait_for("Trust it? y/n")
        t.keys("y")
        t.wait_for("online")
        return t

    def take(self, t, web, caller, first, ring):
        web.say(caller, first)
        t.wait_for(f"ring {ring}")
        t.keys("F2")
        t.wait_for(f"you have ring {ring}")
        t.wait_for(first)

    def rows(self, t):
        return t.screen().splitlines()

    def row_of(self, rows, text):
        for i, r in enumerate(rows):
            if text in r:
                return i
        self.fail(f"{text!r} not on screen:\n" + "\n".join(rows))



class TwoChats(PanesTest):
    def test_two_chats_at_once_each_in_its_pane_and_typing_goes_to_the_focus(self):
        server = self.server()
        web = self.caller(server)
        # A 2015 operator beside nlchat: held to one chat, it never sees a chat id.
        make_key(self.path("old"))
        old = Operator(server, self.path("old"), "op-2015")
        self.procs.append(old)
        old.joined()
        t = self.online(server)
        self.take(t, web, "amy", "hello from amy", 1)
        self.take(t, web, "ben", "hello from ben", 2)
        screen = t.wait_for("2 Chat")
        self.assertIn("1 Chat", screen)
        for ring in (1, 2):
            ack = old.recv("ringACKACK", ID=ring)
            self.assertNotIn("chat", ack)
            self.assertNotEqual(ack["UUID"], "op-2015")

        # Interleaved lines land each in its own pane: amy's above pane 2's title, ben's below.
        web.say("ben", "ben one")
        web.say("amy", "amy one")
        web.say("ben", "ben two")
        t.wait_for("ben two")
        t.wait_for("amy one")
        rows = self.rows(t)
        second = self.row_of(rows, "2 Chat")
        self.assertLess(self.row_of(rows, "amy one"), second)
        self.assertLess(self.row_of(rows, "hello from amy"), second)
        for text in ("hello from ben", "ben one", "ben two"):
            self.assertGreater(self.row_of(rows, text), second)

        # Typing goes to the chat in focus (the first), then Ctrl-N moves it, then Alt-1.
        t.type("for amy")
        t.keys("Enter")
        web.expect("amy: for amy")
        t.keys("C-n")
        t.type("for ben")
        t.keys("Enter")
        web.expect("ben: for ben")
        t.keys("M-1")
        t.type("amy again")
        t.keys("Enter")
        web.expect("amy: amy again")
        # Nothing typed went to the other caller.
        for wrong in ("amy: for ben", "ben: for amy", "ben: amy again"):
            self.assertNotIn(wrong, web.out.seen)

        # A line to the pane not in focus is counted as new there.
        web.say("ben", "are you still there?")
        t.wait_for("1 new")
        # F8 ends only the chat in focus; the other goes on.
        t.keys("F8")
        t.wait_for("End this chat?")
        t.keys("y")
        web.expect("amy ended")
        t.type("still here")
        t.keys("Enter")
        web.expect("ben: still here")
        # The 2015 operator is untouched and can take the next caller.
        web.say("cal", "hello old")
        ring = old.recv("ring")
        old.send(type="ringACK", UUID="op-2015", ID=ring["ID"])
        self.assertNotIn("chat", old.recv("msg"))
        old.send(type="msg", UUID="op-2015", msg=["old replies"], **{"I/O": "out"})
        web.expect("cal: old replies")

    def test_an_earlier_chat_beside_two_live_ones_and_resizing_three_panes(self):
        server = self.server()
        web = self.caller(server)
        t = self.online(server)
        self.take(t, web, "amy", "first caller", 1)
        t.keys("F8")
        t.wait_for("End this chat?")
        t.keys("y")
        t.wait_for("EARLIER CHATS (1)")
        self.take(t, web, "ben", "second caller", 2)
        self.take(t, web, "cat", "third caller", 3)
        t.keys("F5")
        screen = t.wait_for("Earlier chat (read-only)")
        for text in ("first caller", "second caller", "third caller", "1 Chat", "2 Chat", "3 Earlier"):
            self.assertIn(text, screen)
        # Small: tabs, the pane in focus (the earlier chat) below them.
        t.resize(60, 16)
        screen = t.wait_for("[3 earlier]")
        self.assertIn("first caller", screen)
        self.assertNotIn("second caller", screen)
        t.keys("M-2")
        screen = t.wait_for("[2]")
        self.assertIn("third caller", screen)
        # Large, side by side: the three titles on one row.
        t.resize(200, 50)
        t.wait_for("1 Chat")
        t.keys("F4")
        t.wait_for("side by side")
        row = self.rows(t)[1]
        for text in ("1 Chat", "2 Chat", "3 Earlier chat"):
            self.assertIn(text, row)
        t.keys("F4")
        t.wait_for("stacked")
        t.resize(100, 30)
        screen = t.wait_for("second caller")  # laid out again for the new size
        for text in ("first caller", "second caller", "third caller"):
            self.assertIn(text, screen)
        t.type("to cat")
        t.keys("Enter")
        web.expect("cat: to cat")


class Idle(PanesTest):
    def test_an_idle_nlchat_with_two_quiet_chats_hardly_wakes(self):
        # When an idle nlchat draws again is ui/redraw_schedule.h's decision, tested over a
        # night of fake time (tests/ui/redraw_schedule_test.cpp: only the probes wake it).
        # Here the wiring: counted from /proc over a few seconds, nlchat sleeps through
        # them but for the server's probes (every 4 s here), once each. A redraw each
        # second, or any timer that fires while idle, would more than double the count.
        seconds, probe_every = 8, 4
        server = Nlchatd(self.dir, allow_any=True, extra=["--max-chats-per-operator", "2", "-v", "--probe-after",
                                                          str(probe_every), "--probe-timeout", "4"])
        self.procs.append(server)
        web = self.caller(server)
        t = self.online(server)
        self.take(t, web, "amy", "hello from amy", 1)
        self.take(t, web, "ben", "hello from ben", 2)
        time.sleep(1)  # the last redraws and acknowledgements settle
        pid = t.pid()

        def sleeps():
            # The loop thread's voluntary context switches: each is a sleep in the loop,
            # so each wake-up is one. (Involuntary ones are the scheduler's doing, and
            # come with the machine's load, not with what nlchat does.)
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f)
            return int(fields["voluntary_ctxt_switches"])

        before = sleeps()
        time.sleep(seconds)
        wakeups = sleeps() - before
        print(f"\n    idle nlchat, two quiet chats: {wakeups} wake-ups in {seconds} s, probed every {probe_every} s")
        self.assertLessEqual(wakeups, seconds // probe_every + 2)
        t.wait_for("2 Chat")  # still there, still drawing


if __name__ == "__main__":
    unittest.main()
