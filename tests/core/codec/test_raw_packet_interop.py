# SPDX-License-Identifier: GPL-3.0-or-later
"""Interop of the core packet layer (rsa_key, key_encoding, raw_packet) with
PyCryptodome, the library the 2015 original used, through the real nlchat-packet
program: keys both ways byte for byte, packets both ways, a known-answer test with a
fixed OAEP seed, and Python-made near misses that must all fail the same way."""
import base64
import hashlib
import json
import os
import unittest

from Cryptodome.Cipher import PKCS1_OAEP
from Cryptodome.Hash import SHA256
from Cryptodome.PublicKey import RSA
from Cryptodome.Util.asn1 import DerSequence

from nltest import TempDirTest, helper, program, run

PACKET = program("nlchat-packet")

# Python keys are slow to make (about a quarter of a second at 2048 bits, seconds at
# 4096), so each size is made once for the whole module.
_KEYS = {}


def python_key(bits):
    if bits not in _KEYS:
        _KEYS[bits] = RSA.generate(bits)
    return _KEYS[bits]


def inner_with_cut_characters(block):
    """Raw UTF-8 JSON whose first block boundary cuts a 4-byte emoji and whose second
    cuts a 3-byte em dash, as the crypto notes' interop run did."""
    head = '{"type":"msg","msg":["'
    text = "a" * (block - 2 - len(head)) + "\U0001F60A" + "b" * (block - 3) + "\u2014" + " é ok"
    inner = json.dumps({"type": "msg", "msg": [text], "I/O": "out", "UUID": "u-1"},
                       ensure_ascii=False, separators=(",", ":")).encode()
    raw = inner
    emoji = raw.index("\U0001F60A".encode())
    assert emoji < block < emoji + 4, "the first boundary must cut the emoji"
    dash = raw.index("\u2014".encode())
    assert dash < 2 * block < dash + 3, "the second boundary must cut the dash"
    return inner


def python_seal(inner, pub, uuid, to, **oaep):
    k = pub.size_in_bytes()
    cipher = PKCS1_OAEP.new(pub, **oaep)
    blocks = [base64.b64encode(cipher.encrypt(inner[i:i + k - 42])).decode()
              for i in range(0, len(inner), k - 42)]
    return json.dumps({"messages": blocks, "UUID": uuid, "to": to})


def python_open(line, priv):
    wrapper = json.loads(line)
    cipher = PKCS1_OAEP.new(priv)
    joined = b"".join(cipher.decrypt(base64.b64decode(b)) for b in wrapper["messages"])
    return wrapper, joined


class KeyInterop(TempDirTest):
    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def test_python_public_key_reads_back_byte_identical(self):
        for bits in (2048, 4096):
            key = python_key(bits)
            pem = key.public_key().export_key("PEM")
            r = run([PACKET, "pubkey", self.write("py.pub", pem)])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, pem + b"\n")

    def test_python_private_keys_pkcs1_and_pkcs8_load(self):
        key = python_key(2048)
        expected = key.public_key().export_key("PEM") + b"\n"
        for pkcs in (1, 8):
            path = self.write(f"py{pkcs}.pem", key.export_key("PEM", pkcs=pkcs))
            r = run([PACKET, "pubkey", path])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, expected, f"PKCS#{pkcs}")

    def test_pkcs1_rsa_public_key_loads(self):
        key = python_key(2048).public_key()
        der = DerSequence([key.n, key.e]).encode()
        b64 = base64.b64encode(der).decode()
        body = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
        pem = f"-----BEGIN RSA PUBLIC KEY-----\n{body}\n-----END RSA PUBLIC KEY-----\n"
        r = run([PACKET, "pubkey", self.write("pkcs1.pub", pem.encode())])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, key.export_key("PEM") + b"\n")

    def test_our_keys_export_byte_identical_from_python(self):
        for bits in (2048, 4096):
            path = self.path(f"k{bits}")
            r = run([PACKET, "keygen", "--bits", str(bits), "--out", path], timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(path, "rb") as f:
                priv_pem = f.read()
            with open(path + ".pub", "rb") as f:
                pub_pem = f.read()
            key = RSA.import_key(priv_pem)
            self.assertEqual(key.size_in_bits(), bits)
            self.assertEqual(key.e, 65537)
            self.assertEqual(key.export_key("PEM") + b"\n", priv_pem)
            self.assertEqual(key.public_key().export_key("PEM") + b"\n", pub_pem)
            self.assertEqual(RSA.import_key(pub_pem), key.public_key())

    def test_fingerprint_is_sha256_of_the_spki_der(self):
        key = python_key(2048)
        der = key.public_key().export_key("DER")
        expected = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")
        r = run([PACKET, "fingerprint", self.write("py.pub", key.public_key().export_key("PEM"))])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode().strip(), expected)


