# SPDX-License-Identifier: GPL-3.0-or-later
"""A busy night shift, as an operator would try it with nothing but nlchat(1) to go by:
the real nlchatd allowing 16 chats an operator, nlchat --chats 9 in a 100x30 tmux,
callers played by nlchat-caller. Each scenario checks what the manual promises, on the
screen and at the callers: the pane marked in focus is always on screen and is where
typed lines go; each pane keeps its own half-typed line; typing is told only to the
caller typed to; pane numbers stay; paging keeps a line; the limit says whose it is."""
import os
import re
import time
import unittest

from nltest import Nlchatd, SystemTest, nlchat_in_tmux

MARK = "\u25b6"


class Shift(SystemTest):
    def setUp(self):
        super().setUp()
        self.nlchatd = Nlchatd(self.dir, allow_any=True, extra=[
            "--max-chats-per-operator", "16", "--probe-after", "2", "--probe-timeout", "2", "--grace", "5", "-v"])
        self.procs.append(self.nlchatd)
        self.web = self.caller(self.nlchatd)

    def operator(self, *args):
        t = nlchat_in_tmux("op", self.nlchatd, self.path("home"), "--chats", "9", *args)
        self.tmuxes.append(t)
        t.wait_for("Trust it? y/n")
        t.keys("y")
        t.wait_for("online")
        return t

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

    def wait_new(self, t, pane):
        """Waits until pane `pane` counts one new line: in its tab ("6 (1 new)", or "6+1"
        where the tabs are short of room), or at the end of its title."""
        return self.wait_re(t, rf"(?m) {pane} \(1 new\)| {pane}\+1( |$)| {pane} Chat .*1 new")

    def ring_and_take(self, t, caller, ring):
        """`caller` writes in; its ring is taken with F2 (the oldest waiting)."""
        self.web.say(caller, f"hi, this is {caller}")
        t.wait_for(f"ring {ring}")
        t.keys("F2")
        t.wait_for(f"you have ring {ring}")

    def take_many(self, t, count):
        for n in range(1, count + 1):
            self.ring_and_take(t, f"caller{n}", n)
        t.wait_for("hi, this is caller1")

    def marked(self, t, pane):
        """Waits until pane `pane` carries the focus mark, and returns the screen."""
        return t.wait_for(f"{MARK} {pane} Chat")

    def say_to_focus(self, t, caller, text):
        t.type(text)
        t.keys("Enter")
        self.web.expect(f"{caller}: {text}")

    def assert_only_to(self, text, caller):
        got = [line.split(": ", 1)[0] for line in self.web.out.seen if line.endswith(": " + text)]
        self.assertEqual(got, [caller], f"{text!r} reached {got}")


class NineCallers(Shift):
    def test_every_pane_in_turn_is_shown_marked_and_gets_only_its_own_lines(self):
        t = self.operator()
        self.take_many(t, 9)
        # Ctrl-P walks the panes backwards, newest caller first (the others still with a
        # line unread); each time the one marked is on screen, whole.
        for pane in list(range(9, 0, -1)):
            t.keys("C-p")
            self.marked(t, pane)
            screen = t.wait_for(f"hi, this is caller{pane}")
            self.assertEqual(screen.count(MARK), 1, screen)
            self.say_to_focus(t, f"caller{pane}", f"reply {pane}")
        for pane in range(1, 10):
            self.assert_only_to(f"reply {pane}", f"caller{pane}")
        # A caller writing in a pane not in focus is counted there, not shown in focus.
        self.web.say("caller6", "are you there?")
        self.wait_new(t, 6)
        self.assertNotIn("are you there?", t.screen())
        t.keys("M-6")
        self.assertIn("are you there?", self.marked(t, 6))

    def test_pane_numbers_stay_and_a_new_caller_takes_the_free_one(self):
        t = self.operator()
        self.take_many(t, 4)
        t.keys("M-2")
        self.marked(t, 2)
        t.keys("F8")
        t.wait_for("End this chat?")
        t.keys("y")
        self.web.expect("caller2 ended")
        # Pane 4 is still pane 4, by Alt-4.
        t.keys("M-4")
        self.marked(t, 4)
        t.wait_for("hi, this is caller4")
        self.say_to_focus(t, "caller4", "still four")
        t.keys("M-2")
        t.wait_for("no chat pane 2")
        # The next caller becomes pane 2, between 1 and 3.
        self.ring_and_take(t, "caller5", 5)
        t.keys("M-2")
        self.marked(t, 2)
        screen = t.wait_for("hi, this is caller5")
        rows = screen.splitlines()
        order = [next(i for i, r in enumerate(rows) if re.search(rf"[ {MARK}] {n} Chat", r)) for n in (1, 2, 3, 4)]
        self.assertEqual(order, sorted(order), screen)
        self.say_to_focus(t, "caller5", "you are pane two")
        self.assert_only_to("you are pane two", "caller5")

    def test_the_tenth_caller_waits_and_the_refusal_names_the_chats_option(self):
        t = self.operator()
        self.take_many(t, 9)
        self.web.say("caller10", "anyone?")
        t.wait_for("ring 10")
        t.keys("F2")
        t.wait_for("you have 9 chats open, the most nlchat's --chats allows: end one first")
        t.keys("M-9")
        self.marked(t, 9)
        t.keys("F8")
        t.wait_for("End this chat?")
        t.keys("y")
        self.web.expect("caller9 ended")
        t.keys("F2")
        t.wait_for("you have ring 10")


