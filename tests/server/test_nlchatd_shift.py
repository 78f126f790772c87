# SPDX-License-Identifier: GPL-3.0-or-later
"""The shift against the real nlchatd (nlchat-protocol(7), THE SHIFT), with operators
written from the manual in Python (tests/lib/v2client.py), a supervisor named by a role
in the authorized keys file, callers on the bus played by nlchat-caller (a service that
knows nothing of the shift), and a 2015 operator (the C++ test operator, no chat ids)
beside them: away and the no-listeners reply, a request for support, a read-along with
whispers that never reach the caller, hand-overs named and to anyone with nothing lost,
the board, and the figures file checked for every caller line and address used, then
read back by nlchat-stats."""
import csv
import io
import json
import os
import signal
import unittest

from nltest import Caller, Nlchatd, Operator, make_key, program, run
from test_nlchatd_v2 import TIMERS
from v2client import V2Operator, V2ServerTest, fingerprint, new_key

NO_LISTENERS = "Sorry, no listeners are available at the moment. Please try again later."
HANDOVER = "Another listener is with you now."


class ShiftTest(V2ServerTest):
    def setUp(self):
        super().setUp()
        self.keys = {name: new_key() for name in ("alice", "bob", "sam")}
        self.old_key = self.path("old.key")
        old_fp = make_key(self.old_key)
        self.authorized = self.path("authorized_keys")
        with open(self.authorized, "w") as f:
            f.write(f"{fingerprint(self.keys['alice'].publickey())} Alice\n")
            f.write(f"{fingerprint(self.keys['bob'].publickey())} Bob\n")
            f.write(f"role=supervisor {fingerprint(self.keys['sam'].publickey())} Sam\n")
            f.write(f"{old_fp} Old client\n")
        self.said = []  # every caller line and address, for the figures check

    def server(self, *extra):
        s = Nlchatd(self.dir, extra=TIMERS + ["--authorized-keys", self.authorized,
                                              "--max-chats-per-operator", "4"] + list(extra))
        self.procs.append(s)
        self.web = Caller(s, "Web")
        self.procs.append(self.web)
        s.saw("service Web online")
        return s

    def on_shift(self, server, name, uuid=None):
        """A client that reads chat ids and takes the shift; returns it and its shift answer."""
        op = V2Operator(server.address, self.keys[name], uuid or "op-" + name, chats=4)
        self.opened.append(op)
        status = op.recv("status")
        self.assertIs(status.get("shift"), True, "the shift is offered to a client with chat ids")
        op.send(type="shift", UUID=op.uuid)
        return op, op.recv("shift")

    def say(self, address, text):
        self.said += [address, text]
        self.web.say(address, text)

    def take(self, op, address, first):
        self.say(address, first)
        ring = op.recv("ring")
        op.send(type="ringACK", UUID=op.uuid, ID=ring["ID"])
        chat = op.recv("ringACKACK", ID=ring["ID"])["chat"]
        self.assertEqual(op.recv("msg", chat=chat)["msg"], [first])
        return chat

    def write(self, op, chat, text):
        self.said.append(text)
        op.send(type="msg", UUID=op.uuid, msg=[text], chat=chat, **{"I/O": "out"})

    def figures(self):
        with open(os.path.join(self.dir, "figures"), "rb") as f:
            return f.read()

    def test_away_not_rung_and_all_away_gets_no_listeners_kept_across_a_restart(self):
        server = self.server()
        alice, hello = self.on_shift(server, "alice")
        self.assertEqual((hello["name"], hello["role"], hello["away"]), ("Alice", "operator", False))
        bob, _ = self.on_shift(server, "bob")
        alice.send(type="away", UUID=alice.uuid, away=True)
        self.assertIs(alice.recv("shift")["away"], True)
        # Alice is away: the ring goes to Bob, who takes it; Alice was never rung.
        chat = self.take(bob, "addr-away-1", "first caller line")
        bob.send(type="away", UUID=bob.uuid, away=True)
        self.assertIs(bob.recv("shift")["away"], True)
        # Bob's chat goes on while he is away.
        self.say("addr-away-1", "still talking")
        self.assertEqual(bob.recv("msg", chat=chat)["msg"], ["still talking"])
        # Everyone away: a new caller is told at once, and nobody is rung.
        self.say("addr-away-2", "is anyone there")
        self.web.expect(f"addr-away-2: {NO_LISTENERS}")
        server.saw("(every one is away)")
        alice.send(type="away", UUID=alice.uuid, away=False)
        self.assertIs(alice.recv("shift")["away"], False)
        # Alice's first ring is the next caller's: she was rung for nothing while away.
        self.say("addr-away-3", "hello again")
        ring = alice.recv("ring")
        alice.send(type="ringACK", UUID=alice.uuid, ID=ring["ID"])
        self.assertEqual(alice.recv("msg")["msg"], ["hello again"])

        # A restart by kill -9: Bob is still away when his client joins again.
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)
        for op in (alice, bob):
            op.close()
        self.web.stop()
        server = self.server()
        bob2, hello = self.on_shift(server, "bob", "op-bob-2")
        self.assertIs(hello["away"], True)
        self.assertGreaterEqual(hello["away_for"], 0)
        alice2, hello = self.on_shift(server, "alice", "op-alice-2")
        self.assertIs(hello["away"], False)

    def test_a_request_for_support_survives_a_kill_of_nlchatd(self):
        server = self.server()
        alice, _ = self.on_shift(server, "alice")
        chat = self.take(alice, "addr-restart-1", "please stay")
        # Nobody else is on the shift: the request waits for someone.
        alice.send(type="support", UUID=alice.uuid, chat=chat)
        self.assertEqual(alice.recv("support_state", chat=chat)["seen_by"], 0)
        server.wait_log("asks for support")
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)
        alice.close()
        self.web.stop()
        server = self.server()
        # Alice comes back to her chat; Sam, the supervisor, comes on and is shown it.
        alice, _ = self.on_shift(server, "alice")
        sam, _ = self.on_shift(server, "sam")
        request = sam.recv("support_request", chat=chat)
        self.assertEqual((request["from"], request["state"]), ("Alice", "open"))
        sam.send(type="support_accept", UUID=sam.uuid, chat=chat)
        opened = sam.recv("readalong", chat=chat)
        self.assertEqual(opened["state"], "open")
        # The chat's lines from before the restart are not in memory any more.
        self.say("addr-restart-1", "are you still there?")
        self.assertEqual(sam.recv("read", chat=chat)["text"], "are you still there?")

    def test_support_read_along_and_whispers_that_never_reach_the_caller(self):
        server = self.server()
        alice, _ = self.on_shift(server, "alice")
        bob, _ = self.on_shift(server, "bob")
        sam, hello = self.on_shift(server, "sam")
        self.assertEqual(hello["role"], "supervisor")
        sam.recv("board")
        chat = self.take(alice, "addr-support-1", "I cannot cope tonight")
        # The board follows: the ring answered, Alice in one chat.
        board = sam.recv("board")
        while board["answered"] != 1:
            board = sam.recv("board")
        self.assertEqual((board["rung"], board["rings"]), (1, []))
        self.assertEqual([(o["name"], o["chats"]) for o in board["operators"]], [("Alice", 1), ("Bob", 0), ("Sam", 0)])
        self.write(alice, chat, "I am here with you")
        self.web.expect("addr-support-1: I am here with you")
        alice.send(type="support", UUID=alice.uuid, chat=chat)
        asked = alice.recv("support_state", chat=chat)
        self.assertEqual((asked["state"], asked["seen_by"]), ("asked", 1))
        request = sam.recv("support_request", chat=chat)
        self.assertEqual((request["from"], request["state"]), ("Alice", "open"))
        # The board shows the request.
        board = sam.recv("board")
        while not board["requests"]:
            board = sam.recv("board")
        self.assertEqual(board["requests"][0]["from"], "Alice")

        sam.send(type="support_accept", UUID=sam.uuid, chat=chat)
        opened = sam.recv("readalong", chat=chat)
        self.assertEqual(opened["state"], "open")
        self.assertEqual(opened["operator"], "Alice")
        self.assertEqual([e["text"] for e in opened["history"]], ["I cannot cope tonight", "I am here with you"])
        self.assertEqual(alice.recv("support_state", chat=chat)["state"], "reading")

        self.say("addr-support-1", "everything is too much")
        self.assertEqual(alice.recv("msg", chat=chat)["msg"], ["everything is too much"])
        read = sam.recv("read", chat=chat)
        self.assertEqual((read["from"], read["text"]), ("caller", "everything is too much"))
        sam.send(type="whisper", UUID=sam.uuid, chat=chat, text="WHISPER ask what helped before")
        whisper = alice.recv("whisper", chat=chat)
        self.assertEqual((whisper["text"], whisper["from"]), ("WHISPER ask what helped before", "Sam"))
        # Bob, who does not read along, cannot whisper.
        bob.send(type="whisper", UUID=bob.uuid, chat=chat, text="WHISPER from bob")
        self.assertEqual(bob.recv("readalong", chat=chat)["state"], "ended")

        # Alice ends the read-along; the supervisor is told; later lines do not reach them.
        alice.send(type="support_end", UUID=alice.uuid, chat=chat)
        self.assertEqual(sam.recv("readalong", chat=chat)["state"], "ended")
        self.write(alice, chat, "what has helped before?")
        self.web.expect("addr-support-1: what has helped before?")
        sam.send(type="whisper", UUID=sam.uuid, chat=chat, text="WHISPER too late")
        self.assertEqual(sam.recv("readalong", chat=chat)["state"], "ended")
        alice.send(type="disassociate", UUID=alice.uuid, chat=chat)
        server.saw("ended the chat")

        # The caller never saw a whisper: nlchat-caller's whole output is searched.
        self.web.stop()
        for line in self.web.out.seen:
            self.assertNotIn("WHISPER", line)

    def test_hand_over_named_and_to_anyone_with_nothing_lost(self):
        server = self.server()
        alice, _ = self.on_shift(server, "alice")
        bob, _ = self.on_shift(server, "bob")
        chat = self.take(alice, "addr-hand-1", "hello, long night")
        alice.send(type="handover", UUID=alice.uuid, chat=chat, to="bob", note="end of my shift")
        self.assertEqual(alice.recv("handover_state", chat=chat)["state"], "offered")
        offer = bob.recv("handover_offer", chat=chat)
        self.assertEqual((offer["from"], offer["note"], offer["state"]), ("Alice", "end of my shift", "open"))
        # During the offer both sides still talk, and nothing is lost.
        self.say("addr-hand-1", "during the hand-over")
        self.assertEqual(alice.recv("msg", chat=chat)["msg"], ["during the hand-over"])
        self.write(alice, chat, "a colleague will be with you")
        self.web.expect("addr-hand-1: a colleague will be with you")
        bob.send(type="handover_accept", UUID=bob.uuid, chat=chat)
        got = bob.recv("handover_chat", chat=chat)
        self.assertEqual(got["from"], "Alice")
        self.assertEqual([e["text"] for e in got["history"]],
                         ["hello, long night", "during the hand-over", "a colleague will be with you"])
        done = alice.recv("handover_state", chat=chat)
        self.assertEqual((done["state"], done["to"]), ("done", "Bob"))
        self.web.expect(f"addr-hand-1: {HANDOVER}")
        # Alice's line written before she knew still reaches the caller; Bob sees it.
        self.write(alice, chat, "goodbye from Alice")
        self.web.expect("addr-hand-1: goodbye from Alice")
        self.assertEqual(bob.recv("read", chat=chat)["from"], "previous")
        self.say("addr-hand-1", "after the hand-over")
        msg = bob.recv("msg", chat=chat)
        # Numbered on from Alice's lines 1 and 2: a number is never used twice in a chat.
        self.assertEqual((msg["msg"], msg["line"]), (["after the hand-over"], 3))
        self.write(bob, chat, "Bob here")
        self.web.expect("addr-hand-1: Bob here")

        # To anyone: Alice (back on it) and Sam are offered it; Sam takes it.
        sam, _ = self.on_shift(server, "sam")
        bob.send(type="handover", UUID=bob.uuid, chat=chat)
        self.assertEqual(bob.recv("handover_state", chat=chat)["seen_by"], 2)
        alice.recv("handover_offer", chat=chat, state="open")
        sam.recv("handover_offer", chat=chat, state="open")
        self.say("addr-hand-1", "and during the second")
        self.assertEqual(bob.recv("msg", chat=chat)["msg"], ["and during the second"])
        sam.send(type="handover_accept", UUID=sam.uuid, chat=chat)
        second = sam.recv("handover_chat", chat=chat)
        self.assertEqual(second["from"], "Bob")
        self.assertNotIn("and during the second", [e["text"] for e in second["history"]])
        self.assertIn("Bob here", [e["text"] for e in second["history"]])
        alice.recv("handover_offer", chat=chat, state="closed")
        alice.send(type="handover_accept", UUID=alice.uuid, chat=chat)
        alice.recv("handover_offer", chat=chat, state="closed")
        self.say("addr-hand-1", "who now")
        # Bob's client had not acknowledged the last text (its link says so with its next
        # frame): it is Sam's now, before the next, and not in the history he got.
        self.assertEqual(sam.recv("msg", chat=chat)["msg"], ["and during the second"])
        self.assertEqual(sam.recv("msg", chat=chat)["msg"], ["who now"])
        sam.send(type="disassociate", UUID=sam.uuid, chat=chat)
        server.saw("ended the chat")

    def test_a_2015_operator_and_the_figures_see_nothing_of_it(self):
        server = self.server()
        old = Operator(server, self.old_key, "old-client")
        self.procs.append(old)
        status = old.joined()
        self.assertNotIn("shift", status)
        alice, _ = self.on_shift(server, "alice")
        bob, _ = self.on_shift(server, "bob")
        chat = self.take(alice, "addr-fig-1", "figures caller text")
        # The 2015 client answers nothing; its ringACK loses to Alice's, as today.
        self.write(alice, chat, "figures operator text")
        self.web.expect("addr-fig-1: figures operator text")
        alice.send(type="support", UUID=alice.uuid, chat=chat)
        bob.recv("support_request", chat=chat)
        alice.send(type="handover", UUID=alice.uuid, chat=chat, to="Bob", note="figures note")
        bob.recv("handover_offer", chat=chat)
        bob.send(type="handover_accept", UUID=bob.uuid, chat=chat)
        bob.recv("handover_chat", chat=chat)
        self.web.expect(f"addr-fig-1: {HANDOVER}")
        self.say("addr-fig-1", "bye now")
        bob.recv("msg", chat=chat)
        bob.send(type="disassociate", UUID=bob.uuid, chat=chat)
        server.saw("ended the chat")
        # A ring nobody takes (the 2015 client ignores it): a missed ring.
        alice.send(type="away", UUID=alice.uuid, away=True)
        bob.send(type="away", UUID=bob.uuid, away=True)
        alice.recv("shift")
        bob.recv("shift")
        self.say("addr-fig-2", "nobody answers me")
        old.recv("ring")
        server.saw("timed out", timeout=30)
        old.quit()
        for line in old.out.seen:
            inner = json.loads(line).get("recv", {})
            self.assertNotIn(inner.get("type"), ("shift", "board", "support_request", "handover_offer",
                                                 "whisper", "readalong", "read", "reminder"))
            self.assertNotIn("chat", inner)
        server.stop()
        # No text, address or id of a caller in the figures file, byte for byte.
        data = self.figures()
        for needle in self.said + ["figures note"]:
            self.assertNotIn(needle.encode(), data, f"{needle!r} is in the figures file")
        records = [json.loads(line) for line in data.decode().splitlines()]
        kinds = sorted((r["kind"], r.get("outcome", r.get("ended_by"))) for r in records)
        self.assertEqual(kinds, [("chat", "operator"), ("ring", "answered"), ("ring", "timed_out")])
        chat_record = next(r for r in records if r["kind"] == "chat")
        self.assertEqual((chat_record["handovers"], chat_record["support"]), (1, 1))
        # nlchat-stats reads it back with the same figures.
        r = run([program("nlchat-stats"), "--csv", os.path.join(self.dir, "figures")])
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
        self.assertEqual(len(rows), 1, r.stdout)
        row = rows[0]
        self.assertEqual((row["rings"], row["answered"], row["missed"]), ("2", "1", "1"))
        self.assertEqual((row["chats"], row["handovers"], row["support"]), ("1", "1", "1"))


if __name__ == "__main__":
    unittest.main()
