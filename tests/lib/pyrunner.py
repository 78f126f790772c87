# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovers and runs the Python tests (files named test_*.py under tests/), prints
each test's outcome, and ends with "N passed, N failed" for tests/run-tests to add up.

A skipped test counts as failed: a skip would hide a missing dependency on a CI machine
that is meant to have everything. NLCHAT_PY_EXCLUDE (module names, comma-separated)
leaves whole modules out of a run, said on the first line and not counted.

Modules run NLCHAT_PY_JOBS at a time (2 unless set), each in one of as many worker
processes, the longest first (by the times of the last run, kept in the build
directory). The tests spend most of their time waiting for programs, so two at a time
take little more than half as long; they share nothing (each has its own directory,
ports the OS picks, and tmux servers named by their worker's pid). A module's output is
printed whole when it ends.

Every test stops what it started (tests/lib/nltest.py registers each program for cleanup
the moment it starts). The runner checks it: every program started during the run
inherits a mark in its environment, and a program that still carries it once the tests
are over is named, killed, and counted as one failure.
"""
import contextlib
import io
import json
import os
import selectors
import signal
import subprocess
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


def run_module(root, path):
    """Imports one test module and runs its tests; returns what the parent needs."""
    dirpath, name = os.path.split(path)
    loader = unittest.TestLoader()
    sys.path.insert(0, dirpath)
    try:
        suite = loader.loadTestsFromModule(__import__(name[:-3]))
    except Exception:  # a module that does not load is a failed test, not a crash
        suite = unittest.FunctionTestCase(lambda e=traceback.format_exc(): (_ for _ in ()).throw(ImportError(e)),
                                          description=f"import {name}")
    finally:
        sys.path.pop(0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # what tests print goes with their module's output
        result = unittest.TextTestRunner(verbosity=2, stream=out, resultclass=TimedResult).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.skipped) + len(result.unexpectedSuccesses)
    return {"module": name[:-3], "output": out.getvalue(), "run": result.testsRun, "failed": failed,
            "times": result.times}


def worker(root, reply_fd):
    """Runs the modules the parent names on standard input, one a line, and answers each
    with a line of JSON on `reply_fd` (standard output stays the tests' and their
    programs', so a stray line from one cannot break the answers)."""
    sys.path.insert(0, os.path.join(root, "lib"))
    replies = os.fdopen(reply_fd, "w")
    for line in sys.stdin:
        replies.write(json.dumps(run_module(root, line.strip())) + "\n")
        replies.flush()
    return 0


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


def run_all(root, paths, jobs):
    """Runs the modules `jobs` at a time in worker processes; yields each one's result as
    it ends."""
    queue = list(paths)
    workers = []
    running = {}  # worker -> the module it runs
    selector = selectors.DefaultSelector()
    for _ in range(min(jobs, len(queue))):
        reply_read, reply_write = os.pipe()
        proc = subprocess.Popen([sys.executable, __file__, "--worker", root, str(reply_write)], stdin=subprocess.PIPE,
                                text=True, pass_fds=(reply_write,))
        os.close(reply_write)
        replies = os.fdopen(reply_read)
        workers.append(proc)
        selector.register(replies, selectors.EVENT_READ, proc)
        running[proc] = queue.pop(0)
        proc.stdin.write(running[proc] + "\n")
        proc.stdin.flush()
    busy = len(workers)
    while busy:
        for key, _ in selector.select():
            line = key.fileobj.readline()
            proc = key.data
            if not line:  # the worker died: its module counts as a failure
                selector.unregister(key.fileobj)
                busy -= 1
                yield {"module": os.path.basename(running[proc])[:-3], "run": 1, "failed": 1, "times": [],
                       "output": f"its test worker ended with status {proc.wait()} while running it\n"}
                continue
            yield json.loads(line)
            if queue:
                running[proc] = queue.pop(0)
                proc.stdin.write(running[proc] + "\n")
                proc.stdin.flush()
            else:
                proc.stdin.close()
                selector.unregister(key.fileobj)
                key.fileobj.close()
                busy -= 1
    for proc in workers:
        proc.wait()
    for path in queue:  # every worker died before these could run
        yield {"module": os.path.basename(path)[:-3], "output": "not run: no test worker was left\n", "run": 1,
               "failed": 1, "times": []}


def main():
    if sys.argv[1] == "--worker":
        return worker(sys.argv[2], int(sys.argv[3]))
    root = sys.argv[1]
    token = f"{os.getpid()}-{time.time_ns()}"
    os.environ[MARK] = token
    exclude = {m for m in os.environ.get("NLCHAT_PY_EXCLUDE", "").split(",") if m}
    jobs = max(1, int(os.environ.get("NLCHAT_PY_JOBS", "2")))
    paths = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "node_modules"]  # the browser tests' npm packages
        paths += [os.path.join(dirpath, n) for n in files if n.startswith("test_") and n.endswith(".py")]
    left_out = sorted(os.path.basename(p)[:-3] for p in paths if os.path.basename(p)[:-3] in exclude)
    print(f"python modules: {len(paths) - len(left_out)} of {len(paths)} run" +
          (f" (left out: {', '.join(left_out)})" if left_out else " (none left out)") + f", {jobs} at a time")
    paths = [p for p in paths if os.path.basename(p)[:-3] not in exclude]
    # The longest first, by the last run's times (or, the first time, by size), so that
    # no long module starts last while the other workers have nothing left.
    times_file = os.path.join(os.environ.get("NLCHAT_BUILD", root), "python-module-times.json")
    try:
        with open(times_file) as f:
            last = json.load(f)
    except (OSError, ValueError):
        last = {}
    paths.sort(key=lambda p: (last.get(os.path.basename(p)[:-3], 0), os.path.getsize(p)), reverse=True)

    started = time.monotonic()
    run = failed = 0
    times, per_module = [], {}
    for r in run_all(root, paths, jobs):
        sys.stdout.write(f"---- {r['module']}\n" + r["output"])
        sys.stdout.flush()
        run += r["run"]
        failed += r["failed"]
        times += r["times"]
        per_module[r["module"]] = sum(s for s, _ in r["times"])
    print(f"Ran {run} tests in {time.monotonic() - started:.1f} s, {jobs} modules at a time")
    print("slowest tests:")
    for seconds, name in sorted(times, reverse=True)[:12]:
        print(f"  {seconds:6.1f} s  {name}")
    print("time per module: " + ", ".join(f"{m} {s:.0f} s" for m, s in
                                          sorted(per_module.items(), key=lambda i: i[1], reverse=True)))
    try:
        with open(times_file, "w") as f:
            json.dump(dict(last, **per_module), f)
    except OSError:
        pass
    passed = run - failed
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
