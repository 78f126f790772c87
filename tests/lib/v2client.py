# SPDX-License-Identifier: GPL-3.0-or-later
"""An operator client written here from nlchat-protocol(7) alone, independent of our C++:
the 2015 handshake with PyCryptodome (RSA-OAEP raw packets), then the v2 session with
Python's `cryptography` package (X25519, HKDF-SHA-256, ChaCha20-Poly1305). The tests use
it to check nlchatd's v2 side byte by byte, to send it bad frames, and to resume a
session across a killed TCP connection."""
import base64
import hashlib
import hmac
import json
import signal
import socket
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from Cryptodome.Cipher import PKCS1_OAEP
from Cryptodome.PublicKey import RSA

from nltest import TempDirTest

C2S, S2C = 0, 1


def fingerprint(pub):
    return "SHA256:" + base64.b64encode(hashlib.sha256(pub.export_key("DER")).digest()).decode().rstrip("=")


def seal_v1(inner, pub, uuid):
    k = pub.size_in_bytes()
    cipher = PKCS1_OAEP.new(pub)
    blocks = [base64.b64encode(cipher.encrypt(inner[i:i + k - 42])).decode() for i in range(0, len(inner), k - 42)]
    return json.dumps({"messages": blocks, "UUID": uuid, "to": "alice"}).encode() + b"\n"


def L(f):
    return struct.pack(">I", len(f)) + f


def expand_all(prk):
    """Kc2s, Ks2c, SID and the next resumption secret RS, from PRK (nlchat-protocol(7), Keys)."""
    return [HKDFExpand(hashes.SHA256(), n, info).derive(prk)
            for info, n in ((b"nlchat v2 client to server", 32), (b"nlchat v2 server to client", 32),
                            (b"nlchat v2 session id", 16), (b"nlchat v2 resumption", 32))]


def derive(shared, fields):
    th = hashlib.sha256(b"nlchat v2 transcript" + b"".join(L(f) for f in fields)).digest()
    return expand_all(hmac.new(th, shared, hashlib.sha256).digest())


def resume_mac(rs, uuid, sid, epk, nonce, cfp, sfp, took, chats):
    """M of a resume line (nlchat-protocol(7), Resumption without RSA)."""
    data = b"nlchat v2 resume" + b"".join(L(f) for f in (uuid, sid, epk, nonce, cfp, sfp))
    data += L(struct.pack(">Q", took)) + L(struct.pack(">Q", chats) if chats is not None else b"")
    return hmac.new(rs, data, hashlib.sha256).digest()


def resumed_keys(shared, rs, fields):
    """The keys of a rejoin, and the M2 the server's answer must carry."""
    th = hashlib.sha256(b"nlchat v2 resumed transcript" + b"".join(L(f) for f in fields)).digest()
    m2 = hmac.new(rs, b"nlchat v2 resumed" + th, hashlib.sha256).digest()
    return expand_all(hmac.new(th, shared + rs, hashlib.sha256).digest()), m2


def seal_frame(key, direction, seq, ack, inner):
    header = struct.pack(">QQ", seq, ack)
    body = ChaCha20Poly1305(key).encrypt(struct.pack(">IQ", direction, seq), inner, header)
    return ('{"v2":"' + base64.b64encode(header + body).decode() + '"}').encode() + b"\n"


