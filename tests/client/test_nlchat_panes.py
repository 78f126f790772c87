# SPDX-License-Identifier: GPL-3.0-or-later
"""Several chats in panes: the real nlchat in tmux against the real nlchatd with
--max-chats-per-operator, nlchat-caller playing callers. Two chats at once, each line in
its own pane; what is typed goes only to the chat in focus (checked on the callers' side);
focus moves by key; an earlier chat beside the live ones; resizing three panes to 60x16
(tabs) and 200x50 and back; a 2015 operator beside them; an idle nlchat with two quiet
chats hardly wakes (counted from /proc). Then issue 24's defects, each as the operator
met it: nine chats folded into tabs where the focus was off screen, one input line shared
by every pane, typing in the read-only pane told to a live caller, paging by the whole
area, F2 after Tab, Esc and a digit apart, and pane numbers that moved."""
import json
import os
import re
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

    def online(self, server, name="op", *args, **kw):
        t = nlchat_in_tmux(name, server, self.path(f"home-{name}"), *args, **kw)
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

    def chats(self, t, web, count):
        """`count` callers c1, c2... each write "hello from cN"; the operator takes each
        ring with F2 (rings 1 to count). The focus stays on pane 1."""
        for n in range(1, count + 1):
            web.say(f"c{n}", f"hello from c{n}")
            t.wait_for(f"ring {n}")
            t.keys("F2")
            t.wait_for(f"you have ring {n}")
        t.wait_for("hello from c1")

    def wait_re(self, t, pattern, timeout=15):
        """Waits until `pattern` (a regular expression) matches the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = t.screen()
            if re.search(pattern, screen):
                return screen
            if time.monotonic() > deadline:
                self.fail(f"{pattern!r} not on screen:\n{screen}")
            time.sleep(0.1)

    def input_line(self, t):
        return self.rows(t)[-1]

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


class Issue24(PanesTest):
    """Each item of issue 24, as the operator met it (nlchatd allowing 16 chats)."""

    def test_nine_chats_in_tabs_alt_n_shows_that_caller_marked_and_typing_goes_there(self):
        server = self.server("16")
        web = self.caller(server)
        t = self.online(server, "op", "--chats", "9")
        self.chats(t, web, 9)
        for pane in (9, 8, 3):
            t.keys(f"M-{pane}")
            t.wait_for(f"\u25b6 {pane} Chat")
            screen = t.wait_for(f"hello from c{pane}")
            self.assertIn(f"[{pane}]", screen)
            others = [n for n in range(1, 10) if n != pane and f"hello from c{n}" in screen]
            self.assertEqual(others, [], screen)
            t.type(f"only for c{pane}")
            t.keys("Enter")
            web.expect(f"c{pane}: only for c{pane}")
        # Each line reached its own caller and no other ("cN: only for cN").
        for line in web.out.seen:
            if "only for" in line:
                caller, text = line.split(": ", 1)
                self.assertEqual(text, f"only for {caller}")

    def test_each_pane_keeps_its_half_typed_line(self):
        server = self.server("16")
        web = self.caller(server)
        t = self.online(server)
        self.chats(t, web, 2)
        t.type("half a sentence for c1")
        t.keys("C-n")
        t.wait_for("\u25b6 2 Chat")
        self.assertEqual(self.input_line(t).rstrip(), ">")
        t.type("for c2")
        t.keys("Enter")
        web.expect("c2: for c2")
        t.keys("C-p")
        t.wait_for("> half a sentence for c1")
        t.keys("Enter")
        web.expect("c1: half a sentence for c1")
        self.assertNotIn("c2: half a sentence for c1", web.out.seen)

    def test_typing_in_the_read_only_pane_tells_no_caller(self):
        server = self.server("16")
        web = self.caller(server)
        canned = self.path("canned")
        os.makedirs(canned)
        with open(os.path.join(canned, "hello.txt"), "w") as f:
            f.write("Still here with you.\n")
        t = self.online(server, "op", "--canned", canned)
        self.chats(t, web, 3)
        for n in (1, 2):  # c1 and c2 leave; the operator closes their chats
            web.write(f"/leave c{n}")
            t.keys("M-1")
            t.wait_for("caller left the chat")
            t.keys("F8")
            t.wait_for("End this chat?")
            t.keys("y")
            t.wait_for(f"EARLIER CHATS ({n})")
        t.keys("F5")
        t.wait_for("Earlier chat (read-only)")
        t.type("oops")
        t.keys("C-n")  # to c3's pane, whatever its number
        self.wait_re(t, r"\u25b6 \d Chat \u00b7")
        # A line to c3 with no typing of its own (a canned response, as it is): whatever
        # chat state c3 was sent before it came from the read-only pane.
        t.keys("F6")
        t.wait_for("Canned responses")
        t.keys("Enter")
        t.keys("Enter")
        web.expect("c3: Still here with you.")
        self.assertEqual([line for line in web.out.seen if "~ composing" in line], [])

    def test_stacked_panes_page_by_their_own_height(self):
        server = self.server("16")
        web = self.caller(server)
        t = self.online(server, width=100, height=40)
        self.chats(t, web, 3)
        for n in range(1, 41):
            web.say("c1", f"line {n:02}")
        t.wait_for("line 40")
        rows = self.rows(t)
        shown = [n for n in range(1, 41) if any(r.endswith(f"line {n:02}") for r in rows)]
        self.assertEqual(shown[-1], 40)
        t.keys("PPage")
        t.wait_for("more lines")
        rows = self.rows(t)
        after = [n for n in range(1, 41) if any(r.endswith(f"line {n:02}") for r in rows)]
        # The page before's top line is this page's bottom one: nothing in between is skipped.
        self.assertEqual(after[-1], shown[0], "\n".join(rows))
        self.assertEqual(len(after), len(shown))

    def test_f2_after_a_tab_pick_takes_the_oldest_next(self):
        server = self.server("16")
        web = self.caller(server)
        t = self.online(server)
        for n in (1, 2, 3):
            web.say(f"c{n}", f"hello from c{n}")
            t.wait_for(f"ring {n}")
        t.keys("Tab")
        t.keys("F2")
        t.wait_for("you have ring 2")
        t.keys("F2")
        t.wait_for("you have ring 1")

    def test_esc_then_a_digit_a_moment_later_focuses_that_pane(self):
        server = self.server("16")
        web = self.caller(server)
        t = self.online(server)
        self.chats(t, web, 3)
        t.keys("Escape")
        time.sleep(0.05)  # the two keys in two writes, 50 ms apart, as a slow link gives them
        t.keys("3")
        t.wait_for("\u25b6 3 Chat")
        self.assertEqual(self.input_line(t).rstrip(), ">")

    def test_pane_numbers_stay_with_their_chats(self):
        server = self.server("16")
        web = self.caller(server)
        t = self.online(server)
        self.chats(t, web, 3)
        t.keys("M-2")
        t.wait_for("\u25b6 2 Chat")
        t.keys("F8")
        t.wait_for("End this chat?")
        t.keys("y")
        web.expect("c2 ended")
        screen = t.wait_gone("2 Chat")
        self.assertIn("3 Chat", screen)
        t.keys("M-3")
        t.wait_for("\u25b6 3 Chat")
        t.type("still pane 3")
        t.keys("Enter")
        web.expect("c3: still pane 3")
        t.keys("M-2")
        t.wait_for("no chat pane 2")

    def test_the_refusal_names_nlchats_own_limit(self):
        server = self.server("16")
        web = self.caller(server)
        t = self.online(server, "op", "--chats", "2")
        self.chats(t, web, 2)
        web.say("c3", "hello from c3")
        t.wait_for("ring 3")
        t.keys("F2")
        t.wait_for("you have 2 chats open, the most nlchat's --chats allows: end one first")


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
