# SPDX-License-Identifier: GPL-3.0-or-later
"""nlchatd's journal (nlchatd(8), FILES): kill -9 at random moments of a chat, twenty
times, loses nothing acknowledged, delivers nothing twice and keeps the order, and the
caller of the chat is never told that nobody is there; a journal cut off mid-record or
holding junk is read up to what is whole; a journal that cannot be written stops new
chats, politely, and keeps the chats there are — a full disk and a read-only state dir
on a tmpfs of the test's own among them —; ended chats leave no text on disk."""
import os
import random
import signal
import stat
import subprocess
import time
import unittest

from nltest import FAST_TIMERS, BusService, Caller, Nlchatd, Operator, TempDirTest, make_key

# Short probes, but a grace longer than any restart here.
TIMERS = FAST_TIMERS + ["--grace", "60"]
NOBODY = "Sorry, no listeners"
OFFLINE = "unexpectedly gone offline"


class JournalTest(TempDirTest):
    """nlchatd with a state dir (the journal's) and helpers for a chat in it."""

    def setUp(self):
        super().setUp()
        self.procs = []
        self.key = self.path("a")
        self.fp = make_key(self.key)
        self.fps = [self.fp]
        self.state = self.dir

    def tearDown(self):
        for p in reversed(self.procs):
            p.stop(signal.SIGKILL)
        super().tearDown()

    def server(self):
        s = Nlchatd(self.dir, authorized=self.fps, extra=TIMERS + ["--state-dir", self.state])
        self.procs.append(s)
        return s

    def operator(self, server):
        op = Operator(server, self.key, "op-a")
        self.procs.append(op)
        op.joined()
        return op

    def kill(self, p):
        p.proc.kill()
        p.stop()
        self.procs.remove(p)

    def journal_text(self):
        with open(os.path.join(self.state, "journal"), "rb") as f:
            return f.read()

    def chat(self, first):
        """nlchatd, the Web service (nlchat-caller) and op-a in a chat with c1."""
        server = self.server()
        web = Caller(server, "Web")
        self.procs.append(web)
        a = self.operator(server)
        server.wait_log("service Web online")
        web.say("c1", first)
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        a.recv("msg")
        return server, web, a

    def hold(self, server, web, a, text):
        """op-a's connection goes (and nlchatd has seen it go); c1 writes `text`, held
        for op-a and journaled."""
        self.kill(a)
        server.wait_log("op-a left the pool (connection lost)")
        web.say("c1", text)
        server.wait_log("holding msg for operator op-a")
        time.sleep(0.2)  # committed at the end of that loop turn


