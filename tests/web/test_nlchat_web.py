# SPDX-License-Identifier: GPL-3.0-or-later
"""Functional tests of the real nlchat-web without a browser: HTTP and WebSocket on
loopback (tests/lib/wsclient.py), with the real nlchatd and a test operator, or with a
fake bus where a test needs to make the server side say exactly what it wants (a flood
for a page that stops reading, say). Timers are short; every process is stopped."""
import json
import os
import signal
import socket
import time
import http.client

from nltest import (FAST_TIMERS, NlchatWeb, Nlchatd, Operator, TempDirTest, make_key, program, run,
                    stop_processes)
from fakebus import FakeBus
from wsclient import Closed, WebSocket, http_get

RINGING = "A listener will be with you shortly..."
NO_OPERATORS = "Sorry, no listeners are available at the moment. Please try again later."


class WebTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.procs, self.sockets = [], []
        self.key_a = self.path("a")
        self.fp_a = make_key(self.key_a)

    def tearDown(self):
        for ws in self.sockets:
            try:
                ws.sock.close()
            except OSError:
                pass
        try:
            stop_processes(self, self.procs)
        finally:
            super().tearDown()

    def server(self, key=None):
        s = Nlchatd(self.dir, authorized=[self.fp_a], extra=FAST_TIMERS, key=key)
        self.procs.append(s)
        return s

    def web(self, server, *extra, verbose=True):
        w = NlchatWeb(server, "--grace", "2", *extra, verbose=verbose)
        self.procs.append(w)
        return w

    def operator(self, server, uuid="op-a"):
        op = Operator(server, self.key_a, uuid)
        self.procs.append(op)
        op.joined()
        return op

    def page(self, web, token=None, seen=0, **kw):
        ws = WebSocket(web.address, **kw)
        self.sockets.append(ws)
        ws.send(t="hello", token=token, seen=seen)
        ws.welcome = ws.expect("welcome")
        return ws

    def chat(self, *web_args):
        """nlchatd, nlchat-web, operator op-a and a page in a chat."""
        server = self.server()
        web = self.web(server, *web_args)
        server.wait_log("service Web online")
        a = self.operator(server)
        page = self.page(web)
        page.send(t="msg", id=1, text="hello, is anyone there?")
        page.expect("ev", kind="you", text="hello, is anyone there?")
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        self.assertEqual(a.recv("msg")["msg"], ["hello, is anyone there?"])
        page.expect("ev", kind="service", text=RINGING)
        return server, web, a, page


