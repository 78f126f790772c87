# SPDX-License-Identifier: GPL-3.0-or-later
"""Functional tests of the nlchat-packet program: its commands, errors and exit
statuses, as a user at a shell would meet them."""
import json
import os
import stat
import unittest

from nltest import TempDirTest, program, run

PACKET = program("nlchat-packet")


class Usage(TempDirTest):
    def test_help_lists_every_command(self):
        r = run([PACKET, "--help"])
        self.assertEqual(r.returncode, 0)
        for command in ("keygen", "pubkey", "fingerprint", "seal", "open"):
            self.assertIn(f"nlchat-packet {command}", r.stdout.decode())

    def test_version(self):
        r = run([PACKET, "--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"^nlchat-packet \d+\.\d+\.\d+\n$")

    def test_no_command_and_unknown_command(self):
        r = run([PACKET])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"usage:", r.stderr)
        r = run([PACKET, "frobnicate"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"unknown command 'frobnicate'", r.stderr)

    def test_unknown_option(self):
        r = run([PACKET, "pubkey", "--colour", "x"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"'--colour' is not known", r.stderr)


class Keys(TempDirTest):
    def test_keygen_writes_private_0600_and_public_0644(self):
        out = self.path("id")
        r = run([PACKET, "keygen", "--out", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(out + ".pub").st_mode), 0o644)
        fp = r.stdout.decode().strip()
        self.assertRegex(fp, r"^SHA256:[A-Za-z0-9+/]{43}$")
        self.assertEqual(run([PACKET, "fingerprint", out]).stdout.decode().strip(), fp)
        self.assertEqual(run([PACKET, "fingerprint", out + ".pub"]).stdout.decode().strip(), fp)
        with open(out + ".pub", "rb") as f:
            self.assertEqual(run([PACKET, "pubkey", out]).stdout, f.read())

    def test_keygen_does_not_overwrite_without_force(self):
        out = self.path("id")
        self.assertEqual(run([PACKET, "keygen", "--out", out]).returncode, 0)
        with open(out, "rb") as f:
            first = f.read()
        r = run([PACKET, "keygen", "--out", out])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"exists; use --force", r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), first)
        self.assertEqual(run([PACKET, "keygen", "--force", "--out", out]).returncode, 0)
        with open(out, "rb") as f:
            self.assertNotEqual(f.read(), first)

    def test_keygen_errors(self):
        r = run([PACKET, "keygen"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"keygen needs --out FILE", r.stderr)
        r = run([PACKET, "keygen", "--bits", "1024", "--out", self.path("x")])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--bits must be 2048 or 4096", r.stderr)
        r = run([PACKET, "keygen", "--out", self.path("no/such/dir/key")])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"No such file or directory", r.stderr)

    def test_unreadable_and_wrong_key_files(self):
        r = run([PACKET, "pubkey", self.path("missing")])
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"cannot read '{self.path('missing')}': No such file or directory".encode(), r.stderr)
        with open(self.path("garbage"), "w") as f:
            f.write("ssh-rsa AAAAB3NzaC1yc2E user@host\n")
        r = run([PACKET, "fingerprint", self.path("garbage")])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no PEM block", r.stderr)
        r = run([PACKET, "pubkey"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"pubkey needs exactly one FILE", r.stderr)


class SealAndOpen(TempDirTest):
    def setUp(self):
        super().setUp()
        self.key = self.path("id")
        self.assertEqual(run([PACKET, "keygen", "--out", self.key]).returncode, 0)

    def seal(self, lines, to="alice", uuid="u-1"):
        return run([PACKET, "seal", "--key", self.key + ".pub", "--uuid", uuid, "--to", to],
                   input=b"".join(l + b"\n" for l in lines))

    def test_round_trip_of_several_lines(self):
        lines = [b'{"type":"probe","UUID":"u-1"}', json.dumps({"type": "msg", "msg": ["x" * 1000]}).encode()]
        sealed = self.seal(lines)
        self.assertEqual(sealed.returncode, 0, sealed.stderr)
        self.assertEqual(len(sealed.stdout.splitlines()), 2)
        opened = run([PACKET, "open", "--key", self.key], input=sealed.stdout)
        self.assertEqual(opened.returncode, 0, opened.stderr)
        self.assertEqual(opened.stdout.splitlines(), lines)

    def test_seal_reports_bad_lines_and_goes_on(self):
        r = self.seal([b'{"a":1}', b"not json", b"[1]", b'{"b":2}'])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stdout.splitlines()), 2)
        errors = r.stderr.decode()
        self.assertIn("line 2: invalid JSON", errors)
        self.assertIn("line 3: JSON is not an object", errors)

    def test_seal_argument_errors(self):
        r = run([PACKET, "seal", "--key", self.key + ".pub", "--uuid", "u", "--to", "carol"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--to must be alice (the server) or bob (a client), not 'carol'", r.stderr)
        r = run([PACKET, "seal", "--key", self.key + ".pub"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"seal needs --key PUBFILE --uuid UUID --to alice|bob", r.stderr)

    def test_open_gives_one_generic_error_per_bad_line(self):
        good = self.seal([b'{"type":"probe"}']).stdout
        for_bob = self.seal([b'{"type":"probe"}'], to="bob").stdout
        tampered = good.replace(b'"messages":["', b'"messages":["AAAA', 1)
        stdin = b"garbage\n" + good + for_bob + tampered + b"{}\n" + b"\n"
        r = run([PACKET, "open", "--key", self.key], input=stdin)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, b'{"type":"probe"}\n')
        self.assertEqual(r.stderr.decode().splitlines(),
                         [f"nlchat-packet: line {n}: packet could not be opened" for n in (1, 3, 4, 5, 6)])
        # With -v the detail is shown too: this is the debug log, for the operator only.
        r = run([PACKET, "open", "-v", "--key", self.key], input=for_bob)
        self.assertIn(b'packet could not be opened (packet addressed to "bob")', r.stderr)
        r = run([PACKET, "open", "--to", "bob", "--key", self.key], input=for_bob)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_open_survives_an_overlong_line(self):
        good = self.seal([b'{"type":"probe"}']).stdout
        r = run([PACKET, "open", "-v", "--key", self.key], input=b"x" * (2 << 20) + b"\n" + good)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, b'{"type":"probe"}\n')
        self.assertIn(b"line 1: packet could not be opened (line longer than 1048576 bytes)", r.stderr)

    def test_open_needs_a_private_key(self):
        r = run([PACKET, "open", "--key", self.key + ".pub"], input=b"")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"not a private key", r.stderr)


if __name__ == "__main__":
    unittest.main()
