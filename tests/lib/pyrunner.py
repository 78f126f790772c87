# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovers and runs the Python tests (files named test_*.py under tests/), prints
each test's outcome, and ends with "N passed, N failed" for tests/run-tests to add up.

A skipped test counts as failed: a skip would hide a missing dependency on a CI machine
that is meant to have everything. NLCHAT_PY_EXCLUDE (module names, comma-separated)
leaves whole modules out of a run, said on the first line and not counted.

Every test stops what it started (tests/lib/nltest.py registers each program for cleanup
the moment it starts). The runner checks it: every program started during the run
inherits a mark in its environment, and a program that still carries it once the tests
are over is named, killed, and counted as one failure.
"""
import os
import signal
import sys
import time
import traceback
import unittest

MARK = "NLCHAT_TEST_RUN"


class TimedResult(unittest.TextTestResult):
    """Keeps each test's wall time, so the run can say which tests take longest (the
    time budget in HACKING.md is planned from them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times = []

    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        self.times.append((time.monotonic() - self._started, test.id()))
        super().stopTest(test)


def marked_processes(token):
    """The live processes (not zombies) whose environment carries this run's mark, as
    (pid, command line)."""
    mark = f"{MARK}={token}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if mark not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        found.append((int(entry), command))
    return found


def left_running(token, grace=5):
    """Programs of this run still running `grace` seconds after the last test (a program
    told to stop may take a moment); they are killed. Returns their descriptions."""
    deadline = time.monotonic() + grace
    left = marked_processes(token)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = marked_processes(token)
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return [f"pid {pid}: {command}" for pid, command in left]


def main():
    root = sys.argv[1]
    token = f"{os.getpid()}-{time.time_ns()}"
    os.environ[MARK] = token
    exclude = {m for m in os.environ.get("NLCHAT_PY_EXCLUDE", "").split(",") if m}
    sys.path.insert(0, os.path.join(root, "lib"))
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    found = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "node_modules"]  # the browser tests' npm packages
        found.append((dirpath, files))
    modules = [name[:-3] for _, files in found for name in files if name.startswith("test_") and name.endswith(".py")]
    left_out = sorted(set(modules) & exclude)
    print(f"python modules: {len(modules) - len(left_out)} of {len(modules)} run" +
          (f" (left out: {', '.join(left_out)})" if left_out else " (none left out)"))
    for dirpath, files in sorted(found):
        for name in sorted(files):
            if name.startswith("test_") and name.endswith(".py") and name[:-3] not in exclude:
                sys.path.insert(0, dirpath)
                try:
                    module = __import__(name[:-3])
                    suite.addTests(loader.loadTestsFromModule(module))
                except Exception:  # a module that does not load is a failed test, not a crash
                    suite.addTest(unittest.FunctionTestCase(
                        lambda e=traceback.format_exc(): (_ for _ in ()).throw(ImportError(e)),
                        description=f"import {name}"))
                sys.path.pop(0)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, resultclass=TimedResult).run(suite)
    print("slowest tests:")
    for seconds, name in sorted(result.times, reverse=True)[:12]:
        print(f"  {seconds:6.1f} s  {name}")
    per_module = {}
    for seconds, name in result.times:
        module = name.split(".")[0]
        per_module[module] = per_module.get(module, 0) + seconds
    print("time per module: " + ", ".join(f"{m} {s:.0f} s" for s, m in
                                          sorted(((s, m) for m, s in per_module.items()), reverse=True)))
    failed = len(result.failures) + len(result.errors) + len(result.skipped) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed
    left = left_running(token)
    if left:
        print("FAIL: programs the tests started were still running after them (now killed):")
        for line in left:
            print("  " + line)
        failed += 1
    else:
        print("programs the tests started and left running: none")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
