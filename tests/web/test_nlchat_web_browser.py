# SPDX-License-Identifier: GPL-3.0-or-later
"""nlchat-web in a real browser: Debian's chromium, headless, driven by Playwright
(tests/web/browser.mjs), against the real nlchatd, the real nlchat-web and a test
operator. Screenshots at phone and desktop sizes are kept in $NLCHAT_BUILD/artefacts/web/.
A small TCP relay sits between the browser and nlchat-web so a test can drop the page's
connection (as a train tunnel would) and hold it down while the listener writes."""
import http.server
import os
import threading
import time

from nltest import BUILD, FAST_TIMERS, Browser, NlchatWeb, Nlchatd, Operator, TempDirTest, make_key, stop_processes
from relay import Relay

RINGING = "A listener will be with you shortly..."
NO_OPERATORS = "Sorry, no listeners are available at the moment. Please try again later."
ARTEFACTS = os.path.join(BUILD, "artefacts", "web")


class BrowserTest(TempDirTest):
    def setUp(self):
        super().setUp()
        os.makedirs(ARTEFACTS, exist_ok=True)
        self.procs = []
        key = self.key = self.path("a")
        fp = self.fp = make_key(key)
        self.server = Nlchatd(self.dir, authorized=[fp], extra=FAST_TIMERS + ["--ring-timeout", "30"])
        self.procs.append(self.server)
        self.web = NlchatWeb(self.server, "--grace", "30", *self.web_args())
        self.procs.append(self.web)
        self.server.wait_log("service Web online")
        self.op = Operator(self.server, key, "op-a")
        self.procs.append(self.op)
        self.op.joined()
        self.browser = Browser()
        self.procs.append(self.browser)

    def web_args(self):
        return []

    def tearDown(self):
        try:
            problems = self.browser.do("problems")
        finally:
            try:
                stop_processes(self, self.procs)
            finally:
                super().tearDown()
        # Console errors include Content-Security-Policy violations: the page must work
        # under its own strict policy.
        self.assertEqual(problems, [])

    def shot(self, page, name):
        self.browser.do("screenshot", page=page, path=os.path.join(ARTEFACTS, name + ".png"))

    def log_count(self, page, text):
        return self.browser.do("eval", page=page, expr="[...document.querySelectorAll('#log li')]"
                               f".filter(li => li.innerText.includes({text!r})).length")

    def start_chat(self, page, url, first="I can't sleep", **size):
        b = self.browser
        b.do("open", page=page, url=url, **size)
        b.do("wait_text", page=page, selector="#notice", text="anonymous")
        b.do("fill", page=page, selector="#text", text=first)
        b.do("press", page=page, selector="#text", key="Enter")
        ring = self.op.recv("ring")
        self.op.send(type="ringACK", ID=ring["ID"])
        self.assertEqual(self.op.recv("msg")["msg"], [first])
        b.do("wait_text", page=page, selector="#log", text=RINGING)
        return ring


