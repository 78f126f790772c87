# SPDX-License-Identifier: GPL-3.0-or-later
"""The v2 session's key schedule and frames (core/link/session_frames.h) against an
implementation written here from nlchat-protocol(7)'s description, on Python's
`cryptography` package (Debian python3-cryptography): the same keys from the same
handshake, frames sealed on either side opened on the other, and near misses refused."""
import base64
import hashlib
import hmac
import json
import os
import struct
import unittest

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from nltest import helper, run

V2 = helper("v2-frames")
C2S, S2C = 0, 1


def raw_public(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def transcript_hash(fields):
    data = b"nlchat v2 transcript" + b"".join(struct.pack(">I", len(f)) + f for f in fields)
    return hashlib.sha256(data).digest()


def derive(shared, fields):
    # HKDF-Extract with the transcript hash as salt, then one expansion per purpose.
    # (The package's HKDF does extract and expand in one; the extract is one HMAC.)
    prk = hmac.new(transcript_hash(fields), shared, hashlib.sha256).digest()
    def expand(info, n):
        return HKDFExpand(hashes.SHA256(), n, info).derive(prk)
    return expand(b"nlchat v2 client to server", 32), expand(b"nlchat v2 server to client", 32), \
        expand(b"nlchat v2 session id", 16)


def seal(key, direction, seq, ack, inner):
    header = struct.pack(">QQ", seq, ack)
    nonce = struct.pack(">IQ", direction, seq)
    frame = header + ChaCha20Poly1305(key).encrypt(nonce, inner, header)
    return '{"v2":"' + base64.b64encode(frame).decode() + '"}'


def open_(key, direction, line):
    assert line.startswith('{"v2":"') and line.endswith('"}'), line
    frame = base64.b64decode(line[7:-2], validate=True)
    header = frame[:16]
    seq, ack = struct.unpack(">QQ", header)
    return seq, ack, ChaCha20Poly1305(key).decrypt(struct.pack(">IQ", direction, seq), frame[16:], header)


class SessionInterop(unittest.TestCase):
    def handshake(self):
        client_secret = os.urandom(32)
        server = X25519PrivateKey.generate()
        uuid, challenge = "op-7f3a", base64.b64encode(os.urandom(32)).decode()
        cfp, sfp = "SHA256:" + "c" * 43, "SHA256:" + "s" * 43
        r = run([V2, "derive", client_secret.hex(), raw_public(server).hex(), uuid, challenge, cfp, sfp])
        self.assertEqual(r.returncode, 0, r.stderr)
        ours = json.loads(r.stdout)
        client_public = X25519PrivateKey.from_private_bytes(client_secret)
        self.assertEqual(ours["client_public"], raw_public(client_public).hex())
        shared = server.exchange(X25519PublicKey.from_public_bytes(bytes.fromhex(ours["client_public"])))
        self.assertEqual(ours["shared"], shared.hex())
        fields = [bytes.fromhex(ours["client_public"]), raw_public(server), uuid.encode(), challenge.encode(),
                  cfp.encode(), sfp.encode()]
        return ours, derive(shared, fields)

    def test_both_sides_derive_the_same_keys(self):
        for _ in range(5):
            ours, (c2s, s2c, sid) = self.handshake()
            self.assertEqual(ours["c2s"], c2s.hex())
            self.assertEqual(ours["s2c"], s2c.hex())
            self.assertEqual(ours["session_id"], sid.hex())

    def test_frames_sealed_here_open_there_and_back(self):
        ours, (c2s, s2c, _) = self.handshake()
        inner = json.dumps({"type": "msg", "msg": ["caf\u00e9 \u65e5\u672c"], "I/O": "out"}, ensure_ascii=False)
        # Python seals (as the server would), our opener takes it.
        line = seal(s2c, S2C, 1, 0, inner.encode())
        r = run([V2, "open", s2c.hex(), "s2c", "0", line])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"seq": 1, "ack": 0, "inner": inner})
        # Ours seals (as the client would), Python opens it.
        r = run([V2, "seal", c2s.hex(), "c2s", "5", "3", inner])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(open_(c2s, C2S, r.stdout.decode().strip()), (5, 3, inner.encode()))
        # A bare acknowledgement.
        r = run([V2, "open", s2c.hex(), "s2c", "6", seal(s2c, S2C, 7, 5, b"")])
        self.assertEqual(json.loads(r.stdout), {"seq": 7, "ack": 5, "inner": ""})

    def test_near_misses_made_here_are_all_refused_alike(self):
        _, (c2s, s2c, _) = self.handshake()
        good = seal(s2c, S2C, 1, 0, b'{"type":"msg","msg":["hi"]}')
        frame = base64.b64decode(good[7:-2])
        flipped = bytearray(frame)
        flipped[20] ^= 0x01
        bad = {
            "a flipped bit": '{"v2":"' + base64.b64encode(bytes(flipped)).decode() + '"}',
            "another direction's key": seal(c2s, S2C, 1, 0, b"x"),
            "the other direction's nonce": seal(s2c, C2S, 1, 0, b"x"),
            "a seq gap": seal(s2c, S2C, 2, 0, b"x"),
            "a replay of seq 0": seal(s2c, S2C, 0, 0, b"x"),
            "a header changed after sealing": '{"v2":"' + base64.b64encode(struct.pack(">QQ", 1, 9) + frame[16:]).decode() + '"}',
            "truncated": '{"v2":"' + base64.b64encode(frame[:-1]).decode() + '"}',
            "not canonical base64": good[:-2] + '\\n"}',
        }
        for what, line in bad.items():
            with self.subTest(what):
                r = run([V2, "open", s2c.hex(), "s2c", "0", line])
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertEqual(r.stderr.decode().strip(), "v2-frames: bad v2 frame")
        r = run([V2, "open", s2c.hex(), "s2c", "0", good])
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
