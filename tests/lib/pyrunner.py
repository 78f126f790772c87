# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovers and runs the Python tests (files named test_*.py under tests/), prints
each test's outcome, and ends with "N passed, N failed" for tests/run-tests to add up.

A skipped test counts as failed: a skip would hide a missing dependency on a CI machine
that is meant to have everything. NLCHAT_PY_EXCLUDE (module names, comma-separated)
leaves whole modules out of a run, said on the first line and not counted: the Makefile
uses it for the sanitizer pass, and says why.
"""
import os
import sys
import time
import traceback
import unittest


class TimedResult(unittest.TextTestResult):
    """Keeps each test's wall time, so the run can say which tests take longest (the
    30-minute budget of .ci/run is planned from them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times = []

    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        self.times.append((time.monotonic() - self._started, test.id()))
        super().stopTest(test)


def main():
    root = sys.argv[1]
    exclude = {m for m in os.environ.get("NLCHAT_PY_EXCLUDE", "").split(",") if m}
    if exclude:
        print("not run in this pass (see the Makefile's check target): " + ", ".join(sorted(exclude)))
    sys.path.insert(0, os.path.join(root, "lib"))
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    found = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "node_modules"]  # the browser tests' npm packages
        found.append((dirpath, files))
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
    failed = len(result.failures) + len(result.errors) + len(result.skipped) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
