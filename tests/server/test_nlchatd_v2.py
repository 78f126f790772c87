# SPDX-License-Identifier: GPL-3.0-or-later
"""nlchatd's v2 session, from an operator client written in the tests (tests/lib/
v2client.py, on PyCryptodome and python3-cryptography): a chat both ways on frames with
acknowledgements; every kind of bad frame ends that one session with the generic error
and touches nobody else; a session resumed across a killed TCP connection with lines in
flight both ways loses and repeats nothing; --require-v2 and --no-v2."""
import socket
import time
import unittest

from nltest import Caller, Nlchatd, Operator, make_key
from v2client import C2S, V2Operator, V2ServerTest, new_key, seal_frame

TIMERS = ["--probe-after", "2", "--probe-timeout", "2", "--grace", "30", "--ring-timeout", "20", "-v"]


class V2Test(V2ServerTest):
    def server(self, *extra):
        s = Nlchatd(self.dir, allow_any=True, extra=TIMERS + list(extra))
        self.procs.append(s)
        self.web = Caller(s, "Web")
        self.procs.append(self.web)
        s.saw("service Web online")
        return s

    def v2(self, server, uuid="op-v2", key=None, **kw):
        op = V2Operator(server.address, key or self.key, uuid, **kw)
        self.opened.append(op)
        return op

    def chat(self, server, op, caller="c1", first="hello"):
        op.recv("status")
        self.web.say(caller, first)
        ring = op.recv("ring")
        op.send(type="ringACK", UUID=op.uuid, ID=ring["ID"])
        self.assertEqual(op.recv("msg")["msg"], [first])


class Session(V2Test):
    def test_a_chat_both_ways_on_frames_with_acknowledgements(self):
        server = self.server()
        op = self.v2(server)
        self.assertEqual(op.answer["type"], "v2")
        self.assertFalse(op.answer["resumed"])
        server.wait_log("v2 session started")
        self.chat(server, op)
        seq = op.send(type="msg", UUID=op.uuid, msg=["over v2"], **{"I/O": "out"})
        self.web.expect("c1: over v2")
        # The server acknowledges it: in the next frame, or a bare acknowledgement soon.
        self.web.say("c1", "thanks")
        deadline = time.monotonic() + 5
        while op.session["unacked"] and time.monotonic() < deadline:
            op.frame()
        self.assertEqual(op.session["unacked"], [], f"seq {seq} never acknowledged")

    def test_every_kind_of_bad_frame_ends_that_session_only(self):
        server = self.server()
        # Two bystanders: a 2015-protocol operator and a v2 one, in the pool throughout.
        make_key(self.path("v1"))
        v1 = Operator(server, self.path("v1"), "op-v1")
        self.procs.append(v1)
        v1.joined()
        bystander = self.v2(server, "op-bystander", key=new_key())
        bystander.recv("status")
        other = self.v2(server, "op-other", key=new_key())
        other_line = seal_frame(other.keys[0], C2S, 1, 0, b'{"type":"probeACK","UUID":"op-other"}')

        def good(op, seq, ack=0):
            return seal_frame(op.keys[0], C2S, seq, ack, b'{"type":"probeACK","UUID":"%s"}' % op.uuid.encode())

        def flipped(op):
            line = bytearray(good(op, 1))
            line[30] = ord("A") if line[30] != ord("A") else ord("B")
            return bytes(line)

        cases = {
            "a flipped bit": lambda op: flipped(op),
            "a replay": lambda op: good(op, 1) + good(op, 1),
            "a reorder": lambda op: good(op, 2) + good(op, 1),
            "a sequence gap": lambda op: good(op, 1) + good(op, 3),
            "a truncated frame": lambda op: good(op, 1)[:-20] + b'"}\n',
            "an oversized frame": lambda op: b'{"v2":"' + b"A" * 70000 + b'"}\n',
            "another session's frame": lambda op: other_line,
            "an acknowledgement of what was never sent": lambda op: good(op, 1, ack=50),
            "a v1 packet after the switch": lambda op: b'{"messages":["AAAA"],"UUID":"x","to":"alice"}\n',
        }
        for i, (what, make) in enumerate(cases.items()):
            with self.subTest(what):
                op = self.v2(server, f"op-bad-{i}", key=new_key())
                op.recv("status")
                op.raw(make(op))
                self.assertTrue(op.closed(), "the session was not ended")
                if what == "an oversized frame":  # past the operator port's line limit
                    server.wait_log("closed: line longer than 65536 bytes")
                    continue
                line = server.wait_log("bad v2 frame; connection closed")
                self.assertNotIn(what, line)
        # Nobody else noticed: the server answers, the bystanders are in the pool.
        self.web.say("c9", "anyone?")
        v1.recv("ring")
        bystander.recv("ring")
        self.assertIsNone(server.proc.poll())


class Resume(V2Test):
    def test_a_killed_tcp_link_with_lines_in_flight_both_ways_loses_and_repeats_nothing(self):
        server = self.server()
        op = self.v2(server)
        self.chat(server, op)
        # In flight both ways: the operator writes and the connection dies at once, while
        # the caller's lines are on their way to it (written by the server, never read).
        for n in range(3):
            op.send(type="msg", UUID=op.uuid, msg=[f"op {n}"], **{"I/O": "out"})
        for n in range(3):
            self.web.say("c1", f"caller {n}")
        time.sleep(0.5)  # nlchatd has the caller's lines and has written them
        session = op.session
        op.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        op.close()  # a reset, not a goodbye
        server.wait_log("op-v2 left the pool")
        op = self.v2(server, session=session)
        self.assertTrue(op.answer["resumed"])
        line = server.wait_log("v2 session resumed")
        # The caller's lines were never acknowledged, so they come again on the new link.
        self.assertRegex(line, r"resumed, [3-9] frame\(s\) sent again")
        got = []
        deadline = time.monotonic() + 10
        while len(got) < 3 and time.monotonic() < deadline:
            got += op.recv("msg")["msg"]
        self.assertEqual(got, [f"caller {n}" for n in range(3)])
        for n in range(3):
            self.web.expect(f"c1: op {n}")
        # Exactly once: nothing more either way.
        op.send(type="msg", UUID=op.uuid, msg=["after"], **{"I/O": "out"})
        self.web.expect("c1: after")
        self.assertEqual([l for l in self.web.out.seen if l.startswith("c1: op ")],
                         [f"c1: op {n}" for n in range(3)])
        self.web.say("c1", "last")
        self.assertEqual(op.recv("msg")["msg"], ["last"])


class Choices(V2Test):
    def test_require_v2_refuses_a_2015_client_and_takes_a_v2_one(self):
        server = self.server("--require-v2")
        make_key(self.path("v1"))
        v1 = Operator(server, self.path("v1"), "op-v1")
        self.procs.append(v1)
        refused = v1.recv("refused")
        self.assertEqual(refused.get("code"), "v2_required")
        self.assertIn("v2", refused["reason"])
        server.wait_log("refused: no usable v2 offer (--require-v2)")
        op = self.v2(server)
        op.recv("status")

    def test_no_v2_answers_the_offer_with_the_2015_protocol(self):
        server = self.server("--no-v2")
        op = self.v2(server)
        self.assertEqual(op.answer["type"], "status")
        self.assertIsNone(op.keys)


if __name__ == "__main__":
    unittest.main()
