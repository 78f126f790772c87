# SPDX-License-Identifier: GPL-3.0-or-later
"""The test vectors of nlchat-protocol(7), THE V2 SESSION, "Test vectors", read out of the
manual page itself and recomputed from its inputs alone by an implementation written here
from the page: X25519 by RFC 7748's own ladder in plain Python (Debian's PyCryptodome,
3.11, has no X25519; the ladder is checked against the RFC's vectors first), SHA-256 and
HMAC from hashlib and hmac, HKDF and ChaCha20-Poly1305 from PyCryptodome. Our C++ computes
the same values in tests/core/link/session_vectors_test.cpp; here the helper v2-frames (that
C++) is also run on the page's inputs, so the page, the code and the tests cannot drift
apart."""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import unittest

from Cryptodome.Cipher import ChaCha20_Poly1305
from Cryptodome.Hash import SHA256
from Cryptodome.Protocol.KDF import HKDF

from nltest import helper, run

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "man", "nlchat-protocol.7")
C2S, S2C = 0, 1


# ---- the page ----------------------------------------------------------------------------

def unescape(line):
    """A line of roff as it reads: the few escapes the vectors use."""
    return line.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")


def vector_blocks(text):
    """The "Test vectors" subsection's blocks (.nf to .fi), each a dict of its values. A
    value's first line is its name, two spaces or more, and the value's start; the lines
    below it that start with spaces carry it on, joined with nothing between."""
    m = re.search(r"^\.SS Test vectors\n(.*?)^\.S[HS] ", text, re.S | re.M)
    if not m:
        raise AssertionError("the page has no subsection Test vectors")
    blocks, current, name = [], None, None
    for line in m.group(1).split("\n"):
        if line == ".nf":
            current, name = {}, None
        elif line == ".fi":
            blocks.append(current)
            current = None
        elif current is not None:
            line = unescape(line)
            if line.startswith(" "):
                assert name, f"a continuation with no value above it: {line!r}"
                current[name] += line.strip()
            else:
                name, value = re.fullmatch(r"(\S+(?: \S+)*)  +(\S+)", line).groups()
                assert name not in current, f"{name} twice in one block"
                current[name] = value
    return blocks


def page_vectors():
    with open(PAGE, encoding="utf-8") as f:
        blocks = vector_blocks(f.read())
    names = [sorted(b) for b in blocks]
    # The inputs, the public keys and the offer, the transcript, the keys and the answer,
    # then three frames (the bare acknowledgement has no inner command).
    assert names == [["E secret", "E2 secret", "Fc", "Fs", "UUID", "nonce"], ["E", "E2", "offer"], ["T"],
                     ["Kc2s", "Ks2c", "PRK", "SID", "answer", "salt", "shared"],
                     ["header", "inner", "line", "nonce"], ["header", "inner", "line", "nonce"],
                     ["header", "line", "nonce"]], names
    inputs, publics, transcript, keys, *frames = blocks
    return inputs, publics, transcript["T"], keys, frames


# ---- an implementation of the session from the page ---------------------------------------

def x25519(k, u):
    """RFC 7748, section 5: the scalar clamped, the u-coordinate's top bit masked."""
    k = bytearray(k)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    u = int.from_bytes(u, "little") & ((1 << 255) - 1)
    p = 2**255 - 19
    x1, x2, z2, x3, z3, swap = u, 1, 0, u, 1, 0
    for t in reversed(range(255)):
        kt = (k >> t) & 1
        swap ^= kt
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a, b = x2 + z2, x2 - z2
        aa, bb = a * a, b * b
        e = aa - bb
        c, d = x3 + z3, x3 - z3
        da, cb = d * a, c * b
        x3, z3 = (da + cb) ** 2 % p, x1 * (da - cb) ** 2 % p
        x2, z2 = aa * bb % p, e * (aa + 121665 * e) % p
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, p - 2, p) % p).to_bytes(32, "little")


BASE = bytes([9]) + bytes(31)


def transcript(fields):
    return b"nlchat v2 transcript" + b"".join(struct.pack(">I", len(f)) + f for f in fields)


def hkdf(shared, salt, info, n):
    # Extract and expand in one, as PyCryptodome does it: no use of the page's PRK.
    return HKDF(shared, n, salt, SHA256, context=info)


def seal(key, direction, seq, ack, inner):
    header = struct.pack(">QQ", seq, ack)
    cipher = ChaCha20_Poly1305.new(key=key, nonce=struct.pack(">IQ", direction, seq))
    cipher.update(header)
    body, tag = cipher.encrypt_and_digest(inner)
    return '{"v2":"' + base64.b64encode(header + body + tag).decode() + '"}'


def open_(key, direction, line):
    assert line.startswith('{"v2":"') and line.endswith('"}'), line
    raw = base64.b64decode(line[7:-2], validate=True)
    header = raw[:16]
    seq, ack = struct.unpack(">QQ", header)
    cipher = ChaCha20_Poly1305.new(key=key, nonce=struct.pack(">IQ", direction, seq))
    cipher.update(header)
    return seq, ack, cipher.decrypt_and_verify(raw[16:-16], raw[-16:])


