# SPDX-License-Identifier: GPL-3.0-or-later
"""nlchat-caller as a user meets it: options, errors, and the line formats (the
server-side behaviour is covered in tests/server/test_nlchatd.py)."""
import unittest

from nltest import FAST_TIMERS, Caller, Nlchatd, TempDirTest, program, run


class CallerTool(TempDirTest):
    def test_help_and_version(self):
        r = run([program("nlchat-caller"), "--help"])
        self.assertEqual(r.returncode, 0)
        for part in ("ADDRESS: text", "/state", "/leave", "/status", "--socket", "--service"):
            self.assertIn(part, r.stdout.decode())
        self.assertRegex(run([program("nlchat-caller"), "--version"]).stdout.decode(), r"^nlchat-caller \d")

    def test_bad_option_and_missing_socket(self):
        r = run([program("nlchat-caller"), "--colour"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"'--colour' is not known", r.stderr)
        r = run([program("nlchat-caller"), "--socket", self.path("nothing.sock")], input=b"a: hi\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"cannot reach nlchatd at '{self.path('nothing.sock')}'".encode(), r.stderr)

    def test_lines_it_does_not_understand_are_reported(self):
        server = Nlchatd(self.dir, allow_any=True, extra=FAST_TIMERS)
        caller = Caller(server, "Web")
        try:
            server.wait_log("service Web online")
            for line in ("no separator here", "/state onlyaddress", "/frobnicate x", ": empty address"):
                caller.write(line)
            for _ in range(4):
                caller.err.wait_for(lambda l: "nlchat-caller:" in l, 10, "a complaint")
            caller.say("alex", "hello")
            caller.expect("alex: Sorry, no listeners are available at the moment. Please try again later.")
        finally:
            caller.stop()
            server.stop()

    def test_redial_rides_out_a_server_restart_and_delivers_what_waited(self):
        server = Nlchatd(self.dir, allow_any=True, extra=FAST_TIMERS)
        caller = Caller(server, "Web", "--redial")
        try:
            server.wait_log("service Web online (with acknowledgements)")
            server.stop()
            caller.err.wait_for(lambda l: "the bus connection ended" in l and "dialling again" in l, 10, "the loss")
            # A line typed while the bus is down is held, and said to be: never as if sent.
            caller.say("alex", "while you were away")
            caller.err.wait_for(
                lambda l: l == "nlchat-caller: the bus is down; held until it is back: alex: while you were away",
                10, "the line said held")
            server = Nlchatd(self.dir, allow_any=True, extra=FAST_TIMERS)
            server.wait_log("service Web online", timeout=15)
            # It arrives once the bus is back: nlchatd answers it (nobody is on shift).
            caller.expect("alex: Sorry, no listeners are available at the moment. Please try again later.")
            caller.say("sam", "hello again")
            caller.expect("sam: Sorry, no listeners are available at the moment. Please try again later.")
            caller.proc.stdin.close()  # the end of input ends it, dialling or not
            self.assertEqual(caller.proc.wait(timeout=10), 0)
        finally:
            caller.stop()
            server.stop()

    def test_without_redial_a_lost_bus_ends_it(self):
        server = Nlchatd(self.dir, allow_any=True, extra=FAST_TIMERS)
        caller = Caller(server, "Web")
        try:
            server.wait_log("service Web online")
            server.stop()
            # Closed, or reset when nlchatd closed with a line of the caller's unread (an
            # acknowledgement on its way): a race the test does not choose, the loss either way.
            caller.err.wait_for(lambda l: l in ("nlchat-caller: the bus connection ended: connection closed by peer",
                                                "nlchat-caller: the bus connection ended: connection error: "
                                                "connection reset by peer"), 10, "the loss")
            self.assertEqual(caller.proc.wait(timeout=10), 1)
        finally:
            caller.stop()
            server.stop()


if __name__ == "__main__":
    unittest.main()