class Journal(JournalTest):
    def test_kill_9_at_random_moments_loses_and_repeats_nothing(self):
        rng = random.Random(20261130)
        server = self.server()
        web = Caller(server, "Web", "--redial")
        self.procs.append(web)
        server.wait_log("service Web online (with acknowledgements)")
        a = self.operator(server)
        expected, got = ["hello 0"], []
        web.say("c1", "hello 0")
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        for i in range(1, 21):
            # Whatever the caller wrote so far reaches the operator, once and in order.
            while len(got) < len(expected):
                got += a.recv("msg", timeout=15)["msg"]
            self.assertEqual(got, expected, f"round {i}")
            # And the operator's words reach the caller.
            a.send(type="msg", msg=[f"reply {i}"], **{"I/O": "out"})
            web.expect(f"c1: reply {i}")
            # The operator's connection goes; what the caller writes now is held for it.
            # (Once nlchatd has seen it go: a v1 operator acknowledges nothing, so a line
            # written to its socket in the moment before the close is noticed counts as
            # delivered. The v2 session's acknowledgements are what close that gap.)
            self.kill(a)
            server.wait_log("op-a left the pool (connection lost)")
            for n in range(rng.randint(1, 3)):
                text = f"round {i} line {n}"
                web.say("c1", text)
                expected.append(text)
            time.sleep(rng.uniform(0, 0.3))  # some taken and acknowledged, some not yet
            self.kill(server)
            server = self.server()
            server.wait_log("service Web online", timeout=15)
            a = self.operator(server)
        while len(got) < len(expected):
            got += a.recv("msg", timeout=15)["msg"]
        self.assertEqual(got, expected)
        with self.assertRaises(AssertionError):
            a.recv("msg", timeout=1)  # nothing twice
        self.assertFalse([l for l in web.out.seen if NOBODY in l or OFFLINE in l], web.out.seen)

    def test_a_journal_cut_off_or_with_junk_is_read_up_to_what_is_whole(self):
        server, web, a = self.chat("hello")
        self.hold(server, web, a, "kept")
        self.kill(server)
        with open(self.path("journal"), "ab") as f:
            f.write(b'not a record\n{"j":"held","op":"op-a","te')  # junk, then a torn record
        server = self.server()
        server.saw("the journal's last record was cut off")
        server.saw("1 unreadable line(s); skipped")
        server.saw("1 chat(s) with 1 held text(s)")
        a = self.operator(server)
        self.assertEqual(a.recv("msg")["msg"], ["kept"])
        self.assertNotIn(b"not a record", self.journal_text())  # compacted at start
        self.assertEqual(stat.S_IMODE(os.stat(self.path("journal")).st_mode), 0o600)

    def test_an_ended_chat_leaves_no_text_in_the_journal(self):
        server, web, a = self.chat("a secret of mine")
        self.hold(server, web, a, "another secret")
        self.assertIn(b"another secret", self.journal_text())  # waiting for its operator
        web.write("/leave c1")
        server.wait_log("left the chat with operator op-a")
        time.sleep(0.3)  # the rewrite comes at the end of that loop turn
        text = self.journal_text()
        self.assertNotIn(b"secret", text)
        # Who the caller was goes too (the msg ids it sent stay, for the dedupe, and are
        # random hex that may well contain "c1", so the address field itself is sought).
        self.assertNotIn(b'"addr":"c1"', text)
        self.assertNotIn(b'"j":"chat"', text)

    def test_an_unwritable_journal_stops_new_chats_and_keeps_the_chat_there_is(self):
        server, web, a = self.chat("hello")
        # The rewrite nlchatd makes when a ring ends cannot create its new file (as root,
        # file modes do not stop a write, so the way is blocked by a directory). The ring
        # just taken made nlchatd rewrite the journal too: its journal.new may be there
        # for a moment, until renamed.
        deadline = time.monotonic() + 10
        while True:
            try:
                os.mkdir(self.path("journal.new"))
                break
            except FileExistsError:
                self.assertLess(time.monotonic(), deadline, "nlchatd's journal.new stayed")
                time.sleep(0.01)
        web.say("c2", "is anyone there")
        web.write("/leave c2")  # the ring ends: the journal must be rewritten, and cannot
        server.wait_log("cannot rewrite the journal")
        web.say("c3", "hello?")
        web.expect("c3: Sorry, the chat service cannot take new chats at the moment. Please try again in a few minutes.")
        web.say("c1", "still talking")
        self.assertEqual(a.recv("msg")["msg"], ["still talking"])
        os.rmdir(self.path("journal.new"))
        web.say("c1", "and now")
        self.assertEqual(a.recv("msg")["msg"], ["and now"])
        server.wait_log("the journal can be written again")


REFUSED = "Sorry, the chat service cannot take new chats at the moment. Please try again in a few minutes."


