# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers shared by the Python tests: where the built programs are, temporary
directories, and running a program with a time bound."""
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("NLCHAT_BIN", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("NLCHAT_BUILD", os.path.join(BIN, "build"))
# `make check SANITIZE=...` builds into build/san: programs there use more memory (ASan's
# red zones and quarantine), which tests that measure memory must allow for.
SANITIZED = os.path.basename(os.path.normpath(BUILD)) == "san"


def program(name):
    """Path of a built program (nlchat-packet, ...)."""
    return os.path.join(BIN, name)


def helper(name):
    """Path of a test helper built under build/tests/."""
    return os.path.join(BUILD, "tests", name)


def _restore_running(test):
    # A test may run another test case inside it (tests/lib/test_nltest.py does): when the
    # inner one ends, the outer one is the running test again.
    global _running
    _running = test


def run(args, input=b"", timeout=60):
    """Runs a program to completion (bounded in time) and returns the CompletedProcess."""
    return subprocess.run(args, input=input, capture_output=True, timeout=timeout)


# The test whose setUp, test or tearDown is running now (tests run one at a time). Every
# program a test starts through Process or Tmux is handed to its addCleanup the moment it
# starts: unittest runs cleanups even when setUp fails (and tearDown is then not called),
# so a fixture whose setup breaks halfway cannot leave its programs running.
_running = None


def _started(stop):
    """Registers `stop` (which must be harmless when the program has already been stopped)
    with the running test's cleanups."""
    if _running is not None:
        _running.addCleanup(stop)


