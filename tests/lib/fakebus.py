# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for nlchatd's service bus, for tests and the benchmark of nlchat-web: a
unix-socket server that records what the service writes and sends what it is told."""
import json
import queue
import socket
import threading
import time


class FakeBus:
    """A unix-socket server standing in for nlchatd's service bus: it records the lines
    nlchat-web writes and sends whatever the test writes."""

    def __init__(self, path):
        self.path = path
        self.lines = queue.Queue()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(4)
        self.conn = None
        self.connected = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.conn, _ = self.listener.accept()
        self.connected.set()
        buf = b""
        while True:
            try:
                chunk = self.conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.lines.put(json.loads(line))

    def expect(self, predicate, timeout=10, what="a bus line"):
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"timed out waiting for {what}; saw {seen[-5:]}")
            seen.append(line)
            if predicate(line):
                return line

    def send(self, **line):
        self.conn.sendall((json.dumps(line) + "\n").encode())

    def close(self):
        for s in (self.conn, self.listener):
            if s:
                s.close()
