# SPDX-License-Identifier: GPL-3.0-or-later
"""A TCP relay for tests that must cut a connection the way a network would (a train
tunnel, a laptop lid): drop() cuts every connection, and while `down` new ones are closed
at once. `target` may be changed to send new connections elsewhere."""
import socket
import threading


class Relay:
    """Forwards TCP connections to `target`; drop() cuts every one, and while `down`
    new ones are closed at once."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.pairs = []
        self.down = False
        self.lines_to_clients = 0  # newline-ended lines passed from the target to clients
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            host, port = self.target.rsplit(":", 1)
            try:
                upstream = socket.create_connection((host, int(port)))
            except OSError:  # the target is gone (a test ending): as a network would, refuse
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b, down in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(target=self._pipe, args=(a, b, down), daemon=True).start()

    def _pipe(self, a, b, downstream):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
                if downstream:
                    with self.lock:
                        self.lines_to_clients += data.count(b"\n")
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop(self):
        with self.lock:
            for pair in self.pairs:
                for s in pair:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
            self.pairs = []

    def close(self):
        self.listener.close()
        self.drop()