class TempDirTest(unittest.TestCase):
    """A test case with a fresh temporary directory in self.dir. It is the base of every
    fixture that starts programs: those are stopped by its cleanups whatever happens
    (see _running), the directory removed after them."""

    def setUp(self):
        global _running
        self.addCleanup(_restore_running, _running)
        _running = self
        self.dir = tempfile.mkdtemp(prefix="nlchat-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def tearDown(self):
        pass

    def path(self, name):
        return os.path.join(self.dir, name)


import json
import queue
import re
import select
import shlex
import signal
import socket
import threading
import time


class LineReader:
    """Reads a pipe line by line on a thread, so tests can wait for a line with a
    deadline instead of sleeping."""

    def __init__(self, pipe):
        self.lines = queue.Queue()
        self.seen = []
        self.thread = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self.thread.start()

    def _run(self, pipe):
        for raw in iter(pipe.readline, b""):
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def drain(self, timeout=5):
        """Reads whatever is left once the process has ended (into self.seen)."""
        self.thread.join(timeout)
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return
            if line is not None:
                self.seen.append(line)

    def next(self, timeout):
        """The next line, or None at end of stream; raises TimeoutError."""
        try:
            line = self.lines.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise TimeoutError("no line within the time allowed")
        if line is not None:
            self.seen.append(line)
        return line

    def wait_for(self, predicate, timeout, what="a matching line"):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.next(left)
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; saw: {self.seen[-8:]}")
            if line is None:
                raise AssertionError(f"stream ended while waiting for {what}; saw: {self.seen[-8:]}")
            if predicate(line):
                return line


class Process:
    """A program under test, with its stdout read line by line and its stderr kept."""

    def __init__(self, args, env=None, preexec_fn=None):
        self.args = args
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, preexec_fn=preexec_fn)
        _started(self.stop)
        self.out = LineReader(self.proc.stdout)
        self.err = LineReader(self.proc.stderr)

    def write(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Ends the process (signal, then kill after `timeout`) and returns its status."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        self.out.drain()
        self.err.drain()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass
        return self.proc.returncode


# Short timers so tests run in seconds; -v so tests can wait for debug log lines.
FAST_TIMERS = ["--probe-after", "0.5", "--probe-timeout", "0.5", "--grace", "3", "--ring-timeout", "2", "-v"]


class Nlchatd(Process):
    """The real nlchatd on a loopback port the OS picks."""

    def __init__(self, workdir, authorized=None, allow_any=False, extra=(), key=None, preexec_fn=None):
        self.workdir = workdir
        self.socket = os.path.join(workdir, "bus.sock")
        self.key = key or os.path.join(workdir, "server.key")
        args = [program("nlchatd"), "--listen", "127.0.0.1:0", "--key", self.key,
                "--service-socket", self.socket] + list(extra)
        if allow_any:
            args.append("--allow-any-key")
        if authorized is not None:
            self.authorized = os.path.join(workdir, "authorized_keys")
            with open(self.authorized, "w") as f:
                f.write("".join(fp + " test operator\n" for fp in authorized))
            args += ["--authorized-keys", self.authorized]
        super().__init__(args, preexec_fn=preexec_fn)
        line = self.err.wait_for(lambda l: "listening on" in l, 20, "nlchatd to listen")
        self.address = line.rsplit("listening on ", 1)[1].strip()
        self.err.wait_for(lambda l: "service bus on" in l, 10, "the service bus")

    def wait_log(self, text, timeout=10):
        return self.err.wait_for(lambda l: text in l, timeout, repr(text) + " in nlchatd's log")

    def saw(self, text, timeout=10):
        """Like wait_log, but a line already read by an earlier wait counts too."""
        for line in self.err.seen:
            if text in line:
                return line
        return self.wait_log(text, timeout)


class Operator(Process):
    """A test operator (tests/helpers/test_operator.cpp) connected to nlchatd."""

    def __init__(self, server, key, uuid, *flags):
        self.uuid = uuid
        super().__init__([helper("test-operator"), "--server", server.address, "--key", key, "--uuid", uuid] +
                         list(flags))

    def next_event(self, predicate, timeout=10, what="an event"):
        line = self.out.wait_for(lambda l: predicate(json.loads(l)), timeout, what)
        return json.loads(line)

    def recv(self, type_, timeout=10, **fields):
        """Waits for an inner command of `type_` whose fields include `fields`."""
        def match(e):
            r = e.get("recv")
            return r is not None and r.get("type") == type_ and all(r.get(k) == v for k, v in fields.items())
        return self.next_event(match, timeout, f"{type_} {fields or ''} at {self.uuid}")["recv"]

    def plain(self, type_, timeout=10):
        """Waits for an unencrypted line of `type_` (server_online, or a refusal of a key
        the server does not know)."""
        def match(e):
            return e.get("plain", {}).get("type") == type_
        return self.next_event(match, timeout, f"plaintext {type_} at {self.uuid}")["plain"]

    def closed(self, timeout=10):
        return self.next_event(lambda e: e.get("event") == "closed", timeout, f"{self.uuid}'s connection to close")

    def joined(self, timeout=10):
        return self.recv("status", timeout)

    def send(self, **command):
        command.setdefault("UUID", self.uuid)
        self.write(json.dumps(command))

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.write("quit")
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        return self.stop()


class Caller(Process):
    """nlchat-caller on the server's bus, as service `name`."""

    def __init__(self, server, name="Web", *flags):
        super().__init__([program("nlchat-caller"), "--socket", server.socket, "--service", name] + list(flags))

    def say(self, address, text):
        self.write(f"{address}: {text}")

    def expect(self, line, timeout=10):
        return self.out.wait_for(lambda l: l == line, timeout, repr(line))

    def expect_match(self, pattern, timeout=10):
        return self.out.wait_for(lambda l: re.search(pattern, l), timeout, repr(pattern))


class BusService:
    """A service on nlchatd's bus written here, byte by byte, where a test must see the
    acknowledgements themselves (nlchat-caller keeps them to itself). It says it does
    acks, answers probes and acknowledges nlchatd's msgs from a thread of its own, and
    queues every other line for the test."""

    def __init__(self, server, name="Raw"):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(server.socket)
        self.lines = queue.Queue()
        self.send(type="service_online", service=name, acks=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.expect(lambda l: l.get("type") == "welcome" and l.get("acks") is True, what="the welcome")

    def send(self, **fields):
        self.sock.sendall((json.dumps(fields) + "\n").encode())

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = json.loads(raw)
                if line.get("type") == "probe":
                    self.send(type="probeACK")
                    continue
                if line.get("type") == "msg" and "id" in line:
                    self.send(type="ack", id=line["id"])
                self.lines.put(line)

    def expect(self, predicate, timeout=10, what="a line"):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what} on the bus")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if predicate(line):
                return line

    def ack(self, id_, timeout=10):
        return self.expect(lambda l: l.get("type") == "ack" and l.get("id") == id_, timeout, f"the ack of {id_}")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def make_key(path):
    """A fresh operator key pair made with nlchat-packet; returns its fingerprint."""
    r = run([program("nlchat-packet"), "keygen", "--out", path])
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().strip()


class Tmux:
    """The real nlchat in a detached tmux session of 100x30 (its own tmux server, by
    socket name, so tests never touch a user's tmux)."""

    started = 0

    def __init__(self, name, command, env, width=100, height=30, unset=()):
        # A new socket (and so sanitizer log) name for every instance: a program from an
        # earlier test that is still exiting cannot write into this test's files.
        Tmux.started += 1
        self.socket = f"nlchat-test-{os.getpid()}-{Tmux.started}-{name}"
        self.name = name
        # Under a sanitizer build, reports go to files (a report on the tmux screen would
        # go unseen); kill() returns them so the test can fail on them.
        self.sanitizer_log = os.path.join(tempfile.gettempdir(), f"{self.socket}-san")
        env = dict(env)
        for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if var in os.environ:
                extra = "" if var == "LSAN_OPTIONS" else f":log_path={self.sanitizer_log}"
                env[var] = os.environ[var] + extra
        # The program runs as a child of the pane's shell (the trailing "; exit" keeps
        # the shell from exec'ing it): tmux resumes a pane process that stops, so only a
        # grandchild can be frozen with SIGSTOP, as the tests need.
        # The shell writes the program's exit status (128 + N for a death by signal N)
        # where exit_status() reads it.
        self.status_file = os.path.join(tempfile.gettempdir(), f"{self.socket}-status")
        # `unset` names variables the program must not inherit from tmux's environment.
        line = "env " + "".join(f"-u {shlex.quote(u)} " for u in unset) + \
            " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " " + \
            " ".join(shlex.quote(c) for c in command) + f"; echo $? >{shlex.quote(self.status_file)}; exit"
        self.killed = False
        _started(self._cleanup)
        subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-x", str(width), "-y", str(height),
                        "-s", name, line], check=True, timeout=10)

    def _cleanup(self):
        # After a fixture's own tearDown this has nothing left to do; after a setUp that
        # failed it ends the program and its tmux server, and fails on a sanitizer report.
        if not self.killed:
            reports = self.kill()
            if reports:
                raise AssertionError("sanitizer reports from nlchat:\n" + "\n".join(reports))

    def screen(self):
        r = subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p", "-t", self.name],
                           capture_output=True, timeout=10)
        return r.stdout.decode("utf-8", "replace")

    def screen_with_attributes(self):
        """The screen with its escape sequences (capture-pane -e): colours, reverse video,
        and the terminal's line-drawing mode (SO ... SI) as the program asked for them."""
        r = subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p", "-e", "-t", self.name],
                           capture_output=True, timeout=10)
        return r.stdout.decode("utf-8", "replace")

    def keys(self, *keys):
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", self.name] + list(keys), check=True, timeout=10)

    def type(self, text):
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", self.name, "-l", text], check=True, timeout=10)

    def resize(self, width, height):
        subprocess.run(["tmux", "-L", self.socket, "resize-window", "-t", self.name, "-x", str(width), "-y",
                        str(height)], check=True, timeout=10)

    def wait_for(self, text, timeout=15):
        """Waits until `text` is on screen; returns the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear within {timeout}s; screen:\n{screen}")

    def wait_gone(self, text, timeout=15):
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} still on screen after {timeout}s:\n{screen}")

    def pid(self):
        """The program's pid (the pane shell's child)."""
        r = subprocess.run(["tmux", "-L", self.socket, "display-message", "-p", "-t", self.name, "#{pane_pid}"],
                           capture_output=True, timeout=10)
        shell = r.stdout.decode().strip()
        child = subprocess.run(["pgrep", "-P", shell], capture_output=True, timeout=10).stdout.decode().split()
        return int(child[0]) if child else int(shell or 0)

    def exit_status(self, timeout=10):
        """The program's exit status once it has ended (None if it has not within `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.status_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    return int(text)
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        return None

    def alive(self):
        r = subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", self.name], capture_output=True,
                           timeout=10)
        return r.returncode == 0

    def kill(self, timeout=20):
        """Hangs up on the program (SIGHUP, as when an operator's SSH drops), waits for it
        to exit, ends the tmux server, and returns any sanitizer reports the program wrote,
        or a line saying it did not exit (it is then killed)."""
        # The hangup goes to the program alone and the tmux server is ended only after the
        # program is gone: ending it first also sends a SIGCONT (the pane's process group
        # is orphaned), and a SIGCONT during LeakSanitizer's exit check discards the
        # SIGSTOP that check waits for, which hangs the program for good.
        self.killed = True
        problems = []
        pid = self.pid() if self.alive() else 0
        try:
            pidfd = os.pidfd_open(pid) if pid else None
        except ProcessLookupError:
            pidfd = None
        if pidfd is not None:
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGHUP)
                if not select.select([pidfd], [], [], timeout)[0]:
                    problems.append(f"the program (pid {pid}) did not exit within {timeout} s of a SIGHUP; killed")
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            finally:
                os.close(pidfd)
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)
        if os.path.exists(self.status_file):
            os.unlink(self.status_file)
        reports = problems
        directory = os.path.dirname(self.sanitizer_log)
        for name in os.listdir(directory):
            if name.startswith(os.path.basename(self.sanitizer_log)):
                path = os.path.join(directory, name)
                with open(path, errors="replace") as f:
                    reports.append(f.read())
                os.unlink(path)
        return reports