class Http(WebTest):
    def test_page_widget_and_strict_headers(self):
        server = self.server()
        web = self.web(server, "--frame-ancestors", "https://www.example.org")
        for path, kind in (("/", "text/html"), ("/index.html", "text/html"), ("/chat.js", "text/javascript"),
                           ("/chat.css", "text/css"), ("/widget.js", "text/javascript")):
            status, headers, body = http_get(web.address, path)
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["content-type"].startswith(kind), headers)
            csp = headers["content-security-policy"]
            self.assertIn("default-src 'none'", csp)
            self.assertIn("script-src 'self'", csp)
            self.assertIn("connect-src 'self'", csp)
            self.assertIn("frame-ancestors https://www.example.org", csp)
            self.assertEqual(headers["cache-control"], "no-store")
            self.assertEqual(headers["x-content-type-options"], "nosniff")
            self.assertNotIn("set-cookie", headers)
            # Nothing from elsewhere: no absolute URLs at all in the page's own files but
            # the widget's, which builds its frame's address from its own.
            if path != "/widget.js":
                self.assertNotIn(b"://", body.replace(b"wss://", b"").replace(b"ws://", b""), path)
        # Small: the whole page (markup, script, style, icon) and the widget, uncompressed.
        sizes = {path: len(http_get(web.address, path)[2]) for path in ("/", "/chat.js", "/chat.css", "/icon.svg",
                                                                          "/widget.js")}
        self.assertLess(sum(sizes.values()) - sizes["/widget.js"], 32 * 1024, sizes)
        self.assertLess(sizes["/widget.js"], 8 * 1024, sizes)
        page = http_get(web.address, "/")[2].decode()
        self.assertIn('<label for="text">', page)
        self.assertIn('aria-live="polite"', page)
        self.assertEqual(http_get(web.address, "/nothing-here")[0], 404)
        self.assertEqual(http_get(web.address, "/../../etc/passwd")[0], 404)
        host, port = web.address.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("POST", "/", body=b"x=1")
        self.assertEqual(conn.getresponse().status, 405)
        conn.close()

    def test_a_request_whose_length_reads_two_ways_is_refused(self):
        # Two Content-Length headers, or one beside Transfer-Encoding, is how request
        # smuggling through a proxy starts: 400, on a page request and on an upgrade.
        web = self.web(self.server())
        host, port = web.address.rsplit(":", 1)
        upgrade = (b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
        cases = [(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n", b" 400 "),
                 (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", b" 400 "),
                 (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", b" 200 "),
                 (b"GET /chat HTTP/1.1\r\nHost: x\r\n" + upgrade + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n", b""),
                 (b"GET /chat HTTP/1.1\r\nHost: x\r\n" + upgrade + b"\r\n", b" 101 ")]
        for request, expected in cases:
            with socket.create_connection((host, int(port)), timeout=10) as s:
                s.sendall(request)
                first = s.recv(64)
            if expected:
                self.assertIn(expected, first.split(b"\r\n")[0], request)
            else:
                self.assertEqual(first, b"", request)  # the upgrade is refused by closing
        self.assertEqual(http_get(web.address, "/")[0], 200)

    def test_proxy_mistakes_are_warned_about_once(self):
        # Behind a proxy without --trust-proxy: every caller would share the proxy's address.
        server = self.server()
        web = self.web(server)
        for _ in range(3):
            self.assertEqual(http_get(web.address, "/", headers={"X-Forwarded-For": "192.0.2.7"})[0], 200)
        web.wait_log("requests carry X-Forwarded-For")
        # --trust-proxy, yet a connection from elsewhere than this machine's 127.0.0.1.
        trusting = self.web(server, "--trust-proxy", "--service", "Web2")
        host, port = trusting.address.rsplit(":", 1)
        for _ in range(3):
            with socket.create_connection((host, int(port)), timeout=10, source_address=("127.0.0.5", 0)) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                while s.recv(65536):
                    pass
        trusting.wait_log("--trust-proxy is on but a connection came from another machine")
        time.sleep(0.3)
        for w in (web, trusting):
            w.err.drain(0)
            self.assertEqual(sum("requests carry X-Forwarded-For" in l or "--trust-proxy is on" in l
                                 for l in w.err.seen), 1)
            self.assertFalse(any("192.0.2.7" in l or "127.0.0.5" in l for l in w.err.seen))
        # Through the proxy itself (127.0.0.1) nothing is said.
        quiet = self.web(server, "--trust-proxy", "--service", "Web3")
        http_get(quiet.address, "/", headers={"X-Forwarded-For": "192.0.2.8"})
        time.sleep(0.3)
        quiet.err.drain(0)
        self.assertFalse(any("--trust-proxy is on" in l for l in quiet.err.seen))

    def test_default_frame_ancestors_is_none(self):
        web = self.web(self.server())
        self.assertIn("frame-ancestors 'none'", http_get(web.address, "/")[1]["content-security-policy"])


class Chat(WebTest):
    def test_a_chat_from_first_message_to_the_listener_ending_it(self):
        server, web, a, page = self.chat()
        self.assertTrue(page.welcome["notice"].startswith("This is the Nightline chat"))
        a.send(type="chat_state", state="composing", **{"I/O": "out"})
        page.expect("typing", on=True)
        a.send(type="msg", msg=["Hi, I'm here. What's on your mind?"], **{"I/O": "out"})
        page.expect("ev", kind="listener", text="Hi, I'm here. What's on your mind?")
        page.send(t="state", state="composing")
        self.assertEqual(a.recv("chat_state")["state"], "typing")
        page.send(t="state", state="paused")
        self.assertEqual(a.recv("chat_state")["state"], "paused")
        page.send(t="msg", id=2, text="Exams, mostly. Ünïcödé and emoji 🌙 too.")
        self.assertEqual(a.recv("msg")["msg"], ["Exams, mostly. Ünïcödé and emoji 🌙 too."])
        a.send(type="disassociate")
        ended = page.expect("ev", kind="ended")
        self.assertEqual(ended["text"], "The listener has ended the chat.")
        page.send(t="msg", id=3, text="wait")
        self.assertIn("ended", page.expect("not_sent", id=3)["text"])

    def test_the_caller_ends_the_chat(self):
        server, web, a, page = self.chat()
        page.send(t="end")
        page.expect("ev", kind="ended", text="You ended the chat.")
        self.assertEqual(a.recv("chat_state")["state"], "gone")

    def test_nobody_available(self):
        server = self.server()
        web = self.web(server)
        server.wait_log("service Web online")
        page = self.page(web)
        page.send(t="msg", id=1, text="hello?")
        page.expect("ev", kind="service", text=NO_OPERATORS)

    def test_reload_and_reconnect_deliver_once_and_in_order(self):
        server, web, a, page = self.chat()
        token, last = page.welcome["token"], page.seen[-1]["seq"]
        page.sock.close()  # the connection drops without a goodbye
        for i in range(3):
            a.send(type="msg", msg=[f"message {i}"], **{"I/O": "out"})
        time.sleep(0.3)
        # A reconnect says what it has: it gets exactly the rest.
        again = self.page(web, token=token, seen=last)
        self.assertTrue(again.welcome["resumed"])
        got = [again.expect("ev", kind="listener")["text"] for _ in range(3)]
        self.assertEqual(got, ["message 0", "message 1", "message 2"])
        # A reload has nothing: it gets the whole chat once, in order; the older window
        # is told the chat moved.
        reload = self.page(web, token=token, seen=0)
        self.assertEqual(again.expect("moved")["t"], "moved")
        kinds = []
        while True:
            f = reload.recv(5)
            kinds.append((f["seq"], f["kind"], f["text"]))
            if f["text"] == "message 2":
                break
        self.assertEqual([k[0] for k in kinds], list(range(1, len(kinds) + 1)))
        self.assertEqual([k[2] for k in kinds], ["hello, is anyone there?", RINGING, "message 0", "message 1",
                                                 "message 2"])
        # A page resending a message the server already took does not send it twice.
        reload.send(t="msg", id=1, text="hello, is anyone there?")
        reload.send(t="msg", id=2, text="new one")
        self.assertEqual(a.recv("msg")["msg"], ["new one"])

    def test_grace_runs_out_and_the_chat_ends(self):
        server, web, a, page = self.chat()
        token = page.welcome["token"]
        page.close()
        self.assertEqual(a.recv("chat_state", timeout=10)["state"], "gone")
        later = self.page(web, token=token)
        self.assertFalse(later.welcome["resumed"])
        self.assertNotEqual(later.welcome["token"], token)

    def test_the_bus_comes_back_after_nlchatd_restarts(self):
        key = self.path("server.key")
        server = self.server(key=key)
        web = self.web(server)
        server.wait_log("service Web online")
        page = self.page(web)
        server.stop(signal.SIGKILL)
        web.wait_log("the bus connection ended")
        page.send(t="msg", id=1, text="are you there?")  # held while nlchatd is away
        page.expect("ev", kind="you")
        server2 = self.server(key=key)
        server2.wait_log("service Web online", 15)
        page.expect("ev", kind="service", text=NO_OPERATORS, timeout=10)
        a = self.operator(server2)
        page.send(t="msg", id=2, text="now?")
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        self.assertEqual(a.recv("msg")["msg"], ["now?"])

    def test_sigterm_ends_open_chats_on_the_bus(self):
        server, web, a, page = self.chat()
        web.send_signal(signal.SIGTERM)
        self.assertEqual(a.recv("chat_state")["state"], "gone")
        self.assertEqual(web.proc.wait(10), 0)
        web.wait_log("stopped")


class Limits(WebTest):
    def test_message_length_and_rate(self):
        server = self.server()
        web = self.web(server, "--max-message", "50", "--messages-per-minute", "3")
        page = self.page(web)
        self.assertEqual(page.welcome["max_chars"], 50)
        page.send(t="msg", id=1, text="x" * 51)
        self.assertIn("50 characters", page.expect("not_sent", id=1)["text"])
        page.send(t="msg", id=2, text="é" * 50)  # 50 characters, 100 bytes: fine
        page.expect("ev", kind="you", id=2)
        for i in (3, 4):
            page.send(t="msg", id=i, text=f"m{i}")
            page.expect("ev", kind="you", id=i)
        page.send(t="msg", id=5, text="one too many")
        self.assertIn("quickly", page.expect("not_sent", id=5)["text"])

    def test_sessions_per_address_and_in_all(self):
        server = self.server()
        web = self.web(server, "--sessions-per-address", "2")
        pages = [self.page(web) for _ in range(3)]  # pages that have not written hold no slot
        for i, p in enumerate(pages[:2]):
            p.send(t="msg", id=1, text=f"chat {i}")
            p.expect("ev", kind="you")
        pages[2].send(t="msg", id=1, text="chat 2")
        self.assertIn("too many chats open from your network", pages[2].expect("not_sent", id=1)["text"])
        pages[0].send(t="end")  # a chat that ends gives its slot back at once
        pages[0].expect("ev", kind="ended")
        pages[2].send(t="msg", id=2, text="chat 2")
        pages[2].expect("ev", kind="you", id=2)
        web2 = self.web(server, "--max-sessions", "1", "--service", "Web2")
        self.page(web2)
        late = WebSocket(web2.address)
        self.sockets.append(late)
        late.send(t="hello", token=None, seen=0)
        self.assertIn("very busy", late.expect("refused")["text"])

    def test_garbage_oversized_and_broken_frames(self):
        server = self.server()
        web = self.web(server)
        for bad in ('not json', '{"t":"msg","id":1,"text":"before hello"}', '[1,2]', '{"t":"hello","token":{}}x'):
            ws = WebSocket(web.address)
            self.sockets.append(ws)
            ws.send_text(bad)
            ws.closed()
        ws = WebSocket(web.address)
        self.sockets.append(ws)
        ws.send_frame(0x2, b"\x00\x01binary")
        ws.closed()
        ws = self.page(web)
        ws.send_text(json.dumps({"t": "msg", "id": 1, "text": "y" * 20000}))
        self.assertEqual(ws.closed(), 1009)
        ws = WebSocket(web.address)
        self.sockets.append(ws)
        # Clients must mask; libwebsockets 4.1 takes an unmasked frame anyway. Either way
        # is harmless, as long as the service goes on (checked at the end).
        ws.send_frame(0x1, b'{"t":"hello"}', mask=False)
        try:
            self.assertEqual(ws.recv()["t"], "welcome")
        except Closed:
            pass
        ws = WebSocket(web.address)
        self.sockets.append(ws)
        # A terabyte announced, and the first 20 kB of it sent: cut off at the frame limit.
        ws.send_frame(0x1, b"a" * 20000, length_override=1 << 40)
        self.assertEqual(ws.closed(), 1009)
        ws = WebSocket(web.address)
        self.sockets.append(ws)
        ws.send_frame(0x1, b'\xff\xfe not utf-8')
        ws.closed()
        host, port = web.address.rsplit(":", 1)
        raw = socket.create_connection((host, int(port)), 10)
        raw.sendall(os.urandom(3000))
        raw.settimeout(10)
        try:
            while raw.recv(4096):
                pass
        except OSError:
            pass
        raw.close()
        # None of it hurt the service.
        page = self.page(web)
        page.send(t="msg", id=1, text="still fine")
        page.expect("ev", kind="you", text="still fine")
        self.assertIsNone(web.proc.poll())


class SlowClients(WebTest):
    def test_half_requests_and_silent_sockets_are_closed(self):
        web = self.web(self.server())
        host, port = web.address.rsplit(":", 1)
        half = socket.create_connection((host, int(port)), 10)
        half.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        silent = WebSocket(web.address)  # upgraded, but never says hello
        self.sockets.append(silent)
        page = self.page(web)  # meanwhile, a real caller is served
        page.send(t="msg", id=1, text="fine")
        page.expect("ev", kind="you")
        start = time.monotonic()
        half.settimeout(20)
        self.assertEqual(half.recv(100), b"")
        half.close()
        silent.closed(20)
        self.assertLess(time.monotonic() - start, 15)
        page.send(t="msg", id=2, text="still fine")
        page.expect("ev", kind="you", id=2)


class FakeBusTests(WebTest):
    def fake(self, *extra, verbose=True):
        bus = FakeBus(self.path("fake.sock"))
        self.addCleanup(bus.close)
        web = NlchatWeb(None, "--grace", "5", *extra, socket_path=bus.path, verbose=verbose)
        self.procs.append(web)
        bus.expect(lambda l: l.get("type") == "service_online", what="service_online")
        return bus, web

    def test_a_page_that_stops_reading_is_cut_off_without_hurting_others(self):
        bus, web = self.fake()
        slow = self.page(web)
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.send(t="msg", id=1, text="hi")
        slow_addr = bus.expect(lambda l: l.get("type") == "msg")["address"]
        fast = self.page(web)
        fast.send(t="msg", id=1, text="hi")
        fast_addr = bus.expect(lambda l: l.get("type") == "msg")["address"]
        big = "z" * 8000
        for i in range(1500):  # 12 MB for a page that reads nothing
            bus.send(type="msg", address=slow_addr, msg=[big], **{"I/O": "out"})
        web.wait_log("a page stopped reading", 30)
        bus.send(type="msg", address=fast_addr, msg=["you are not forgotten"], **{"I/O": "out"})
        fast.expect("ev", kind="listener", text="you are not forgotten")
        # The cut-off page's chat is still there: a reconnect gets the latest, in order.
        again = self.page(web, token=slow.welcome["token"], seen=1)
        self.assertEqual(again.expect("ev", kind="listener")["text"], big)

    def test_many_sessions_each_with_its_own_random_address(self):
        bus, web = self.fake("--sessions-per-address", "1000")
        pages = [self.page(web) for _ in range(300)]
        for i, p in enumerate(pages):
            p.send(t="msg", id=1, text=f"caller {i}")
        for i, p in enumerate(pages):
            p.expect("ev", kind="you", text=f"caller {i}")
        got = {}
        for _ in pages:
            line = bus.expect(lambda l: l.get("type") == "msg")
            got[line["msg"][0]] = line["address"]
        self.assertEqual(len(got), 300)
        self.assertEqual(len(set(got.values())), 300)
        for address in got.values():
            self.assertRegex(address, r"^web-[0-9a-f]{16}$")
        # The listener's words reach the right page only.
        bus.send(type="msg", address=got["caller 123"], msg=["for 123"], **{"I/O": "out"})
        pages[123].expect("ev", kind="listener", text="for 123")
        for p in pages[120:123]:
            self.assertRaises(TimeoutError, p.recv, 0.2)

    def test_no_address_agent_or_text_in_the_log(self):
        bus, web = self.fake(verbose=False)
        page = self.page(web, headers={"User-Agent": "SecretAgent/1.0"})
        page.send(t="msg", id=1, text="SECRET-WORDS")
        address = bus.expect(lambda l: l.get("type") == "msg")["address"]
        bus.send(type="msg", address=address, msg=["SECRET-REPLY"], **{"I/O": "out"})
        page.expect("ev", kind="listener")
        page.close()
        web.wait_log("away for the grace period", timeout=15)  # the session's end is logged too
        web.stop()
        log = "\n".join(web.err.seen)
        for secret in ("SECRET", "SecretAgent", address):
            self.assertNotIn(secret, log)
        self.assertEqual([l for l in web.err.seen if "127.0.0.1" in l and "listening on" not in l], [])
        self.assertIn("grace period", log)
        bus.expect(lambda l: l == {"type": "disassociate", "address": address}, what="disassociate")


class Options(WebTest):
    def test_help_version_and_bad_options(self):
        r = run([program("nlchat-web"), "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"--listen HOST:PORT", r.stdout)
        self.assertIn(b"nlchat-web(8)", r.stdout)
        self.assertEqual(run([program("nlchat-web"), "--version"]).stdout.split()[0], b"nlchat-web")
        for args, words in ((["--bogus"], b"'--bogus' is not known"),
                            (["--max-message", "0"], b"--max-message must be a number from 1"),
                            (["--messages-per-minute", "2.5"], b"whole number"),
                            (["--listen", "127.0.0.1"], b"is not HOST:PORT"),
                            (["--notice-file", self.path("missing")], b"cannot read notice file"),
                            (["--frame-ancestors", "x; script-src *"], b"CSP sources"),
                            (["extra"], b"unexpected argument")):
            r = run([program("nlchat-web")] + args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(words, r.stderr, args)
            self.assertIn(b"nlchat-web: ", r.stderr)

    def test_a_notice_that_is_not_utf8_or_too_long(self):
        for content in (b"caf\xe9\n", b"x" * 4001, b"\n"):
            with open(self.path("notice"), "wb") as f:
                f.write(content)
            r = run([program("nlchat-web"), "--notice-file", self.path("notice")])
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"must hold 1 to 4000 bytes of UTF-8", r.stderr)

    def test_an_address_it_cannot_listen_on(self):
        for where, why in (("192.0.2.1:0", b"Cannot assign requested address"), ("localhost:0", b"not an IP address")):
            r = run([program("nlchat-web"), "--listen", where, "--socket", self.path("none.sock")], timeout=30)
            self.assertEqual(r.returncode, 1, where)
            self.assertIn(b"cannot listen on " + where.encode(), r.stderr)
            self.assertIn(why, r.stderr)
        first = NlchatWeb(None, socket_path=self.path("none.sock"))
        self.procs.append(first)
        r = run([program("nlchat-web"), "--listen", first.address, "--socket", self.path("none.sock")], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"Address already in use", r.stderr)

    def test_it_serves_while_nlchatd_is_not_there_yet(self):
        web = NlchatWeb(None, socket_path=self.path("nobody.sock"))
        self.procs.append(web)
        web.wait_log("cannot reach nlchatd")
        self.assertEqual(http_get(web.address, "/")[0], 200)
        page = self.page(web)
        page.send(t="msg", id=1, text="held until nlchatd is up")
        page.expect("ev", kind="you")

    def test_notice_and_reply_texts_from_nlchatd_config(self):
        with open(self.path("notice.txt"), "w") as f:
            f.write("Nightline: anonymous, confidential, non-judgemental. 🌙\n")
        with open(self.path("nlchatd.conf"), "w") as f:
            f.write("[messages]\nno_operators = Nobody is on shift right now, sorry.\n")
        server = Nlchatd(self.dir, authorized=[self.fp_a], extra=FAST_TIMERS + ["--config", self.path("nlchatd.conf")])
        self.procs.append(server)
        # nlchatd marks its own replies, so nlchat-web needs no copy of its texts; an old
        # unit's --replies-from still starts, with a warning that it is ignored.
        web = self.web(server, "--notice-file", self.path("notice.txt"), "--replies-from", self.path("nlchatd.conf"))
        self.assertTrue(any("--replies-from is no longer needed" in l for l in web.err.seen), web.err.seen)
        server.wait_log("service Web online")
        page = self.page(web)
        self.assertEqual(page.welcome["notice"], "Nightline: anonymous, confidential, non-judgemental. 🌙")
        page.send(t="msg", id=1, text="hi")
        page.expect("ev", kind="service", text="Nobody is on shift right now, sorry.")
