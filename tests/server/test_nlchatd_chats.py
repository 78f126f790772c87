# SPDX-License-Identifier: GPL-3.0-or-later
"""Several chats per operator against the real nlchatd (nlchat-protocol(7), SEVERAL
CHATS): an operator client written in the tests that says "chats" holds two chats with
--max-chats-per-operator 2, each line lands in and goes to its own chat, and a 2015
operator beside it (the C++ test operator, which sends no chat ids) is held to one chat
and never sees a chat id."""
import unittest

from nltest import Operator, make_key
from test_nlchatd_v2 import V2Test
from v2client import new_key


class SeveralChats(V2Test):
    def operator(self, server, uuid, chats):
        op = self.v2(server, uuid, key=new_key(), chats=chats)
        op.recv("status")
        return op

    def take(self, op, caller, first):
        """`caller` writes; `op` takes the ring. Returns the chat id its ringACKACK names."""
        self.web.say(caller, first)
        ring = op.recv("ring")
        op.send(type="ringACK", UUID=op.uuid, ID=ring["ID"])
        ack = op.recv("ringACKACK", ID=ring["ID"])
        self.assertEqual(ack["UUID"], op.uuid)
        msg = op.recv("msg")
        self.assertEqual(msg["msg"], [first])
        self.assertEqual(msg.get("chat"), ack.get("chat"))
        return ack.get("chat")

    def test_two_chats_at_once_each_line_in_its_own_chat(self):
        server = self.server("--max-chats-per-operator", "2")
        op = self.operator(server, "op-two", chats=2)
        one = self.take(op, "c1", "first caller")
        two = self.take(op, "c2", "second caller")
        self.assertIsNotNone(one)
        self.assertIsNotNone(two)
        self.assertNotEqual(one, two)

        # Interleaved both ways: every line lands in, and goes to, its own chat.
        for n in range(3):
            self.web.say("c2", f"two says {n}")
            self.web.say("c1", f"one says {n}")
        got = {one: [], two: []}
        for _ in range(6):
            msg = op.recv("msg")
            got[msg["chat"]].extend(msg["msg"])
        self.assertEqual(got[one], [f"one says {n}" for n in range(3)])
        self.assertEqual(got[two], [f"two says {n}" for n in range(3)])
        op.send(type="msg", UUID=op.uuid, **{"I/O": "out"}, msg=["for two"], chat=two)
        op.send(type="msg", UUID=op.uuid, **{"I/O": "out"}, msg=["for one"], chat=one)
        self.web.expect("c2: for two")
        self.web.expect("c1: for one")

        # A third caller rings; the operator is at its limit, so its ringACK is refused.
        self.web.say("c3", "third")
        ring = op.recv("ring")
        op.send(type="ringACK", UUID=op.uuid, ID=ring["ID"])
        server.wait_log(f"its ringACK for ring {ring['ID']} is refused")
        # Ending chat one frees a place; the other goes on.
        op.send(type="disassociate", UUID=op.uuid, chat=one)
        self.web.expect("c1 ended")
        op.send(type="ringACK", UUID=op.uuid, ID=ring["ID"])
        three = op.recv("ringACKACK", ID=ring["ID"])["chat"]
        self.assertEqual(op.recv("msg")["msg"], ["third"])
        self.web.say("c2", "still two")
        msg = op.recv("msg")
        self.assertEqual((msg["chat"], msg["msg"]), (two, ["still two"]))
        # The caller of chat two leaves: the operator is told which chat.
        self.web.write("/leave c2")
        gone = op.recv("chat_state", state="gone")
        self.assertEqual(gone["chat"], two)
        op.send(type="msg", UUID=op.uuid, **{"I/O": "out"}, msg=["for three"], chat=three)
        self.web.expect("c3: for three")

    def test_a_numbered_line_the_server_does_not_pass_on_is_named_back(self):
        server = self.server("--max-chats-per-operator", "2")
        op = self.operator(server, "op-lines", chats=2)
        one = self.take(op, "c1", "first caller")
        two = self.take(op, "c2", "second caller")
        out = {"I/O": "out"}
        # No chat named with two open: which caller is meant cannot be guessed.
        op.send(type="msg", UUID=op.uuid, **out, msg=["to whom?"], line=5)
        told = op.recv("undelivered", line=5)
        self.assertEqual(told["reason"], "it named no chat, and 2 are open")
        self.assertNotIn("chat", told)
        # Over the server's limit of 8192 bytes a text.
        op.send(type="msg", UUID=op.uuid, **out, msg=["x" * 8193], line=6, chat=one)
        told = op.recv("undelivered", line=6)
        self.assertEqual(told["reason"], "longer than 8192 bytes, the server's limit")
        self.assertEqual(told["chat"], one)
        # A chat that has ended: gone, and the line named too.
        self.web.write("/leave c2")
        op.recv("chat_state", state="gone", chat=two)
        op.send(type="msg", UUID=op.uuid, **out, msg=["too late"], line=7, chat=two)
        self.assertEqual(op.recv("undelivered", line=7)["reason"], "the caller had left")
        # A line that does go through gets no word back, and is the next the caller sees:
        # none of the three above reached the service.
        op.send(type="msg", UUID=op.uuid, **out, msg=["this one arrives"], line=8, chat=one)
        self.web.expect("c1: this one arrives")
        self.assertFalse([l for l in self.web.out.seen if "to whom?" in l or "too late" in l or "xxxx" in l])
        server.wait_log("a line was not delivered: it named no chat")

    def test_a_2015_operator_beside_it_holds_one_chat_and_sees_no_chat_id(self):
        server = self.server("--max-chats-per-operator", "2")
        make_key(self.path("old"))
        old = Operator(server, self.path("old"), "op-2015")
        self.procs.append(old)
        old.joined()
        self.web.say("c1", "hello old")
        ring = old.recv("ring")
        old.send(type="ringACK", UUID="op-2015", ID=ring["ID"])
        ack = old.recv("ringACKACK", ID=ring["ID"])
        self.assertNotIn("chat", ack)
        msg = old.recv("msg")
        self.assertEqual(msg["msg"], ["hello old"])
        self.assertNotIn("chat", msg)
        # A second ring: refused for it (one chat), taken by the client with chat ids.
        new = self.operator(server, "op-new", chats=2)
        self.web.say("c2", "hello new")
        ring2 = old.recv("ring")
        old.send(type="ringACK", UUID="op-2015", ID=ring2["ID"])
        server.wait_log(f"its ringACK for ring {ring2['ID']} is refused")
        new.recv("ring", ID=ring2["ID"])
        new.send(type="ringACK", UUID=new.uuid, ID=ring2["ID"])
        # The 2015 operator's copy of the winner's ringACKACK names no chat.
        self.assertNotIn("chat", old.recv("ringACKACK", ID=ring2["ID"]))
        self.assertIn("chat", new.recv("ringACKACK", ID=ring2["ID"]))
        old.send(type="msg", UUID="op-2015", **{"I/O": "out"}, msg=["old replies"])
        self.web.expect("c1: old replies")
        self.web.say("c1", "again")
        self.assertNotIn("chat", old.recv("msg"))


if __name__ == "__main__":
    unittest.main()
