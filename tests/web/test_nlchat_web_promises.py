# SPDX-License-Identifier: GPL-3.0-or-later
"""nlchat-web keeps the promises of its manual, in a real browser (Debian's chromium via
Playwright, tests/web/browser.mjs) against the real nlchatd and nlchat-web: every answer
carries the security headers, an overlong message stays in the box with the reason,
characters are counted as code points on both sides, a page that has not written holds
no per-address slot, a restart shows the chat as ended, and each notice comes once."""
import signal
import time

from nltest import FAST_TIMERS, Nlchatd, NlchatWeb, Operator
from relay import Relay
from test_nlchat_web_browser import BrowserTest

OFFLINE = "Sorry, the listener has unexpectedly gone offline."


class Promises(BrowserTest):
    WEB_ARGS = ["--max-message", "40", "--sessions-per-address", "1"]

    def web_args(self):
        return self.WEB_ARGS

    def count(self, page, text):
        """How often `text` is on the page, as a person reads it."""
        return self.browser.do("eval", page=page, expr=f"document.body.innerText.split({text!r}).length - 1")

    def test_every_answer_carries_the_security_headers(self):
        b = self.browser
        b.do("open", page="p", url=self.web.url)
        b.do("wait_text", page="p", selector="#notice", text="anonymous")
        for method, path, status in (("GET", "/nothing-here", 404), ("POST", "/", 405), ("GET", "/", 200)):
            got = b.do("eval", page="p", expr=f"""fetch({path!r}, {{method: {method!r}}}).then(r => [r.status,
                ['content-security-policy', 'cache-control', 'x-content-type-options', 'referrer-policy']
                .map(h => r.headers.get(h))])""")
            self.assertEqual(got[0], status)
            csp, cache, sniff, referrer = got[1]
            self.assertIn("default-src 'none'", csp or "", path)
            self.assertEqual((cache, sniff, referrer), ("no-store", "nosniff", "no-referrer"), path)
        # The browser reports the 404 and the 405 on its console; nothing else may be there.
        problems = b.do("problems")
        self.assertEqual(len(problems), 2, problems)
        self.assertTrue(all("Failed to load resource" in p for p in problems), problems)

    def test_an_overlong_paste_stays_in_the_box_with_the_reason(self):
        b = self.browser
        b.do("open", page="p", url=self.web.url)
        b.do("wait_text", page="p", selector="#notice", text="anonymous")
        pasted = "I have been awake for three nights now and " + "x" * 29  # 72 characters
        b.do("fill", page="p", selector="#text", text=pasted)
        b.do("press", page="p", selector="#text", key="Enter")
        b.do("wait_text", page="p", selector="#log", text="72 characters long; the limit is 40")
        self.assertEqual(b.do("eval", page="p", expr="document.getElementById('text').value"), pasted)
        # Nothing was sent: no ring reaches the listener.
        with self.assertRaises(AssertionError):
            self.op.recv("ring", timeout=2)

    def test_emoji_are_one_character_each_on_both_sides(self):
        b = self.browser
        b.do("open", page="p", url=self.web.url)
        b.do("wait_text", page="p", selector="#notice", text="anonymous")
        # 40 characters with 8 emoji: 48 UTF-16 units, which the old maxlength counted.
        words = "so tired " + "\U0001F62D" * 8 + " and I do not know why."
        self.assertEqual(len(words), 40)
        b.do("fill", page="p", selector="#text", text=words)
        b.do("press", page="p", selector="#text", key="Enter")
        self.op.send(type="ringACK", ID=self.op.recv("ring")["ID"])
        self.assertEqual(self.op.recv("msg")["msg"], [words])  # whole, nothing cut
        b.do("wait_text", page="p", selector="#log", text="and I do not know why.")

    def test_a_page_that_has_not_written_holds_no_slot_and_an_ended_chat_gives_its_back(self):
        b = self.browser
        # A page merely opened (one slot per address here) ...
        b.do("open", page="idle", url=self.web.url)
        b.do("wait_text", page="idle", selector="#notice", text="anonymous")
        # ... does not keep another caller from the same network from starting a chat.
        self.start_chat("first", self.web.url, first="hello from the first")
        b.do("click", page="first", selector="#end")
        b.do("wait_text", page="first", selector="#ended", text="You ended the chat.")
        # "Start a new chat" and an ended chat hold nothing: the next one starts at once.
        b.do("click", page="first", selector="#again")
        b.do("wait_text", page="first", selector="#notice", text="anonymous")
        b.do("fill", page="first", selector="#text", text="starting again")
        b.do("press", page="first", selector="#text", key="Enter")
        self.op.send(type="ringACK", ID=self.op.recv("ring")["ID"])
        self.assertEqual(self.op.recv("msg")["msg"], ["starting again"])
        self.assertEqual(self.count("first", "too many chats"), 0)

    def test_after_a_restart_the_chat_shows_as_ended_with_a_new_start(self):
        b = self.browser
        relay = Relay(self.web.address)
        self.addCleanup(relay.close)
        self.start_chat("p", f"http://{relay.address}/", first="before the restart")
        self.web.stop_checked(self)
        b.do("wait_text", page="p", selector="#link", text="Reconnecting")
        self.assertEqual(self.count("p", "Your chat is kept"), 0)  # it was not: no promise
        self.web = NlchatWeb(self.server, "--grace", "30", *self.web_args())
        self.procs.append(self.web)
        relay.target = self.web.address
        b.do("wait_visible", page="p", selector="#again", timeout=20000)
        b.do("wait_text", page="p", selector="#ended", text="the chat service restarted")
        # What was shown stays; the page did not silently wipe itself.
        self.assertEqual(self.count("p", "before the restart"), 1)
        self.assertEqual(b.do("eval", page="p", expr="document.getElementById('send').hidden"), True)
        self.shot("p", "desktop-3-after-restart")

    def test_the_listener_going_offline_is_said_once_and_not_contradicted(self):
        b = self.browser
        self.start_chat("p", self.web.url, first="are you there?")
        self.op.stop(signal.SIGKILL)  # the listener's connection dies; nlchatd's grace runs out
        b.do("wait_text", page="p", selector="#ended", text="The chat has ended.", timeout=20000)
        self.assertEqual(self.count("p", OFFLINE), 1)
        self.assertEqual(self.count("p", "The listener has ended the chat."), 0)
        self.assertEqual(self.count("p", "The chat has ended."), 1)

    def test_another_window_taking_the_chat_is_said_once(self):
        b = self.browser
        self.start_chat("old", self.web.url, first="from the old window")
        token = b.do("eval", page="old", expr="sessionStorage.getItem('nlchat-token')")
        b.do("open", page="new", url=self.web.url)
        # The new page's own welcome stores its own token; setting ours before
        # it arrives would be overwritten by it.
        b.do("wait_text", page="new", selector="#notice", text="anonymous")
        b.do("eval", page="new", expr=f"sessionStorage.setItem('nlchat-token', {token!r})")
        b.do("reload", page="new")
        b.do("wait_text", page="new", selector="#log", text="from the old window")
        b.do("wait_text", page="old", selector="#ended", text="This chat continued in another window.")
        self.assertEqual(self.count("old", "This chat continued in another window."), 1)

    def state_of(self, page, msg_id):
        return self.browser.do("text", page=page, selector=f'#log li[data-msg="{msg_id}"] .state')

    def test_a_message_shows_delivered_only_once_nlchatd_has_it(self):
        b = self.browser
        self.start_chat("p", self.web.url, first="is anyone there")
        b.do("wait_text", page="p", selector='#log li[data-msg="1"] .state', text="delivered")
        # nlchatd stops answering (but its socket stays open): a message written now is
        # with nlchat-web, shown as sent, and not as delivered until nlchatd takes it.
        self.server.send_signal(signal.SIGSTOP)
        try:
            b.do("fill", page="p", selector="#text", text="hello?")
            b.do("press", page="p", selector="#text", key="Enter")
            b.do("wait_text", page="p", selector='#log li[data-msg="2"]', text="hello?")
            time.sleep(1)
            self.assertEqual(self.state_of("p", 2), " \u00b7 sent")
        finally:
            self.server.send_signal(signal.SIGCONT)
        b.do("wait_text", page="p", selector='#log li[data-msg="2"] .state', text="delivered")
        self.assertEqual(self.op.recv("msg")["msg"], ["hello?"])
        with self.assertRaises(AssertionError):
            self.op.recv("msg", timeout=1)  # once

    def test_the_page_says_when_nlchatd_is_away_and_delivers_after(self):
        b = self.browser
        self.start_chat("p", self.web.url, first="still awake")
        self.server.stop()
        b.do("wait_text", page="p", selector="#service", text="The chat service is restarting")
        b.do("fill", page="p", selector="#text", text="are you still there")
        b.do("press", page="p", selector="#text", key="Enter")
        b.do("wait_text", page="p", selector='#log li[data-msg="2"]', text="are you still there")
        self.assertEqual(self.state_of("p", 2), " \u00b7 sent")
        self.shot("p", "desktop-4-service-away")
        # nlchatd comes back on the same socket: nlchat-web redials and resends.
        server = Nlchatd(self.dir, authorized=[self.fp], extra=FAST_TIMERS + ["--ring-timeout", "30"])
        self.procs.append(server)
        server.wait_log("service Web online", timeout=15)
        b.do("wait_gone", page="p", selector="#service", text="restarting")
        b.do("wait_text", page="p", selector='#log li[data-msg="2"] .state', text="delivered")
        self.assertEqual(self.count("p", "The chat service is restarting"), 0)

    def test_a_chat_survives_kill_9_of_nlchatd_with_nothing_lost_or_repeated(self):
        b = self.browser
        self.start_chat("p", self.web.url, first="first")
        # The listener's connection goes: what the caller writes is held for them.
        self.op.proc.kill()
        self.server.wait_log("op-a left the pool (connection lost)")
        b.do("fill", page="p", selector="#text", text="while you were gone")
        b.do("press", page="p", selector="#text", key="Enter")
        b.do("wait_text", page="p", selector='#log li[data-msg="2"] .state', text="delivered")
        # nlchatd dies without a word; a message written meanwhile waits with nlchat-web.
        self.server.proc.kill()
        b.do("wait_text", page="p", selector="#service", text="The chat service is restarting")
        b.do("fill", page="p", selector="#text", text="hello? anyone?")
        b.do("press", page="p", selector="#text", key="Enter")
        b.do("wait_text", page="p", selector='#log li[data-msg="3"]', text="hello? anyone?")
        self.assertEqual(self.state_of("p", 3), " \u00b7 sent")
        server = Nlchatd(self.dir, authorized=[self.fp], extra=FAST_TIMERS + ["--ring-timeout", "30", "--grace", "60"])
        self.procs.append(server)
        server.saw("1 chat(s) with 1 held text(s)")
        b.do("wait_text", page="p", selector='#log li[data-msg="3"] .state', text="delivered", timeout=15000)
        # The listener comes back to the same chat and gets both, once and in order.
        op = Operator(server, self.key, "op-a")
        self.procs.append(op)
        op.joined()
        got = []
        while len(got) < 2:
            got += op.recv("msg")["msg"]
        self.assertEqual(got, ["while you were gone", "hello? anyone?"])
        with self.assertRaises(AssertionError):
            op.recv("msg", timeout=1)
        op.send(type="msg", msg=["I'm back"], **{"I/O": "out"})
        b.do("wait_text", page="p", selector="#log", text="I'm back")
        text = b.do("eval", page="p", expr="document.body.innerText")
        self.assertNotIn("no listeners", text)
        self.assertNotIn("gone offline", text)


class Refusal(BrowserTest):
    def web_args(self):
        return ["--max-sessions", "1"]

    def test_a_refusal_is_said_once(self):
        b = self.browser
        b.do("open", page="first", url=self.web.url)
        b.do("wait_text", page="first", selector="#notice", text="anonymous")
        b.do("open", page="second", url=self.web.url)
        b.do("wait_text", page="second", selector="#ended", text="very busy")
        text = b.do("eval", page="second", expr="document.body.innerText")
        self.assertEqual(text.count("very busy"), 1, text)