def nlchat_in_tmux(name, server, config_home, *args, width=100, height=30):
    """nlchat connected to `server`, with its files under `config_home`."""
    return Tmux(name, [program("nlchat"), "--server", server.address] + list(args),
                {"XDG_CONFIG_HOME": config_home, "TERM": "xterm-256color", "LANG": "C.UTF-8"}, width, height)


class SystemTest(TempDirTest):
    """A test that starts programs and tmux servers; all are stopped afterwards."""

    def setUp(self):
        super().setUp()
        self.procs, self.tmuxes = [], []

    def tearDown(self):
        reports = []
        for t in self.tmuxes:
            reports += t.kill()
        for p in reversed(self.procs):
            p.stop()
        super().tearDown()
        self.assertEqual(reports, [], "sanitizer reports from nlchat")

    def caller(self, server, name="Web", *flags):
        """nlchat-caller on `server`'s bus, online."""
        c = Caller(server, name, *flags)
        self.procs.append(c)
        server.wait_log(f"service {name} online")
        return c


class NlchatWeb(Process):
    """The real nlchat-web on a loopback port the OS picks, on `server`'s bus."""

    def __init__(self, server, *extra, socket_path=None, verbose=True):
        self.socket = socket_path or server.socket
        super().__init__([program("nlchat-web"), "--listen", "127.0.0.1:0", "--socket", self.socket] +
                         (["-v"] if verbose else []) + list(extra))
        line = self.err.wait_for(lambda l: "listening on" in l, 20, "nlchat-web to listen")
        self.address = line.rsplit("listening on ", 1)[1].strip()
        self.url = f"http://{self.address}/"

    def wait_log(self, text, timeout=10):
        return self.err.wait_for(lambda l: text in l, timeout, repr(text) + " in nlchat-web's log")

    def stop_checked(self, test):
        """Stops it with SIGTERM and fails `test` unless it exited 0 with no sanitizer
        report (under SANITIZE=, a leak or UB shows only in its stderr and status)."""
        was_running = self.proc.poll() is None
        status = self.stop()
        reports = [l for l in self.err.seen if "Sanitizer" in l or "runtime error" in l]
        test.assertEqual(reports, [], "nlchat-web's sanitizer report:\n" + "\n".join(self.err.seen[-40:]))
        if was_running:
            test.assertEqual(status, 0, "nlchat-web's exit status; its log:\n" + "\n".join(self.err.seen[-20:]))


