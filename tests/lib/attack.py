# SPDX-License-Identifier: GPL-3.0-or-later
"""An attacker's tools against nlchatd's operator port, shared by the hardening tests
(tests/server/test_nlchatd_hardening.py) and the attack benchmark (bench/attack_bench.py):
keys with absurd exponents, junk packets of right-sized blocks, crowds of connections
from many loopback addresses, and a measure of what a joined operator feels meanwhile.

Every connection is to 127.0.0.1 from a source address in 127.0.0.0/8 (all of it is
loopback on Linux), so that per-address limits can be tried with many "addresses"."""
import base64
import json
import os
import resource
import socket
import threading
import time

from Cryptodome.Cipher import PKCS1_OAEP
from Cryptodome.PublicKey import RSA
from Cryptodome.Util.asn1 import DerSequence


def loopback(i):
    """The i-th attacker address: 127.1.x.y, never 127.0.0.1 (the operators' own)."""
    return f"127.1.{(i // 250) % 250}.{i % 250 + 1}"


def raise_fd_limit(want):
    """Raises this process's soft limit on open files to `want` (at most the hard limit);
    returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connect(address, source="127.0.0.1", timeout=5):
    host, port = address.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect((host, int(port)))
    return s


def read_line(sock, limit=65536):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
        if len(data) > limit:
            raise ConnectionError("line too long")
    return data


def server_key(address):
    """The server's public key, from its server_online line."""
    with connect(address) as s:
        online = json.loads(read_line(s))
    return RSA.import_key(online["key"])


def seal(inner, pub, uuid, to="alice"):
    """A raw packet line (with its newline) carrying `inner` (bytes) to `pub`'s owner."""
    k = pub.size_in_bytes()
    cipher = PKCS1_OAEP.new(pub)
    blocks = [base64.b64encode(cipher.encrypt(inner[i:i + k - 42])).decode() for i in range(0, len(inner), k - 42)]
    return json.dumps({"messages": blocks, "UUID": uuid, "to": to}).encode() + b"\n"


def junk_packet(pub, blocks, uuid="x"):
    """A packet of `blocks` random blocks, each the right size and below the modulus, so
    that every cheap check passes and only the private-key operation can reject it."""
    k = pub.size_in_bytes()
    junk = [base64.b64encode(b"\x00" + os.urandom(k - 1)).decode() for _ in range(blocks)]
    return json.dumps({"messages": junk, "UUID": uuid, "to": "alice"}).encode() + b"\n"


def filler_packet(pub, blocks, uuid="x"):
    """A packet of `blocks` blocks that all decrypt (anyone can encrypt to the server's
    public key), carrying a command of no known type: the most private-key work a
    stranger can buy with one packet."""
    k = pub.size_in_bytes() - 42
    pad = "x" * (k * blocks - 40)
    inner = json.dumps({"type": "nothing", "pad": pad}).encode()[:k * blocks]
    assert len(inner) > k * (blocks - 1)
    return seal(inner, pub, uuid)


def odd_random(bits):
    n = int.from_bytes(os.urandom((bits + 7) // 8), "big")
    n |= 1 | (1 << (bits - 1))
    return n & ((1 << bits) - 1)


def absurd_key_pem(modulus_bits, exponent_bits):
    """A PKCS#1 public key with a random odd modulus and a huge odd exponent: encrypting
    to it costs seconds (the red team's packet used 8192 and about 39,000 bits)."""
    der = DerSequence([odd_random(modulus_bits), odd_random(exponent_bits)]).encode()
    b64 = base64.b64encode(der).decode()
    body = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN RSA PUBLIC KEY-----\n{body}\n-----END RSA PUBLIC KEY-----"


def key_packet(pub, uuid, pem):
    inner = json.dumps({"type": "key", "UUID": uuid, "key": pem}).encode()
    return seal(inner, pub, uuid)


class Crowd:
    """Attackers, each on a thread: connect from its own address, send `packet` (bytes, or
    a function of the attacker's index giving bytes), wait for the server to close (or,
    without `wait_close`, hang up at once), and again every `interval` seconds until
    stop(). `persistent` attackers send on the same connection each interval until the
    server closes it."""

    def __init__(self, address, count, packet, interval=1.0, first_address=0, wait_close=True, persistent=False):
        self.address, self.packet, self.interval, self.wait_close = address, packet, interval, wait_close
        self.persistent = persistent
        self.stopping = threading.Event()
        self.sent = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(first_address + i,), daemon=True)
                        for i in range(count)]
        for t in self.threads:
            t.start()

    def _run(self, i):
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                with connect(self.address, loopback(i), timeout=10) as s:
                    read_line(s)
                    s.sendall(self.packet(i) if callable(self.packet) else self.packet)
                    with self.lock:
                        self.sent += 1
                    # Persistent: keep the connection and send again each interval, until
                    # the server closes it.
                    while self.persistent and not self.stopping.wait(self.interval):
                        s.sendall(self.packet(i) if callable(self.packet) else self.packet)
                        with self.lock:
                            self.sent += 1
                        started = time.monotonic()
                    while self.wait_close and s.recv(65536):  # until the server closes
                        pass
            except OSError:
                pass
            self.stopping.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(15)


def hold_connections(address, count, send=b"", per_address=25, first_address=1000):
    """Opens `count` connections (at most `per_address` from each source address), reads
    server_online on each, sends `send` on each, and returns the sockets (the caller
    closes them)."""
    socks = []
    for i in range(count):
        s = connect(address, loopback(first_address + i // per_address), timeout=10)
        socks.append(s)
    for s in socks:
        read_line(s)
        if send:
            s.sendall(send)
    return socks


def round_trips(operator, caller, count, address="c1", interval=0.05, prefix="ping"):
    """Operator-to-caller latencies in seconds: the operator writes, the caller's
    nlchat-caller prints it."""
    out = []
    for n in range(count):
        text = f"{prefix} {n}"
        started = time.monotonic()
        operator.send(type="msg", msg=[text], **{"I/O": "out"})
        caller.expect(f"{address}: {text}", timeout=60)
        out.append(time.monotonic() - started)
        time.sleep(interval)
    return out


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")
