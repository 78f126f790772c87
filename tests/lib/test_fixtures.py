# SPDX-License-Identifier: GPL-3.0-or-later
"""The test fixtures stop what they started even when their own setup fails halfway
(unittest does not call tearDown after a failed setUp; nltest registers every program
for cleanup the moment it starts). Each test here runs a fixture whose setUp fails on
purpose after starting programs, and checks that every one of them is gone after."""
import os
import subprocess
import sys
import tempfile
import unittest

import nltest
from nltest import Caller, Nlchatd, SystemTest, TempDirTest, nlchat_in_tmux

WEB_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web")


def gone(pid):
    """True once `pid` has ended and been reaped (or is a zombie nobody will run again)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except FileNotFoundError:
        return True


def run_case(case):
    """Runs one test case inside this test; returns the tracebacks of its failures and
    errors (an assertion in setUp is a failure, any other exception an error)."""
    result = unittest.TestResult()
    case.run(result)
    return [text for _, text in result.failures + result.errors]


class SetupFails(TempDirTest):
    def test_programs_and_tmux_started_by_a_failed_setup_are_stopped(self):
        started = {}

        class Broken(SystemTest):
            def setUp(self):
                super().setUp()
                server = Nlchatd(self.dir, allow_any=True)
                started["nlchatd"] = server.proc.pid
                started["caller"] = Caller(server).proc.pid
                t = nlchat_in_tmux("op", server, self.path("home"))
                t.wait_for("Trust it? y/n")
                started["nlchat"] = t.pid()
                started["tmux"] = t.socket
                started["dir"] = self.dir
                # Not in self.procs or self.tmuxes, and tearDown will not run: only the
                # cleanups registered when each program started can stop them.
                raise RuntimeError("the setup breaks here on purpose")

            def test_nothing(self):
                pass

        problems = run_case(Broken("test_nothing"))
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("the setup breaks here on purpose", problems[0])
        self.assertEqual(sorted(started), ["caller", "dir", "nlchat", "nlchatd", "tmux"])
        for name in ("nlchatd", "caller", "nlchat"):
            self.assertTrue(gone(started[name]), f"{name} (pid {started[name]}) still running")
        r = subprocess.run(["tmux", "-L", started["tmux"], "has-session"], capture_output=True, timeout=10)
        self.assertNotEqual(r.returncode, 0, "the tmux server is still running")
        self.assertFalse(os.path.exists(started["dir"]), "the test's directory is still there")

    def test_a_browser_test_without_its_npm_packages_leaves_nothing_running(self):
        # The case seen in a clone that skipped tools/install-deps: BrowserTest.setUp starts
        # nlchatd, nlchat-web and an operator, then finds no playwright-core.
        sys.path.insert(0, WEB_TESTS)
        try:
            from test_nlchat_web_browser import BrowserTest
        finally:
            sys.path.remove(WEB_TESTS)

        class NoPackages(BrowserTest):
            def test_nothing(self):
                pass

        empty = tempfile.mkdtemp(prefix="nlchat-test-web-")
        self.addCleanup(os.rmdir, empty)
        saved, nltest.WEB_DIR = nltest.WEB_DIR, empty
        try:
            case = NoPackages("test_nothing")
            problems = run_case(case)
        finally:
            nltest.WEB_DIR = saved
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("playwright-core is not installed", problems[0])
        names = [os.path.basename(p.args[0]) for p in case.procs]
        self.assertEqual(names, ["nlchatd", "nlchat-web", "test-operator"])
        for p in case.procs:
            self.assertTrue(gone(p.proc.pid), f"{p.args[0]} (pid {p.proc.pid}) still running")


if __name__ == "__main__":
    unittest.main()
