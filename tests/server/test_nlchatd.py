# SPDX-License-Identifier: GPL-3.0-or-later
"""Functional tests of the real nlchatd on loopback, driven by test operators (built on
the core library) and nlchat-caller on the service bus. Timers are shortened so every
test runs in seconds; each test stops every process it started."""
import json
import os
import signal
import socket
import time
import unittest

from nltest import (FAST_TIMERS, Caller, Nlchatd, Operator, Process, TempDirTest, make_key, program, run)

TEXTS = {
    "ringing": "A listener will be with you shortly...",
    "all_busy": "All our listeners are busy with other callers at the moment. Please stay: one will answer as soon "
                "as they can.",
    "no_operators": "Sorry, no listeners are available at the moment. Please try again later.",
    "timed_out": "Sorry, no listeners are currently available to take your call.",
    "dropped": "Sorry, the listener has unexpectedly gone offline.",
    "unavailable": "Sorry, the chat service cannot take new chats at the moment. Please try again in a few minutes.",
}


def read_to_end(sock, timeout=10):
    """Everything the peer sends until it closes (bounded in time)."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:  # closed with our bytes unread: a close all the same
            return data
        if not chunk:
            return data
        data += chunk


class ServerTest(TempDirTest):
    """Starts nlchatd with two enrolled operator keys; stops everything afterwards."""

    def setUp(self):
        super().setUp()
        self.procs = []
        self.key_a, self.key_b, self.key_x = self.path("a"), self.path("b"), self.path("x")
        self.fp_a, self.fp_b = make_key(self.key_a), make_key(self.key_b)
        make_key(self.key_x)  # never enrolled

    def tearDown(self):
        for p in reversed(self.procs):
            p.stop(signal.SIGKILL if p.proc.poll() is None and isinstance(p, Operator) else signal.SIGTERM)
        super().tearDown()

    def start_server(self, extra=FAST_TIMERS, **kw):
        kw.setdefault("authorized", [self.fp_a, self.fp_b])
        server = Nlchatd(self.dir, extra=extra, **kw)
        self.procs.append(server)
        return server

    def operator(self, server, key, uuid, *flags, join=True):
        op = Operator(server, key, uuid, *flags)
        self.procs.append(op)
        if join:
            op.joined()
        return op

    def caller(self, server, name="Web", *flags):
        c = Caller(server, name, *flags)
        self.procs.append(c)
        server.wait_log(f"service {name} online")
        return c

    def chat(self, **server_args):
        """A server, the Web service, and operator op-a in a chat with caller c1."""
        server = self.start_server(**server_args)
        web = self.caller(server)
        a = self.operator(server, self.key_a, "op-a")
        web.say("c1", "hi")
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        self.assertEqual(a.recv("msg")["msg"], ["hi"])
        return server, web, a


class Rings(ServerTest):
    def test_two_operators_race_for_one_ring(self):
        server = self.start_server()
        web = self.caller(server)
        a = self.operator(server, self.key_a, "op-a")
        b = self.operator(server, self.key_b, "op-b")
        web.say("c1", "hello, is anyone there?")
        web.expect("c1: " + TEXTS["ringing"])
        ring_a = a.recv("ring")
        ring_b = b.recv("ring")
        self.assertEqual(ring_a["ID"], ring_b["ID"])
        self.assertIsInstance(ring_a["ID"], int)
        self.assertEqual(ring_a["group"], "")
        self.assertGreater(ring_a["expires_in"], 0)
        self.assertAlmostEqual(ring_a["time"], time.time() + ring_a["expires_in"], delta=2)
        web.say("c1", "second message before anyone answered")
        # Both accept at once; which packet the server opens first is a real race. Whoever
        # wins, both hear the same winner, and only the winner gets the caller.
        b.send(type="ringACK", ID=ring_b["ID"])
        a.send(type="ringACK", ID=ring_a["ID"])
        winners = {op.recv("ringACKACK")["UUID"] for op in (a, b)}
        self.assertEqual(len(winners), 1)
        winner, loser = (a, b) if winners == {"op-a"} else (b, a)
        self.assertEqual(winners, {winner.uuid})
        self.assertEqual(winner.recv("msg")["msg"], ["hello, is anyone there?"])
        self.assertEqual(winner.recv("msg")["msg"], ["second message before anyone answered"])
        b = winner
        # Both ways, with chat states.
        b.send(type="msg", msg=["I'm here. What's on your mind?"], **{"I/O": "out"})
        web.expect("c1: I'm here. What's on your mind?")
        web.write("/state c1 composing")
        self.assertEqual(b.recv("chat_state")["state"], "typing")
        b.send(type="chat_state", state="composing", **{"I/O": "out"})
        web.expect("c1 ~ composing")
        # The operator ends the chat; the service (and so the caller) is told.
        b.send(type="disassociate")
        web.expect("c1 ended")
        with self.assertRaises(AssertionError):
            loser.recv("msg", timeout=0.5)

    def test_several_rings_time_out_together(self):
        server = self.start_server()
        web = self.caller(server)
        a = self.operator(server, self.key_a, "op-a")
        for c in ("c1", "c2", "c3"):
            web.say(c, "hello")
        ids = {a.recv("ring")["ID"] for _ in range(3)}
        self.assertEqual(len(ids), 3)
        for _ in range(3):
            ack = a.recv("ringACKACK", timeout=10)
            self.assertEqual(ack["UUID"], "")
            ids.discard(ack["ID"])
        self.assertEqual(ids, set())
        for c in ("c1", "c2", "c3"):
            web.expect(f"{c}: " + TEXTS["timed_out"])
        # The server is still healthy: a new caller rings.
        web.say("c4", "anyone?")
        self.assertGreater(a.recv("ring")["ID"], 3)

    def test_no_operator_connected(self):
        server = self.start_server()
        web = self.caller(server)
        web.say("c1", "hello?")
        web.expect("c1: " + TEXTS["no_operators"])

    def test_all_busy_is_said_and_busy_operators_still_see_rings(self):
        server = self.start_server()
        web = self.caller(server)
        a = self.operator(server, self.key_a, "op-a")
        web.say("c1", "first")
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        a.recv("ringACKACK", UUID="op-a")
        web.say("c2", "second")
        web.expect("c2: " + TEXTS["all_busy"])
        ring = a.recv("ring")
        a.send(type="ringACK", ID=ring["ID"])  # refused: op-a is in a chat
        server.wait_log("is in a chat")

    def test_ring_ids_survive_a_restart(self):
        server = self.start_server()
        web = self.caller(server)
        a = self.operator(server, self.key_a, "op-a")
        web.say("c1", "hi")
        first = a.recv("ring")["ID"]
        for p in (a, web, server):
            p.stop()
            self.procs.remove(p)
        server = self.start_server()
        web = self.caller(server)
        a = self.operator(server, self.key_a, "op-a")
        # The ring still open when nlchatd stopped rings again (the journal kept it) ...
        self.assertEqual(a.recv("ring")["ID"], first)
        # ... and a new one never reuses an ID.
        web.say("c2", "hi")
        self.assertGreater(a.recv("ring")["ID"], first)


class Liveness(ServerTest):
    def test_frozen_operator_gets_held_messages_once_in_order(self):
        server, web, a = self.chat()
        a.send_signal(signal.SIGSTOP)
        server.wait_log("left the pool (no answer to a probe)")
        for n, text in enumerate(("one", "two", "three"), 1):
            web.say("c1", text)
            server.wait_log(f"holding msg for operator op-a ({n} held)")
        a.send_signal(signal.SIGCONT)
        server.wait_log("operator op-a is back")
        self.assertEqual([a.recv("msg")["msg"][0] for _ in range(3)], ["one", "two", "three"])
        a.send(type="msg", msg=["sorry, my laptop slept"], **{"I/O": "out"})
        web.expect("c1: sorry, my laptop slept")
        # Nothing arrives twice.
        with self.assertRaises(AssertionError):
            a.recv("msg", timeout=1.5)

    def test_grace_runs_out(self):
        server, web, a = self.chat()
        a.stop(signal.SIGKILL)
        web.expect("c1: " + TEXTS["dropped"], timeout=10)
        web.expect("c1 ended")

    def test_reconnecting_with_the_same_key_continues_the_chat(self):
        server, web, a = self.chat()
        a.stop(signal.SIGKILL)
        server.wait_log("left the pool (connection lost)")
        web.say("c1", "hello? are you still there?")
        a2 = self.operator(server, self.key_a, "op-a")
        self.assertEqual(a2.recv("msg")["msg"], ["hello? are you still there?"])

    def test_disconnect_tells_the_caller(self):
        server, web, a = self.chat()
        a.send(type="disconnect")
        web.expect("c1: " + TEXTS["dropped"])
        a.closed()


class Services(ServerTest):
    def test_a_service_dying_and_returning(self):
        server, web, a = self.chat()
        web.stop(signal.SIGKILL)
        status = a.recv("status", services=[{"name": "Web", "status": "down"}])
        self.assertEqual(status["services"], [{"name": "Web", "status": "down"}])
        a.send(type="msg", msg=["are you still there?"], **{"I/O": "out"})
        web2 = self.caller(server)
        a.recv("status", services=[{"name": "Web", "status": "Connected"}])
        web2.expect("c1: are you still there?")
        web2.say("c1", "yes, my browser crashed")
        self.assertEqual(a.recv("msg")["msg"], ["yes, my browser crashed"])

    def test_status_lists_every_service(self):
        server = self.start_server()
        self.caller(server, "Web")
        other = self.caller(server, "Phone")
        a = self.operator(server, self.key_a, "op-a", join=False)
        first = a.recv("status")
        self.assertEqual(first["services"], [{"name": "Phone", "status": "Connected"},
                                             {"name": "Web", "status": "Connected"}])
        other.write("/status Reconnecting...")
        a.recv("status", services=[{"name": "Phone", "status": "Reconnecting..."},
                                   {"name": "Web", "status": "Connected"}])

    def test_a_service_without_chat_states(self):
        server = self.start_server()
        web = self.caller(server, "Web", "--no-chat-states")
        a = self.operator(server, self.key_a, "op-a")
        web.say("c1", "hi")
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        self.assertEqual(a.recv("chat_state")["state"], "no_state")


class Authentication(ServerTest):
    def test_unlisted_key_is_refused_with_a_reason(self):
        server = self.start_server()
        x = self.operator(server, self.key_x, "op-x", join=False)
        # In plaintext: nothing is encrypted to a key the server does not know.
        refused = x.plain("refused")
        self.assertIn("not authorized", refused["reason"])
        self.assertEqual(refused["UUID"], "op-x")
        x.closed()

    def test_wrong_challenge_answer_is_refused(self):
        server = self.start_server()
        a = self.operator(server, self.key_a, "op-a", "--wrong-challenge", join=False)
        self.assertIn("challenge", a.recv("refused")["reason"])
        a.closed()

    def test_uuid_takeover_with_another_key_is_refused(self):
        server = self.start_server()
        a = self.operator(server, self.key_a, "op-a")
        thief = self.operator(server, self.key_b, "op-a", join=False)
        self.assertIn("another key", thief.recv("refused")["reason"])
        thief.closed()
        a.send(type="probeACK")
        with self.assertRaises(AssertionError):
            a.closed(timeout=1)

    def test_sighup_reloads_authorized_keys(self):
        server = self.start_server(authorized=[self.fp_a])
        b = self.operator(server, self.key_b, "op-b", join=False)
        b.plain("refused")
        with open(server.authorized, "a") as f:
            f.write(self.fp_b + " late enrolment\n")
        server.send_signal(signal.SIGHUP)
        server.wait_log("SIGHUP: 2 operator key(s) authorized")
        self.operator(server, self.key_b, "op-b2")

    def test_refuses_to_start_without_authorized_keys(self):
        r = run([program("nlchatd"), "--listen", "127.0.0.1:0", "--key", self.path("k"),
                 "--service-socket", self.path("s")])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--authorized-keys FILE", r.stderr)
        self.assertIn(b"nlchat --fingerprint", r.stderr)

    def test_open_mode_warns(self):
        server = self.start_server(authorized=None, allow_any=True)
        self.assertTrue(any("ANY operator key may join" in l for l in server.err.seen))
        self.operator(server, self.key_x, "op-x")


class BadInput(ServerTest):
    def test_garbage_on_the_operator_port(self):
        server, web, a = self.chat()  # a chat in progress must not notice any of this
        host, port = server.address.rsplit(":", 1)
        sealed_to_bob = run([program("nlchat-packet"), "seal", "--key", server.key + ".pub", "--uuid", "op-a",
                             "--to", "bob"], input=b'{"type":"disconnect","UUID":"op-a"}\n').stdout
        block = json.loads(sealed_to_bob)["messages"][0]
        too_many = json.dumps({"messages": [block] * 11, "UUID": "op-a", "to": "alice"}).encode() + b"\n"
        # A connection that has not joined gets no second chance: each bad packet closes it.
        garbage = [b"garbage\n", b"{}\n", b"[1,2]\n", b"\xff\xfe\n",
                   b'{"messages":["AAAA"],"UUID":"u","to":"alice"}\n',  # not a ciphertext
                   sealed_to_bob,  # wrong `to`
                   too_many]
        for line in garbage:
            with socket.create_connection((host, int(port)), timeout=5) as s:
                s.recv(4096)  # server_online
                s.sendall(line)
                self.assertEqual(read_to_end(s), b"")  # closed by the server, nothing said
        # Before joining, a packet may have 10 blocks at most (enough for `key`).
        server.wait_log("11 blocks (1 to 10 allowed)")
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.recv(4096)
            # A packet for op-a from a connection that has not joined as op-a.
            s.sendall(run([program("nlchat-packet"), "seal", "--key", server.key + ".pub", "--uuid", "op-a",
                           "--to", "alice"], input=b'{"type":"disconnect","UUID":"op-a"}\n').stdout)
            server.wait_log("dropped disconnect sent before joining")
            # Lines are short until a connection has joined.
            s.sendall(b"x" * (9 * 1024))
            server.wait_log("line longer than 8192 bytes")
            self.assertEqual(read_to_end(s), b"")  # the server closed it
        self.assertGreaterEqual(sum("not joined: a packet that does not open" in l for l in server.err.seen), 7)
        # The chat goes on, and new operators can join.
        web.say("c1", "still there?")
        self.assertEqual(a.recv("msg")["msg"], ["still there?"])
        self.operator(server, self.key_b, "op-b")

    def test_a_caller_flooding_messages(self):
        server = self.start_server()
        web = self.caller(server)
        a = self.operator(server, self.key_a, "op-a")
        for n in range(510):
            web.say("flood", f"message {n}")
        for _ in range(10):
            web.expect("flood: Sorry, that message could not be delivered. Please wait a moment.")
        web.say("calm", "hello")  # another caller is served as usual
        rings = {a.recv("ring")["ID"] for _ in range(2)}
        a.send(type="ringACK", ID=min(rings))
        got = [a.recv("msg")["msg"][0] for _ in range(500)]
        self.assertEqual(got, [f"message {n}" for n in range(500)])

    def test_bad_commands_inside_good_packets(self):
        server = self.start_server()
        a = self.operator(server, self.key_a, "op-a")
        a.send(type="ringACK")                      # missing ID
        server.wait_log('rejected command: ringACK: missing field "ID"')
        a.send(type="ringACK", ID=12345)            # unknown ring
        a.send(type="msg", msg=["nobody to talk to"], **{"I/O": "out"})
        self.assertEqual(a.recv("chat_state")["state"], "gone")
        a.send(type="frobnicate")
        a.write(json.dumps({"type": "probeACK", "UUID": "someone-else"}))
        server.wait_log("wrapper and inner UUID differ")
        a.send(type="probeACK")

    def test_bad_lines_on_the_service_bus(self):
        server = self.start_server()
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(server.socket)
            s.sendall(b'not json\n{"type":"msg","address":"c1","msg":["early"]}\n')
            server.wait_log("bad line")
            server.wait_log("before service_online")
            s.sendall(b'{"type":"service_online","service":"Raw"}\n{"type":"msg","address":5}\n')
            server.wait_log("service Raw: msg: field \"address\" is not a UTF-8 string")
            s.sendall(b"y" * (70 * 1024))
            server.wait_log("line longer than")
        web = self.caller(server)
        web.say("c1", "still works")
        web.expect("c1: " + TEXTS["no_operators"])

    def test_sigterm_is_a_clean_shutdown(self):
        server = self.start_server()
        self.operator(server, self.key_a, "op-a")
        self.caller(server)
        self.assertEqual(server.stop(), 0)
        log = [l for l in server.err.seen if "nlchatd:" in l]
        self.assertIn("shutting down", log[-2])
        self.assertIn("stopped", log[-1])
        self.assertFalse(os.path.exists(server.socket))


class Deployment(ServerTest):
    def test_ipv6_listen_key_creation_and_file_modes(self):
        server = self.start_server(extra=FAST_TIMERS + ["--listen", "[::1]:0"])
        self.assertTrue(server.address.startswith("[::1]:"), server.address)
        self.assertEqual(os.stat(server.key).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(server.socket).st_mode & 0o777, 0o660)
        fingerprint = run([program("nlchat-packet"), "fingerprint", server.key]).stdout.decode().strip()
        self.assertTrue(any(fingerprint in l for l in server.err.seen))
        self.operator(server, self.key_a, "op-a")

    def test_an_existing_key_is_kept(self):
        key = self.path("server.key")
        make_key(key)
        with open(key, "rb") as f:
            before = f.read()
        server = self.start_server()
        self.assertEqual(server.key, key)
        with open(key, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_a_damaged_key_stops_the_server_with_a_reason(self):
        with open(self.path("server.key"), "w") as f:
            f.write("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
        os.chmod(self.path("server.key"), 0o600)
        r = run([program("nlchatd"), "--allow-any-key", "--listen", "127.0.0.1:0", "--key", self.path("server.key"),
                 "--service-socket", self.path("s")])
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"server.key", r.stderr)
        self.assertIn(b"malformed RSA private key", r.stderr)


class Options(TempDirTest):
    def test_help_and_version(self):
        r = run([program("nlchatd"), "--help"])
        self.assertEqual(r.returncode, 0)
        for option in ("--listen", "--authorized-keys", "--allow-any-key", "--service-socket", "--probe-after",
                       "--probe-timeout", "--grace", "--ring-timeout", "--config", "--state-dir"):
            self.assertIn(option, r.stdout.decode())
        self.assertRegex(run([program("nlchatd"), "--version"]).stdout.decode(), r"^nlchatd \d+\.\d+\.\d+")

    def test_bad_options_and_config(self):
        r = run([program("nlchatd"), "--grace", "soon"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"grace must be a number of seconds", r.stderr)
        r = run([program("nlchatd"), "--listen", "nowhere"])
        self.assertIn(b"is not HOST:PORT", r.stderr)
        for value in ("0", "17", "1.5", "many"):
            r = run([program("nlchatd"), "--max-chats-per-operator", value])
            self.assertEqual(r.returncode, 2, value)
            self.assertIn(f"max-chats-per-operator must be a whole number from 1 to 16, not '{value}'".encode(),
                          r.stderr)
        with open(self.path("bad.conf"), "w") as f:
            f.write("listen = 127.0.0.1:0\ncolour = blue\n")
        r = run([program("nlchatd"), "--config", self.path("bad.conf")])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"bad.conf:2: unknown setting 'colour'", r.stderr)

    def test_config_file_sets_timers_and_texts(self):
        with open(self.path("nlchatd.conf"), "w") as f:
            f.write("[server]\nallow-any-key = yes\nring-timeout = 1\n\n[messages]\n"
                    "no_operators = Nobody here right now.\\nTry again later.\n")
        server = Nlchatd(self.dir, extra=["--config", self.path("nlchatd.conf")])
        try:
            web = Caller(server, "Web")
            try:
                server.wait_log("service Web online")
                web.say("c1", "hi")
                web.expect("c1: Nobody here right now.")
                web.expect("Try again later.")
            finally:
                web.stop()
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