class Typing(Shift):
    def test_half_typed_lines_stay_with_their_callers(self):
        canned = self.path("canned")
        os.makedirs(canned)
        with open(os.path.join(canned, "check_in.txt"), "w") as f:
            f.write("How are you feeling right now?\n")
        t = self.operator("--canned", canned)
        self.take_many(t, 3)
        t.keys("F6")
        t.wait_for("Canned responses")
        t.keys("Enter")  # into pane 1's input line, not sent
        t.wait_for("> How are you feeling right now?")
        t.keys("M-3")
        self.marked(t, 3)
        self.assertNotIn("How are you feeling", t.screen().splitlines()[-1])
        t.type("half a thought for three")
        t.keys("M-2")
        self.marked(t, 2)
        self.say_to_focus(t, "caller2", "a whole line for two")
        t.keys("M-1")
        t.wait_for("> How are you feeling right now?")
        t.keys("Enter")
        self.web.expect("caller1: How are you feeling right now?")
        t.keys("M-3")
        t.wait_for("> half a thought for three")
        # Up brings back this pane's own earlier line, none of another's.
        t.keys("C-u")
        t.keys("Up")  # pane 3 has sent nothing: nothing to bring back
        t.type("z")
        screen = t.wait_for("> z")
        self.assertEqual(screen.splitlines()[-1].rstrip(), "> z")
        for text in ("How are you feeling right now?", "a whole line for two"):
            self.assert_only_to(text, "caller1" if "feeling" in text else "caller2")

    def test_only_the_caller_typed_to_hears_of_it_and_not_from_an_earlier_chat(self):
        t = self.operator()
        self.take_many(t, 3)
        t.keys("M-2")
        self.marked(t, 2)
        t.type("x")
        self.web.expect("caller2 ~ composing")
        # Caller 1 leaves; the operator closes the chat and looks back at it read-only.
        self.web.write("/leave caller1")
        t.keys("M-1")
        t.wait_for("caller left the chat")
        t.keys("F8")
        t.wait_for("End this chat?")
        t.keys("y")
        t.wait_for("EARLIER CHATS (1)")
        t.keys("F5")
        t.wait_for("Earlier chat (read-only)")
        t.type("nobody should hear this")
        t.wait_for("read-only")
        t.keys("Enter")
        t.keys("M-3")
        self.marked(t, 3)
        t.type("y")
        self.web.expect("caller3 ~ composing")
        composing = [line for line in self.web.out.seen if "~ composing" in line]
        self.assertEqual(composing, ["caller2 ~ composing", "caller3 ~ composing"])
        self.assertFalse([line for line in self.web.out.seen if "nobody should hear this" in line])


class Screen(Shift):
    def test_the_marked_pane_survives_every_size(self):
        t = self.operator()
        self.take_many(t, 9)
        t.keys("M-7")
        self.marked(t, 7)
        for width, height, side in ((60, 16, False), (200, 50, True), (40, 12, False), (100, 30, False)):
            t.resize(width, height)
            if side:
                t.keys("F4")
                t.wait_for("side by side")
            screen = t.wait_for(f"{MARK} 7 Chat")
            self.assertTrue("[7]" in screen or "7 Chat · Web" in screen, screen)
            if side:
                t.keys("F4")
                t.wait_for("stacked")
        self.say_to_focus(t, "caller7", "seven, whatever the size")
        self.assert_only_to("seven, whatever the size", "caller7")

    def test_paging_back_keeps_a_line_and_skips_none(self):
        t = self.operator()
        self.take_many(t, 3)
        for n in range(1, 31):
            self.web.say("caller1", f"story {n:02}")
        t.wait_for("story 30")

        def shown():
            return [n for n in range(1, 31) if re.search(rf"story {n:02}$", t.screen(), re.M)]

        before = shown()
        t.keys("PPage")
        t.wait_for("more lines")
        after = shown()
        self.assertEqual(after[-1], before[0])  # the top line is now the bottom one
        self.assertEqual(len(after), len(before))
        t.keys("NPage")
        t.wait_gone("more lines")
        self.assertEqual(shown(), before)

    def test_rings_picked_with_tab_then_the_oldest_again(self):
        t = self.operator()
        for n in (1, 2, 3):
            self.web.say(f"caller{n}", f"hi, this is caller{n}")
            t.wait_for(f"ring {n}")
        t.keys("Tab")
        t.keys("F2")
        t.wait_for("you have ring 2")
        t.keys("F2")
        t.wait_for("you have ring 1")
        t.keys("F2")
        t.wait_for("you have ring 3")

    def test_escape_then_a_digit_typed_slowly(self):
        t = self.operator()
        self.take_many(t, 4)
        for pane in (4, 2):
            t.keys("Escape")
            time.sleep(0.2)  # typed by hand, a fifth of a second apart
            t.keys(str(pane))
            self.marked(t, pane)
        self.assertEqual(t.screen().splitlines()[-1].rstrip(), ">")


if __name__ == "__main__":
    unittest.main()
