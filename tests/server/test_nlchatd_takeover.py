# SPDX-License-Identifier: GPL-3.0-or-later
"""One key on two connections, seen from nlchatd: the newest connection takes the UUID
over and the old one is told why; a client that knows nothing of this and redials
blindly (as a 2015 client would) is bounded by the server's takeover limit."""
import signal
import time

from test_nlchatd import ServerTest


class Takeover(ServerTest):
    def test_the_old_connection_is_told_it_was_replaced(self):
        server, web, a = self.chat()
        a2 = self.operator(server, self.key_a, "op-a")
        refused = a.recv("refused")
        self.assertEqual(refused.get("code"), "replaced")
        self.assertIn("another terminal", refused["reason"])
        a.closed()
        web.say("c1", "who is there now?")
        self.assertEqual(a2.recv("msg")["msg"], ["who is there now?"])

    def test_a_client_that_redials_blindly_is_bounded(self):
        server = self.start_server()
        # Two clients with one key and UUID, each started again the moment it is closed:
        # without a bound they would take the link from each other for ever. Watched for
        # 12 restarts (four times the takeovers allowed; the rule itself, over its whole
        # minute, is tested with a fake clock in dispatch_operators_test.cpp), or 10 s.
        clients = [self.operator(server, self.key_a, "op-a", join=False) for _ in range(2)]
        deadline = time.monotonic() + 10
        restarts = 0
        while time.monotonic() < deadline and restarts < 12:
            for i, c in enumerate(clients):
                c.out.drain(0)
                if c.proc.poll() is not None or any('"closed"' in l for l in c.out.seen):
                    c.stop(signal.SIGKILL)
                    clients[i] = self.operator(server, self.key_a, "op-a", join=False)
                    restarts += 1
            time.sleep(0.05)
        server.err.drain(0)
        moves = sum("moved to connection" in l for l in server.err.seen)
        refusals = sum("changed terminals" in l for l in server.err.seen)
        self.assertGreater(restarts, 5)
        self.assertLessEqual(moves, 3, f"{moves} takeovers in {restarts} restarts")
        self.assertGreater(refusals, 0)