class InTheBrowser(BrowserTest):
    def test_a_whole_chat_on_a_phone(self):
        b, op = self.browser, self.op
        relay = Relay(self.web.address)
        self.addCleanup(relay.close)
        url = f"http://{relay.address}/"
        b.do("open", page="p", url=url, width=390, height=844, mobile=True)
        b.do("wait_text", page="p", selector="#notice", text="anonymous")
        self.shot("p", "phone-1-notice")
        b.do("fill", page="p", selector="#text", text="I can't sleep")
        b.do("press", page="p", selector="#text", key="Enter")
        op.send(type="ringACK", ID=op.recv("ring")["ID"])
        self.assertEqual(op.recv("msg")["msg"], ["I can't sleep"])
        b.do("wait_text", page="p", selector="#log", text=RINGING)
        # The caller typing is seen by the listener...
        b.do("type", page="p", selector="#text", text="It's exams")
        self.assertEqual(op.recv("chat_state")["state"], "typing")
        # ...and the listener typing by the caller.
        op.send(type="chat_state", state="composing", **{"I/O": "out"})
        b.do("wait_text", page="p", selector="#typing", text="A listener is typing")
        self.shot("p", "phone-2-typing")
        op.send(type="msg", msg=["I'm here. Tell me about it?"], **{"I/O": "out"})
        b.do("wait_text", page="p", selector="#log", text="I'm here. Tell me about it?")
        b.do("wait_gone", page="p", selector="#typing", text="typing")
        # A reload keeps the chat, each line once.
        b.do("reload", page="p")
        b.do("wait_text", page="p", selector="#log", text="I'm here. Tell me about it?")
        for text in ("I can't sleep", RINGING, "I'm here. Tell me about it?"):
            self.assertEqual(self.log_count("p", text), 1, text)
        # The connection drops and stays down while the listener writes twice; once it is
        # back, both arrive once, in order.
        relay.down = True
        relay.drop()
        b.do("wait_text", page="p", selector="#link", text="Reconnecting")
        op.send(type="msg", msg=["Are you still there?"], **{"I/O": "out"})
        op.send(type="msg", msg=["Take your time."], **{"I/O": "out"})
        b.do("fill", page="p", selector="#text", text="sorry, my signal went")
        b.do("press", page="p", selector="#text", key="Enter")
        self.shot("p", "phone-3-reconnecting")
        time.sleep(0.5)
        relay.down = False
        b.do("wait_text", page="p", selector="#log", text="Take your time.", timeout=20)
        self.assertEqual(op.recv("msg")["msg"], ["sorry, my signal went"])
        order = b.do("eval", page="p", expr="[...document.querySelectorAll('#log li')].map(li => li.innerText)")
        listener = [line for line in order if "still there" in line or "Take your time" in line]
        self.assertEqual(len(listener), 2, order)
        self.assertIn("still there", listener[0])
        self.assertEqual(self.log_count("p", "sorry, my signal went"), 1)
        b.do("wait_gone", page="p", selector="#link", text="Reconnecting")
        # The listener ends the chat: the page says so and offers a new one, with the
        # keyboard focus on that button.
        op.send(type="disassociate")
        b.do("wait_text", page="p", selector="#ended", text="The listener has ended the chat.")
        self.assertEqual(b.do("eval", page="p", expr="document.activeElement.id"), "again")
        self.assertFalse(b.do("eval", page="p", expr="!document.querySelector('#send').hidden"))
        self.shot("p", "phone-4-ended")
        b.do("keyboard", page="p", key="Enter")
        b.do("wait_visible", page="p", selector="#text")
        self.assertEqual(b.do("eval", page="p", expr="document.querySelectorAll('#log li').length"), 0)
        # The session token lives in this tab's sessionStorage, and no cookie is set.
        self.assertEqual(b.do("eval", page="p", expr="document.cookie"), "")
        deadline = time.monotonic() + 10
        while not b.do("eval", page="p", expr="sessionStorage.getItem('nlchat-token') || ''"):
            self.assertLess(time.monotonic(), deadline, "no session token after starting again")
            time.sleep(0.05)
        self.assertRegex(b.do("eval", page="p", expr="sessionStorage.getItem('nlchat-token')"), r"^[0-9a-f]{32}$")

    def test_end_chat_on_a_desktop(self):
        b = self.browser
        self.start_chat("d", self.web.url, width=1280, height=800)
        self.op.send(type="msg", msg=["Hello, I'm listening."], **{"I/O": "out"})
        b.do("wait_text", page="d", selector="#log", text="Hello, I'm listening.")
        self.shot("d", "desktop-1-chat")
        b.do("click", page="d", selector="#end")
        self.assertEqual(self.op.recv("chat_state")["state"], "gone")
        b.do("wait_text", page="d", selector="#ended", text="You ended the chat.")
        self.shot("d", "desktop-2-ended")

    def test_keyboard_alone_and_what_a_screen_reader_is_given(self):
        b = self.browser
        b.do("open", page="k", url=self.web.url, width=1280, height=800)
        b.do("wait_text", page="k", selector="#notice", text="anonymous")
        # The accessible tree: a labelled text box and button, the conversation a live list.
        tree = b.do("aria", page="k", selector="main")
        self.assertIn('textbox "Your message"', tree)
        self.assertIn('button "Send"', tree)
        self.assertIn('region "Chat history"', tree)
        self.assertIn('list "Conversation"', tree)
        self.assertEqual(b.do("attr", page="k", selector="#log", name="aria-live"), "polite")
        # Tab reaches the chat history (to scroll it), then the text box; type and Enter.
        seen = []
        for _ in range(6):
            b.do("keyboard", page="k", key="Tab")
            seen.append(b.do("eval", page="k", expr="document.activeElement.id"))
            if seen[-1] == "text":
                break
        self.assertEqual(seen[-1], "text", seen)
        self.assertIn("scroll", seen)
        b.do("keys", page="k", text="typed with the keyboard only")
        b.do("keyboard", page="k", key="Enter")
        self.op.send(type="ringACK", ID=self.op.recv("ring")["ID"])
        self.assertEqual(self.op.recv("msg")["msg"], ["typed with the keyboard only"])
        # Each line says who wrote it, for a screen reader, without showing the label.
        self.op.send(type="msg", msg=["Hello."], **{"I/O": "out"})
        b.do("wait_text", page="k", selector="#log", text="Hello.")
        labels = b.do("eval", page="k", expr="[...document.querySelectorAll('#log .who')].map(e => e.textContent)")
        self.assertEqual(labels, ["You: ", "Nightline: ", "Listener: "])

    def test_nobody_available(self):
        self.op.quit()
        b = self.browser
        b.do("open", page="n", url=self.web.url, width=390, height=844, mobile=True)
        b.do("fill", page="n", selector="#text", text="hello?")
        b.do("press", page="n", selector="#text", key="Enter")
        b.do("wait_text", page="n", selector="#log", text=NO_OPERATORS)
        self.shot("n", "phone-nobody-available")


