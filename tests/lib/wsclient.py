# SPDX-License-Identifier: GPL-3.0-or-later
"""A small WebSocket client (RFC 6455) on the standard library, for the functional tests
of nlchat-web without a browser. It speaks the protocol plainly and can also break it on
purpose (raw bytes, unmasked or oversized frames, stopping reading)."""
import base64
import json
import os
import socket
import struct
import time


class Closed(Exception):
    """The server closed the connection; `code` is its close code (None if none)."""

    def __init__(self, code=None, reason=""):
        super().__init__(f"closed ({code}) {reason}")
        self.code = code
        self.reason = reason


def http_get(address, path, headers=None, timeout=10):
    """A plain GET; returns (status, headers as a lowercase dict, body bytes)."""
    import http.client
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    out = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, out, body


def tls_context():
    """TLS that trusts any certificate: the tests' proxies use self-signed ones."""
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class WebSocket:
    def __init__(self, address, path="/chat", protocol="nlchat", headers=None, timeout=10, tls=False,
                 source=None):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        if tls:
            self.sock = tls_context().wrap_socket(self.sock, server_hostname=host.strip("[]"))
        scheme = "https" if tls else "http"
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {address}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", f"Origin: {scheme}://{address}"]
        if protocol:
            lines.append(f"Sec-WebSocket-Protocol: {protocol}")
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed(None, "closed during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status_line = head.split(b"\r\n", 1)[0].decode()
        if " 101 " not in self.status_line + " ":
            raise Closed(None, "handshake refused: " + self.status_line)

    # --- writing ---
    def send_frame(self, opcode, payload, fin=True, mask=True, length_override=None):
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload) if length_override is None else length_override
        mbit = 0x80 if mask else 0
        if n < 126:
            header += bytes([mbit | n])
        elif n < 65536:
            header += bytes([mbit | 126]) + struct.pack(">H", n)
        else:
            header += bytes([mbit | 127]) + struct.pack(">Q", n)
        if mask:
            m = os.urandom(4)
            payload = bytes(b ^ m[i % 4] for i, b in enumerate(payload))
            header += m
        self.sock.sendall(header + payload)

    def send_text(self, text):
        self.send_frame(0x1, text.encode())

    def send(self, **obj):
        self.send_text(json.dumps(obj))

    def send_raw(self, data):
        self.sock.sendall(data)

    # --- reading ---
    def _read(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no frame within the time allowed")
            except ConnectionResetError:
                raise Closed(None, "reset")
            if not chunk:
                raise Closed(None, "connection ended")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self, timeout=10):
        """Returns (opcode, payload) of the next data frame; answers pings; raises Closed."""
        deadline = time.monotonic() + timeout
        message, first_op = b"", None
        while True:
            b0, b1 = self._read(2, deadline)
            op, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2, deadline))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8, deadline))[0]
            payload = self._read(n, deadline)
            if op == 0x8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code, payload[2:].decode("utf-8", "replace"))
            if op == 0x9:
                self.send_frame(0xA, payload)
                continue
            if op == 0xA:
                continue
            if first_op is None:
                first_op = op
            message += payload
            if b0 & 0x80:
                return first_op, message

    def recv(self, timeout=10):
        op, payload = self.recv_frame(timeout)
        return json.loads(payload.decode())

    def expect(self, t, timeout=10, **fields):
        """Reads frames until one of type `t` with `fields`; returns it (others are kept in .seen)."""
        deadline = time.monotonic() + timeout
        self.seen = getattr(self, "seen", [])
        while True:
            f = self.recv(max(0.01, deadline - time.monotonic()))
            self.seen.append(f)
            if f.get("t") == t and all(f.get(k) == v for k, v in fields.items()):
                return f

    def closed(self, timeout=10):
        """Reads until the server closes; returns the close code."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.recv_frame(max(0.01, deadline - time.monotonic()))
        except Closed as c:
            return c.code

    def close(self):
        try:
            self.send_frame(0x8, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()
