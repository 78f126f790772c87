"""Helpers shared by the Python tests: where the built programs are, temporary
directories, and running a program with a time bound."""
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("NLCHAT_BIN", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("NLCHAT_BUILD", os.path.join(BIN, "build"))


def program(name):
    """Path of a built program (nlchat-packet, ...)."""
    return os.path.join(BIN, name)


def helper(name):
    """Path of a test helper built under build/tests/."""
    return os.path.join(BUILD, "tests", name)


def run(args, input=b"", timeout=60):
    """Runs a program to completion (bounded in time) and returns the CompletedProcess."""
    return subprocess.run(args, input=input, capture_output=True, timeout=timeout)


class TempDirTest(unittest.TestCase):
    """A test case with a fresh temporary directory in self.dir."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nlchat-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)