WEB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web")


class Browser(Process):
    """Debian's chromium, headless, driven through tests/web/browser.mjs (Playwright)."""

    def __init__(self):
        if not os.path.isdir(os.path.join(WEB_DIR, "node_modules", "playwright-core")):
            raise AssertionError("playwright-core is not installed: run tools/install-deps (it runs npm ci in tests/web)")
        if not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
            raise AssertionError("chromium is not installed: run tools/install-deps")
        super().__init__(["node", os.path.join(WEB_DIR, "browser.mjs")])

    def do(self, op, timeout=30, **args):
        args["op"] = op
        self.write(json.dumps(args))
        answer = json.loads(self.out.wait_for(lambda l: l.startswith("{"), timeout, f"the browser to {op}"))
        if not answer["ok"]:
            raise AssertionError(f"browser {op} {args}: {answer['error']}")
        return answer["value"]

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.write(json.dumps({"op": "quit"}))
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        return self.stop(signal.SIGKILL)


def stop_processes(test, procs):
    """Stops test processes, newest first: operators with SIGKILL (they would otherwise
    say goodbye), nlchat-web checked for a clean exit, the rest with SIGTERM."""
    failure = None
    for p in reversed(procs):
        try:
            if isinstance(p, NlchatWeb):
                p.stop_checked(test)
            elif isinstance(p, Browser):
                p.quit()
            else:
                p.stop(signal.SIGKILL if isinstance(p, Operator) else signal.SIGTERM)
        except AssertionError as e:  # report it, but only once every process is stopped
            failure = failure or e
    if failure:
        raise failure
