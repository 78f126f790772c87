# SPDX-License-Identifier: GPL-3.0-or-later
"""What a restart of nlchatd (kill -9 or SIGTERM) must not lose, checked with peers
written in the tests from nlchat-protocol(7) (v2client.py's operator, nltest.BusService):
a caller's line written to a v2 operator that had not acknowledged it (the operator had
stopped reading) arrives after the restart, once; an operator's line for a service that
was away is on disk and reaches the service, with an id, when it is back; a session does
not outlive its operator's grace."""
import signal
import time

from nltest import BusService, Nlchatd
from v2client import V2Operator, V2ServerTest

TIMERS = ["--probe-after", "2", "--probe-timeout", "2", "--ring-timeout", "20", "-v"]


class RestartTest(V2ServerTest):
    def server(self, grace="60"):
        s = Nlchatd(self.dir, allow_any=True, extra=TIMERS + ["--grace", grace, "--state-dir", self.dir])
        self.procs.append(s)
        return s

    def stop(self, server, sig):
        server.proc.send_signal(sig)
        server.proc.wait(timeout=10)
        server.stop()
        self.procs.remove(server)

    def v2(self, server, **kw):
        op = V2Operator(server.address, self.key, "op-a", chats=2, **kw)
        self.opened.append(op)
        return op

    def chat(self, server, web):
        """op-a on v2, in a chat with c1; returns the operator and the chat's id."""
        op = self.v2(server)
        op.recv("status")
        web.send(type="msg", address="c1", msg=["hello"], id="w-1")
        web.ack("w-1")
        ring = op.recv("ring")
        op.send(type="ringACK", UUID="op-a", ID=ring["ID"])
        first = op.recv("msg")
        self.assertEqual((first["msg"], first["line"]), (["hello"], 1))
        op.bare_ack()
        return op, ring["ID"]


class Restart(RestartTest):
    def test_a_line_the_v2_operator_had_not_acknowledged_arrives_after_the_restart(self):
        for sig in (signal.SIGKILL, signal.SIGTERM):
            with self.subTest(signal=signal.Signals(sig).name):
                self.setUp()
                server = self.server()
                web = BusService(server, "Web")
                op, chat = self.chat(server, web)
                # The operator stops reading; the caller writes; nlchatd takes the line
                # (the service is told so) and sends it in a frame nobody reads.
                web.send(type="msg", address="c1", msg=["are you there?"], id="w-2")
                web.ack("w-2")
                time.sleep(0.3)
                self.stop(server, sig)
                web.close()
                op.close()
                server = self.server()
                server.saw("journal: 1 chat(s) with 1 held text(s)")
                web = BusService(server, "Web")
                again = self.v2(server, session=op.session)
                self.assertFalse(again.answer["resumed"])  # a restarted server has no sessions
                line = again.recv("msg")
                self.assertEqual((line["msg"], line["chat"], line["line"]), (["are you there?"], chat, 2))
                # Once: an operator that acknowledges it does not get it after a second restart.
                again.bare_ack()
                time.sleep(0.3)
                self.stop(server, signal.SIGKILL)
                server = self.server()
                server.saw("journal: 1 chat(s) with 0 held text(s)")
                web.close()
                again.close()
                self.tearDown()

    def test_an_operators_line_for_a_service_that_is_away_survives_and_arrives_with_an_id(self):
        server = self.server()
        web = BusService(server, "Web")
        op, chat = self.chat(server, web)
        web.close()
        server.saw("service Web went away")
        op.send(type="msg", UUID="op-a", msg=["I'm still here"], chat=chat, line=1, **{"I/O": "out"})
        op.send(type="disassociate", UUID="op-a", chat=chat)
        time.sleep(0.3)
        self.stop(server, signal.SIGKILL)
        server = self.server()
        server.saw("unacknowledged line(s) restored")
        web = BusService(server, "Web")
        line = web.expect(lambda l: l.get("type") == "msg" and l.get("msg") == ["I'm still here"],
                          what="the operator's line")
        self.assertIn("id", line)
        self.assertEqual(line["address"], "c1")
        web.expect(lambda l: l.get("type") == "disassociate" and l.get("address") == "c1",
                   what="the end of the chat")
        web.close()

    def test_after_the_grace_a_redial_does_not_resume_the_session(self):
        server = self.server(grace="1")
        web = BusService(server, "Web")
        op, chat = self.chat(server, web)
        op.close()
        server.saw("op-a left the pool")
        web.expect(lambda l: l.get("msg") == ["Sorry, the listener has unexpectedly gone offline."],
                   what="the caller told the listener went offline")
        time.sleep(0.5)
        again = self.v2(server, session=op.session)
        self.assertFalse(again.answer["resumed"])
        web.close()