class Host(http.server.SimpleHTTPRequestHandler):
    page = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


class Widget(BrowserTest):
    def setUp(self):
        self.host = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Host)
        threading.Thread(target=self.host.serve_forever, daemon=True).start()
        # Cleanups run even when setUp fails; this one, registered first, runs last.
        self.addCleanup(self.host.server_close)
        self.addCleanup(self.host.shutdown)
        self.host_origin = "http://127.0.0.1:%d" % self.host.server_address[1]
        super().setUp()
        Host.page = (f'<!doctype html><html lang="en"><head><title>A student union site</title></head>'
                     f'<body><h1>Welcome to the union</h1>'
                     f'<script src="{self.web.url}widget.js" defer></script></body></html>').encode()

    def web_args(self):
        return ["--frame-ancestors", self.host_origin]

    def test_the_widget_embeds_the_chat_on_another_site(self):
        b = self.browser
        b.do("open", page="h", url=self.host_origin + "/", width=1280, height=800)
        b.do("click", page="h", selector="button[aria-controls=nlchat-frame]")
        self.assertEqual(b.do("eval", page="h", expr="document.querySelector('button').getAttribute('aria-expanded')"),
                         "true")
        b.do("wait_text", page="h", frame="#nlchat-frame", selector="#notice", text="anonymous")
        b.do("fill", page="h", frame="#nlchat-frame", selector="#text", text="hi from the widget")
        b.do("press", page="h", frame="#nlchat-frame", selector="#text", key="Enter")
        self.op.send(type="ringACK", ID=self.op.recv("ring")["ID"])
        self.assertEqual(self.op.recv("msg")["msg"], ["hi from the widget"])
        self.op.send(type="msg", msg=["Hello there."], **{"I/O": "out"})
        b.do("wait_text", page="h", frame="#nlchat-frame", selector="#log", text="Hello there.")
        self.shot("h", "desktop-widget")
        b.do("keyboard", page="h", key="Escape")
        # The frame asks the page to close it by postMessage, which arrives a moment later.
        b.do("wait_visible", page="h", selector="#nlchat-frame", visible=False)
        self.assertEqual(b.do("eval", page="h", expr="document.querySelector('#nlchat-frame').hidden"), True)