class Vectors(unittest.TestCase):
    def setUp(self):
        self.inputs, self.publics, self.t, self.keys, self.frames = page_vectors()
        i = self.inputs
        self.e_secret, self.e2_secret = bytes.fromhex(i["E secret"]), bytes.fromhex(i["E2 secret"])
        self.e, self.e2 = x25519(self.e_secret, BASE), x25519(self.e2_secret, BASE)
        self.shared = x25519(self.e_secret, self.e2)
        self.fields = [self.e, self.e2, i["UUID"].encode(), i["nonce"].encode(), i["Fc"].encode(), i["Fs"].encode()]
        self.salt = hashlib.sha256(transcript(self.fields)).digest()
        self.c2s = hkdf(self.shared, self.salt, b"nlchat v2 client to server", 32)
        self.s2c = hkdf(self.shared, self.salt, b"nlchat v2 server to client", 32)
        self.sid = hkdf(self.shared, self.salt, b"nlchat v2 session id", 16)

    def test_the_x25519_here_is_rfc_7748s(self):
        # Section 5.2's first vector, and section 6.1's keys.
        self.assertEqual(x25519(bytes.fromhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                                bytes.fromhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")).hex(),
                         "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
        alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
        bob = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
        self.assertEqual(x25519(alice, BASE).hex(), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        self.assertEqual(x25519(alice, x25519(bob, BASE)).hex(),
                         "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")

    def test_the_pages_public_keys_and_offer(self):
        self.assertEqual(self.publics["E"], self.e.hex())
        self.assertEqual(self.publics["E2"], self.e2.hex())
        self.assertEqual(json.loads(self.publics["offer"]), {"epk": base64.b64encode(self.e).decode(), "took": 0})

    def test_the_pages_transcript_holds_the_raw_keys(self):
        t = bytes.fromhex(self.t)
        self.assertEqual(t, transcript(self.fields))
        self.assertEqual(len(t), 288)
        # The ephemeral keys are in it as their 32 bytes, not as base64 text.
        self.assertEqual(t[20:56], b"\x00\x00\x00\x20" + self.e)
        self.assertEqual(t[56:92], b"\x00\x00\x00\x20" + self.e2)

    def test_the_pages_keys(self):
        k = self.keys
        self.assertEqual(k["salt"], self.salt.hex())
        self.assertEqual(k["shared"], self.shared.hex())
        self.assertEqual(k["shared"], x25519(self.e2_secret, self.e).hex())  # the server's side
        prk = hmac.new(self.salt, self.shared, hashlib.sha256).digest()
        self.assertEqual(k["PRK"], prk.hex())
        self.assertEqual(k["Kc2s"], self.c2s.hex())
        self.assertEqual(k["Ks2c"], self.s2c.hex())
        self.assertEqual(k["SID"], self.sid.hex())
        # The page's PRK expands to the same (one HMAC block each).
        for name, info in (("Kc2s", b"nlchat v2 client to server"), ("Ks2c", b"nlchat v2 server to client")):
            self.assertEqual(k[name], hmac.new(prk, info + b"\x01", hashlib.sha256).hexdigest())
        self.assertEqual(json.loads(k["answer"]), {
            "type": "v2", "UUID": self.inputs["UUID"], "epk": base64.b64encode(self.e2).decode(),
            "sid": base64.b64encode(self.sid).decode(), "took": 0, "resumed": False})

    def test_the_pages_frames(self):
        # The server's status (seq 1, ack 0), the client's line (seq 1, ack 1), the
        # server's bare acknowledgement (seq 2, ack 1).
        expected = [(S2C, self.s2c, 1, 0), (C2S, self.c2s, 1, 1), (S2C, self.s2c, 2, 1)]
        for n, (frame, (direction, key, seq, ack)) in enumerate(zip(self.frames, expected)):
            with self.subTest(frame=n):
                inner = frame.get("inner", "").encode()
                if inner:
                    json.loads(inner)
                self.assertEqual(frame["nonce"], struct.pack(">IQ", direction, seq).hex())
                self.assertEqual(frame["header"], struct.pack(">QQ", seq, ack).hex())
                self.assertEqual(frame["line"], seal(key, direction, seq, ack, inner))
                self.assertEqual(open_(key, direction, frame["line"]), (seq, ack, inner))
        # A bare acknowledgement is header and tag alone; its base64 is padded.
        self.assertEqual(len(self.frames[2]["line"]), 7 + 44 + 2)
        self.assertTrue(self.frames[2]["line"].endswith('="}'))

    def test_our_code_gets_the_pages_values_from_the_pages_inputs(self):
        i = self.inputs
        r = run([helper("v2-frames"), "derive", i["E secret"], self.publics["E2"], i["UUID"], i["nonce"], i["Fc"],
                 i["Fs"]])
        self.assertEqual(r.returncode, 0, r.stderr)
        ours = json.loads(r.stdout)
        self.assertEqual(ours, {"client_public": self.publics["E"], "shared": self.keys["shared"],
                                "c2s": self.keys["Kc2s"], "s2c": self.keys["Ks2c"], "session_id": self.keys["SID"]})
        for frame, (direction, key, seq, ack) in zip(self.frames, [("s2c", "Ks2c", 1, 0), ("c2s", "Kc2s", 1, 1),
                                                                   ("s2c", "Ks2c", 2, 1)]):
            r = run([helper("v2-frames"), "seal", self.keys[key], direction, str(seq), str(ack),
                     frame.get("inner", "")])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.decode().strip(), frame["line"])


class Parser(unittest.TestCase):
    """The reader of the page must be able to fail, or the tests above prove nothing."""

    PAGE = (".SS Test vectors\ntext\n.RS\n.nf\nE secret   0011\n           2233\nUUID       a\\-b\n.fi\n.RE\n"
            ".SH SECURITY\n")

    def test_it_joins_lines_and_unescapes(self):
        self.assertEqual(vector_blocks(self.PAGE), [{"E secret": "00112233", "UUID": "a-b"}])

    def test_it_fails_without_the_subsection_or_with_a_value_twice(self):
        with self.assertRaises(AssertionError):
            vector_blocks(self.PAGE.replace("Test vectors", "Vectors"))
        with self.assertRaises(AssertionError):
            vector_blocks(self.PAGE.replace("UUID ", "E secret"))


if __name__ == "__main__":
    unittest.main()