class PacketInterop(TempDirTest):
    def save_python_key(self, bits):
        key = python_key(bits)
        with open(self.path(f"py{bits}"), "wb") as f:
            f.write(key.export_key("PEM"))
        with open(self.path(f"py{bits}.pub"), "wb") as f:
            f.write(key.public_key().export_key("PEM"))
        return key, self.path(f"py{bits}"), self.path(f"py{bits}.pub")

    def test_python_seals_we_open(self):
        for bits in (2048, 4096):
            key, priv_path, _ = self.save_python_key(bits)
            block = key.size_in_bytes() - 42
            raw = inner_with_cut_characters(block)
            escaped = json.dumps(json.loads(raw)).encode()  # Python's default: pure ASCII
            for inner in (raw, escaped):
                line = python_seal(inner, key.public_key(), "u-1", "alice")
                self.assertGreaterEqual(len(json.loads(line)["messages"]), 2)
                r = run([PACKET, "open", "--key", priv_path], input=line.encode() + b"\n")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(json.loads(r.stdout), json.loads(raw))

    def test_we_seal_python_opens(self):
        for bits in (2048, 4096):
            key, _, pub_path = self.save_python_key(bits)
            inner = inner_with_cut_characters(key.size_in_bytes() - 42)
            r = run([PACKET, "seal", "--key", pub_path, "--uuid", "u-9", "--to", "bob"], input=inner + b"\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            wrapper, joined = python_open(r.stdout.decode(), key)
            self.assertEqual(wrapper["UUID"], "u-9")
            self.assertEqual(wrapper["to"], "bob")
            self.assertEqual(set(wrapper), {"messages", "UUID", "to"})
            self.assertEqual(joined, inner)
            for block in wrapper["messages"]:
                self.assertEqual(len(base64.b64decode(block, validate=True)), key.size_in_bytes())
            # Decoding a block on its own must fail: the cut is really inside a character.
            first = PKCS1_OAEP.new(key).decrypt(base64.b64decode(wrapper["messages"][0]))
            with self.assertRaises(UnicodeDecodeError):
                first.decode("utf-8")

    def test_known_answer_with_a_fixed_oaep_seed(self):
        key, _, pub_path = self.save_python_key(2048)
        for seed, message in ((bytes(range(20)), b"{\"type\":\"probe\",\"UUID\":\"u\"}"),
                              (b"\xff" * 20, bytes(range(214))),
                              (os.urandom(20), b"x")):
            expected = PKCS1_OAEP.new(key.public_key(), randfunc=lambda n, s=seed: s[:n]).encrypt(message)
            r = run([helper("oaep-kat"), pub_path, seed.hex(), message.hex()])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.decode().strip(), expected.hex())

    def test_near_misses_from_python_all_fail_the_same_way(self):
        key, priv_path, _ = self.save_python_key(2048)
        pub = key.public_key()
        inner = b'{"type":"probe","UUID":"u"}'
        lines = [
            python_seal(inner, pub, "u", "alice", label=b"x"),
            python_seal(inner, pub, "u", "alice", hashAlgo=SHA256),
            python_seal(inner, RSA.generate(2048).public_key(), "u", "alice"),
            python_seal(inner, pub, "u", "bob"),
            json.dumps({"messages": [base64.b64encode(os.urandom(256)).decode()], "UUID": "u", "to": "alice"}),
            # PyCryptodome will encrypt an empty block; the original never sends one.
            json.dumps({"messages": [base64.b64encode(PKCS1_OAEP.new(pub).encrypt(b"")).decode()],
                        "UUID": "u", "to": "alice"}),
        ]
        good = python_seal(inner, pub, "u", "alice")
        r = run([PACKET, "open", "--key", priv_path], input="\n".join(lines + [good]).encode() + b"\n")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, inner + b"\n")
        errors = r.stderr.decode().splitlines()
        self.assertEqual(len(errors), len(lines))
        for n, line in enumerate(errors, 1):
            self.assertEqual(line, f"nlchat-packet: line {n}: packet could not be opened")


if __name__ == "__main__":
    unittest.main()