class V2Operator:
    """One connection of a v2 operator. `session` carries a session across connections
    (resume): pass the previous connection's `.session` to the next."""

    def __init__(self, address, key, uuid, session=None, offer=True, timeout=10, chats=None, resume=True,
                 resume_secret=None):
        self.key, self.uuid = key, uuid
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.buf = b""
        online = json.loads(self.line())
        self.online = online
        self.server_pub = RSA.import_key(online["key"])
        # The session: id, keys, counters, what is not yet acknowledged, and the secret
        # that lets the next connection rejoin without RSA.
        self.session = session or {"sid": None, "sent": 0, "taken": 0, "unacked": [], "rs": None}
        self.rejoined = None  # True: rejoined without RSA; False: the server refused it
        self.resent = []
        rs = resume_secret or self.session.get("rs")
        if resume and offer and rs and "resume" in online:
            if self.rejoin(rs, base64.b64decode(online["resume"]), chats):
                return
        self.v1(json.dumps({"type": "key", "UUID": uuid, "key": key.public_key().export_key().decode()}))
        challenge = self.packet()
        assert challenge["type"] == "challenge", challenge
        ack = {"type": "challengeACK", "UUID": uuid, "nonce": challenge["nonce"]}
        if chats is not None:
            ack["chats"] = chats  # reads chat ids, and can show this many chats
        eph = X25519PrivateKey.generate()
        eph_pub = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if offer:
            ack["v2"] = {"epk": base64.b64encode(eph_pub).decode(), "took": self.session["taken"]}
            if self.session["sid"]:
                ack["v2"]["sid"] = base64.b64encode(self.session["sid"]).decode()
        self.v1(json.dumps(ack))
        self.answer = self.packet()
        if self.answer["type"] != "v2":
            self.keys = None  # a 2015 server, or a refusal: v1 from here on
            return
        server_epk = base64.b64decode(self.answer["epk"])
        shared = eph.exchange(X25519PublicKey.from_public_bytes(server_epk))
        self.switch(*derive(shared, [eph_pub, server_epk, uuid.encode(), challenge["nonce"].encode(),
                                     fingerprint(key.public_key()).encode(),
                                     fingerprint(self.server_pub).encode()]))

    def rejoin(self, rs, nonce, chats):
        """A resume line instead of the key; True when the server took it."""
        s = self.session
        eph = X25519PrivateKey.generate()
        epk = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        cfp = fingerprint(self.key.public_key()).encode()
        sfp = fingerprint(self.server_pub).encode()
        hello = {"type": "resume", "UUID": self.uuid, "sid": base64.b64encode(s["sid"]).decode(),
                 "epk": base64.b64encode(epk).decode(), "took": s["taken"]}
        if chats is not None:
            hello["chats"] = chats
        hello["mac"] = base64.b64encode(resume_mac(rs, self.uuid.encode(), s["sid"], epk, nonce, cfp, sfp,
                                                   s["taken"], chats)).decode()
        self.resume_line = json.dumps(hello).encode() + b"\n"
        self.sock.sendall(self.resume_line)
        answer = json.loads(self.line())
        if answer["type"] == "resume_failed":
            assert answer["UUID"] == self.uuid, answer
            self.rejoined = False
            return False
        assert answer["type"] == "v2", answer
        self.answer = answer
        server_epk = base64.b64decode(answer["epk"])
        shared = eph.exchange(X25519PublicKey.from_public_bytes(server_epk))
        keys, m2 = resumed_keys(shared, rs, [epk, server_epk, self.uuid.encode(), nonce, s["sid"], cfp, sfp])
        assert base64.b64decode(answer["mac"]) == m2, "the server's answer does not prove the secret"
        self.switch(*keys)
        self.rejoined = True
        return True

    def switch(self, c2s, s2c, sid, rs):
        """From the next line on, frames: the session resumed (its unacknowledged frames
        written again) or a new one."""
        self.keys = (c2s, s2c)
        s = self.session
        s["rs"] = rs
        if self.answer["resumed"]:
            assert base64.b64decode(self.answer["sid"]) == s["sid"]
            s["unacked"] = [(q, a, i) for q, a, i in s["unacked"] if q > self.answer["took"]]
            for seq, ack, inner in s["unacked"]:  # sealed again under the new keys, as they first went
                self.sock.sendall(seal_frame(c2s, C2S, seq, ack, inner))
                self.resent.append(inner)
        else:
            assert base64.b64decode(self.answer["sid"]) == sid, "a fresh session's id is the derived one"
            s.update(sid=sid, sent=0, taken=0, unacked=[])

    # ---- lines ----
    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def v1(self, inner):
        self.sock.sendall(seal_v1(inner.encode(), self.server_pub, self.uuid))

    def packet(self):
        wrapper = json.loads(self.line())
        if "messages" not in wrapper:
            return wrapper  # a plaintext refusal
        cipher = PKCS1_OAEP.new(self.key)
        return json.loads(b"".join(cipher.decrypt(base64.b64decode(b)) for b in wrapper["messages"]))

    # ---- frames ----
    def send(self, **inner):
        data = json.dumps(inner).encode()
        s = self.session
        s["sent"] += 1
        s["unacked"].append((s["sent"], s["taken"], data))
        self.sock.sendall(seal_frame(self.keys[0], C2S, s["sent"], s["taken"], data))
        return s["sent"]

    def bare_ack(self):
        s = self.session
        s["sent"] += 1
        s["unacked"].append((s["sent"], s["taken"], b""))
        self.sock.sendall(seal_frame(self.keys[0], C2S, s["sent"], s["taken"], b""))

    def raw(self, data):
        self.sock.sendall(data)

    def frame(self):
        """The next frame, opened: (seq, ack, inner dict or None for a bare ack)."""
        line = self.line().decode()
        assert line.startswith('{"v2":"') and line.endswith('"}'), line
        raw = base64.b64decode(line[7:-2], validate=True)
        header = raw[:16]
        seq, ack = struct.unpack(">QQ", header)
        s = self.session
        assert seq == s["taken"] + 1, f"seq {seq} after {s['taken']}"
        inner = ChaCha20Poly1305(self.keys[1]).decrypt(struct.pack(">IQ", S2C, seq), raw[16:], header)
        s["taken"] = seq
        s["unacked"] = [(q, a, i) for q, a, i in s["unacked"] if q > ack]
        return seq, ack, (json.loads(inner) if inner else None)

    def recv(self, type_, **fields):
        """The next inner command of `type_` (answering probes and skipping the rest)."""
        while True:
            _, _, inner = self.frame()
            if inner is None:
                continue
            if inner.get("type") == "probe":
                self.send(type="probeACK", UUID=self.uuid)
                continue
            if inner.get("type") == type_ and all(inner.get(k) == v for k, v in fields.items()):
                return inner

    def closed(self, timeout=10):
        """True when the server closes the connection within `timeout` (reading on)."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(65536):
                pass
            return True
        except socket.timeout:
            return False
        except (ConnectionError, OSError):
            return True

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def new_key():
    return RSA.generate(2048)


class V2ServerTest(TempDirTest):
    """A test of nlchatd with these operators: an operator key (self.key); the programs
    it starts go in self.procs (killed after it, newest first), the V2Operators it opens
    in self.opened (closed after it)."""

    def setUp(self):
        super().setUp()
        self.procs, self.opened = [], []
        self.key = new_key()

    def tearDown(self):
        for c in self.opened:
            c.close()
        for p in reversed(self.procs):
            p.stop(signal.SIGKILL)
        super().tearDown()