class JournalOnItsOwnDisk(JournalTest):
    """The state dir is a small tmpfs of the test's own, which the test fills or makes
    read-only. Mounting needs root (CI runs as root); anywhere it is not allowed, these
    tests say so and are skipped."""

    def setUp(self):
        super().setUp()
        self.state = self.path("state")
        os.mkdir(self.state, 0o700)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "nlchat-test", self.state],
                           capture_output=True, check=False)
        if r.returncode != 0:
            self.skipTest("cannot mount a tmpfs here (needs root): " + r.stderr.decode().strip())
        # A cleanup, not tearDown: it runs even if the rest of setUp fails, after the
        # programs using the mount are stopped and before the directory is removed.
        self.addCleanup(subprocess.run, ["umount", "-l", self.state], check=False)
        # op-b stays in the pool, so that a new caller is refused for the journal's
        # sake, not because nobody is there.
        self.key_b = self.path("b")
        self.fps.append(make_key(self.key_b))

    def operator_b(self, server):
        b = Operator(server, self.key_b, "op-b")
        self.procs.append(b)
        b.joined()
        return b

    def remount(self, mode):
        subprocess.run(["mount", "-o", "remount," + mode, self.state], check=True)

    def chat_on_the_bus(self):
        """nlchatd, a service written here (whose acknowledgements the test sees) and
        op-a in a chat with c1; op-a's connection then goes, so what c1 writes is held."""
        server = self.server()
        bus = BusService(server)
        self.addCleanup(bus.close)
        a = self.operator(server)
        self.operator_b(server)
        bus.send(type="msg", address="c1", msg=["hello"], id="r1")
        bus.ack("r1")
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        self.assertEqual(a.recv("msg")["msg"], ["hello"])
        self.kill(a)
        server.wait_log("op-a left the pool (connection lost)")
        return server, bus

    def refuses_new_chats_and_acknowledges_nothing(self, server, bus, why):
        # Bigger than a page, so that no room left in the journal's last page can take it.
        held = "held while the disk says no " + "x" * 5000
        bus.send(type="msg", address="c1", msg=[held], id="r2")
        server.wait_log("holding msg for operator op-a")
        line = server.wait_log(why)
        self.assertRegex(line, r"warning: cannot (open|write|rewrite) the journal")
        self.assertIn("no new chat starts until it can be written", line)
        with self.assertRaises(AssertionError):
            bus.ack("r2", timeout=1.5)  # not written, so not promised
        bus.send(type="msg", address="c2", msg=["is anyone there"], id="r3")
        reply = bus.expect(lambda l: l.get("type") == "msg" and l.get("address") == "c2")
        self.assertEqual(reply["msg"], [REFUSED])
        self.assertEqual(reply.get("origin"), "server")
        return held

    def recovers_and_keeps_it_through_a_kill(self, server, bus, held):
        server.wait_log("the journal can be written again", timeout=5)
        bus.ack("r2", timeout=5)
        bus.ack("r3", timeout=5)
        self.assertIn(held.encode(), self.journal_text())
        bus.close()
        self.kill(server)
        server = self.server()
        server.saw("1 chat(s) with 1 held text(s)")
        a = self.operator(server)
        self.assertEqual(a.recv("msg")["msg"], [held])
        with self.assertRaises(AssertionError):
            a.recv("msg", timeout=1)  # once
        return server, a

    def test_a_full_disk_stops_new_chats_and_acknowledges_only_what_it_wrote(self):
        server, bus = self.chat_on_the_bus()
        filler = os.path.join(self.state, "filler")
        with open(filler, "wb") as f:
            with self.assertRaises(OSError):  # ENOSPC: the tmpfs is full
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
        held = self.refuses_new_chats_and_acknowledges_nothing(server, bus, "No space left on device")
        os.unlink(filler)
        self.recovers_and_keeps_it_through_a_kill(server, bus, held)

    def test_a_read_only_state_dir_stops_new_chats_and_acknowledges_only_what_it_wrote(self):
        server, bus = self.chat_on_the_bus()
        self.remount("ro")
        held = self.refuses_new_chats_and_acknowledges_nothing(server, bus, "Read-only file system")
        self.remount("rw")
        server, a = self.recovers_and_keeps_it_through_a_kill(server, bus, held)
        # Started on a state dir already read-only: the journal is read, the chat goes on
        # (it is the operator's), and new chats are refused politely.
        a.send(type="msg", msg=["still here"], **{"I/O": "out"})
        self.kill(a)
        server.wait_log("op-a left the pool (connection lost)")
        self.kill(server)
        self.remount("ro")
        server = self.server()
        server.saw("cannot rewrite the journal")
        server.saw("Read-only file system")
        bus = BusService(server)
        self.addCleanup(bus.close)
        a = self.operator(server)
        self.operator_b(server)
        bus.send(type="msg", address="c1", msg=["after the restart"], id="r4")
        self.assertEqual(a.recv("msg")["msg"], ["after the restart"])
        bus.send(type="msg", address="c3", msg=["hello?"], id="r5")
        reply = bus.expect(lambda l: l.get("type") == "msg" and l.get("address") == "c3")
        self.assertEqual(reply["msg"], [REFUSED])


if __name__ == "__main__":
    unittest.main()
