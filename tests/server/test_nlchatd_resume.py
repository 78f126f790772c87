# SPDX-License-Identifier: GPL-3.0-or-later
"""Rejoining without RSA (nlchat-protocol(7), "Resumption without RSA") against the real
nlchatd, with the operator written in the tests from the manual (v2client.py, on
PyCryptodome and Python's cryptography): a rejoin after kill -9 of nlchatd needs no RSA;
a wrong secret, a replayed resume line and a stale secret are refused with one answer,
after which the key joins on the same connection; the secrets' file is the daemon's
alone; --resume-for 0 offers none."""
import base64
import json
import os
import socket
import stat

from nltest import Nlchatd
from v2client import V2Operator, V2ServerTest, new_key

TIMERS = ["--probe-after", "2", "--probe-timeout", "2", "--grace", "60", "-v"]


class ResumeTest(V2ServerTest):
    def server(self, *extra):
        s = Nlchatd(self.dir, allow_any=True, extra=TIMERS + ["--state-dir", self.dir] + list(extra))
        self.procs.append(s)
        return s

    def kill(self, server):
        server.proc.kill()
        server.proc.wait(timeout=10)
        server.stop()
        self.procs.remove(server)

    def v2(self, server, **kw):
        op = V2Operator(server.address, self.key, "op-r", chats=2, **kw)
        self.opened.append(op)
        return op

    def joined(self, server):
        """op-r on v2 after a full handshake, its secret kept by nlchatd (on disk)."""
        op = self.v2(server)
        self.assertIsNone(op.rejoined)
        self.assertEqual(len(op.session["rs"]), 32)
        op.recv("status")
        return op


class Rejoin(ResumeTest):
    def test_after_kill_9_the_operator_rejoins_without_rsa(self):
        server = self.server()
        op = self.joined(server)
        first = op.session["rs"]
        self.kill(server)
        op.close()
        server = self.server()
        server.saw("1 operator(s) may rejoin without RSA")
        again = self.v2(server, session=op.session)
        self.assertTrue(again.rejoined)
        self.assertFalse(again.answer["resumed"])  # the frames' session died with nlchatd
        again.recv("status")  # joined: the server's first frames are a join's
        self.assertIn("rejoined without RSA, v2 session started", server.saw("rejoined without RSA"))
        # Each rejoin gives the next secret: the old one is retired.
        self.assertNotEqual(again.session["rs"], first)
        # The secrets' file is nlchatd's alone.
        mode = stat.S_IMODE(os.stat(os.path.join(self.dir, "tickets")).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))

    def test_within_the_grace_a_rejoin_resumes_the_session(self):
        server = self.server()
        op = self.joined(server)
        op.send(type="probeACK", UUID="op-r")
        sid = op.session["sid"]
        op.close()
        server.wait_log("op-r left the pool")
        again = self.v2(server, session=op.session)
        self.assertTrue(again.rejoined)
        self.assertTrue(again.answer["resumed"])
        self.assertEqual(again.session["sid"], sid)  # the same session goes on
        self.assertEqual(again.send(type="probeACK", UUID="op-r"), 2)  # its frames count on
        server.saw("rejoined without RSA, v2 session resumed")


class Refused(ResumeTest):
    def test_a_wrong_secret_is_refused_and_the_key_joins_on_the_same_connection(self):
        server = self.server()
        op = self.joined(server)
        op.close()
        again = self.v2(server, session=op.session, resume_secret=bytes(32))
        self.assertIs(again.rejoined, False)
        self.assertEqual(again.answer["type"], "v2")  # the full handshake followed
        again.recv("status")
        server.saw("resume refused")

    def test_a_replayed_resume_line_is_refused(self):
        server = self.server()
        op = self.joined(server)
        op.close()
        again = self.v2(server, session=dict(op.session))
        self.assertTrue(again.rejoined)
        again.close()
        # The same line on a new connection: its MAC covers the old connection's nonce.
        host, port = server.address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            f = sock.makefile("rb")
            online = json.loads(f.readline())
            self.assertIn("resume", online)
            sock.sendall(again.resume_line)
            self.assertEqual(json.loads(f.readline()), {"type": "resume_failed", "UUID": "op-r"})

    def test_a_retired_secret_is_refused(self):
        server = self.server()
        op = self.joined(server)
        first = op.session["rs"]
        op.close()
        again = self.v2(server, session=op.session)
        self.assertTrue(again.rejoined)
        again.close()
        third = self.v2(server, session=again.session, resume_secret=first)
        self.assertIs(third.rejoined, False)

    def test_another_operators_secret_is_refused(self):
        server = self.server()
        op = self.joined(server)
        other = V2Operator(server.address, new_key(), "op-other", chats=2)
        self.opened.append(other)
        other.recv("status")
        op.close()
        # op-r's session, with op-other's secret.
        again = self.v2(server, session=op.session, resume_secret=other.session["rs"])
        self.assertIs(again.rejoined, False)

    def test_resume_for_0_offers_no_nonce_and_keeps_no_secret(self):
        server = self.server("--resume-for", "0")
        op = self.joined(server)
        self.assertNotIn("resume", op.online)
        self.kill(server)
        with open(os.path.join(self.dir, "tickets"), "rb") as f:
            self.assertNotIn(base64.b64encode(op.session["rs"]), f.read())
