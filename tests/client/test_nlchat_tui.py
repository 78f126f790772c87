# SPDX-License-Identifier: GPL-3.0-or-later
"""The real nlchat in tmux against the real nlchatd on loopback, with nlchat-caller
playing callers: what an operator sees and does, checked on the captured screen."""
import os
import shutil
import signal
import stat
import subprocess
import time
import unittest

from nltest import SANITIZED, Nlchatd, SystemTest, Tmux, make_key, nlchat_in_tmux, program, run


class TuiTest(SystemTest):
    def server(self, **kw):
        kw.setdefault("allow_any", True)
        s = Nlchatd(self.dir, extra=["--probe-after", "2", "--probe-timeout", "2", "--grace", "5", "-v"], **kw)
        self.procs.append(s)
        return s

    def nlchat(self, server, name="op", *args, **kw):
        home = self.path(f"home-{name}")
        os.makedirs(home, exist_ok=True)
        t = nlchat_in_tmux(name, server, home, *args, **kw)
        self.tmuxes.append(t)
        return t, home

    def online(self, server, name="op", *args, **kw):
        """nlchat past the first-use trust question, joined."""
        t, home = self.nlchat(server, name, *args, **kw)
        t.wait_for("Trust it? y/n")
        t.keys("y")
        t.wait_for("online")
        return t, home

    def paste(self, t, text):
        """Pastes `text` as a terminal does: inside ESC[200~ ... ESC[201~ (nlchat asked for
        it), with each newline as a carriage return."""
        subprocess.run(["tmux", "-L", t.socket, "set-buffer", "-b", "p", text], check=True, timeout=10)
        subprocess.run(["tmux", "-L", t.socket, "paste-buffer", "-p", "-b", "p", "-t", t.name], check=True,
                       timeout=10)

    def take_ring(self, t, web, caller, first, ring=1):
        """`caller` writes `first`; the operator in `t` takes its ring with F2."""
        web.say(caller, first)
        t.wait_for(f"ring {ring}")
        t.keys("F2")
        t.wait_for(f"you have ring {ring}")


class FirstRun(TuiTest):
    def test_trust_on_first_use_and_files(self):
        server = self.server()
        t, home = self.nlchat(server)
        screen = t.wait_for("Trust it? y/n")
        fingerprint = run([program("nlchat-packet"), "fingerprint", server.key]).stdout.decode().strip()
        self.assertIn(fingerprint, screen)
        t.keys("y")
        t.wait_for("online")
        files = os.path.join(home, "nlchat")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(files, "key")).st_mode), 0o600)
        with open(os.path.join(files, "known_servers")) as f:
            self.assertIn(server.address + " " + fingerprint, f.read())
        # The next run trusts the pinned key without asking.
        t.keys("F10")
        t.wait_for("Quit nlchat?")
        t.keys("y")
        t2 = nlchat_in_tmux("op2", server, home)
        self.tmuxes.append(t2)
        t2.wait_for("online")

    def test_a_changed_server_key_is_refused_loudly(self):
        server = self.server()
        other = self.path("other.key")
        make_key(other)
        t, _ = self.nlchat(server, "op", "--server-key", other + ".pub")
        screen = t.wait_for("SERVER KEY CHANGED")
        self.assertIn("attack", screen)
        self.assertIn("known-servers", screen)

    def test_an_unauthorized_key_is_refused_with_a_clear_message(self):
        server = self.server(allow_any=False, authorized=[])
        t, _ = self.nlchat(server)
        t.wait_for("Trust it? y/n")
        t.keys("y")
        screen = t.wait_for("not authorized")
        self.assertIn("refused", screen)
        # Refused means refused: nlchat does not dial again by itself (it once did when
        # the close overtook the refusal still being opened). Watched past the two redials
        # a lost link would bring: at once, then after 0.8 to 1.2 s.
        time.sleep(2.5 * (2 if SANITIZED else 1))
        while True:  # everything nlchatd has logged so far
            try:
                if server.err.next(0.3) is None:
                    break
            except TimeoutError:
                break
        opened = [line for line in server.err.seen if "connection" in line and line.endswith(" opened")]
        self.assertEqual(len(opened), 1, opened)

    def test_fingerprint_option(self):
        home = self.path("home")
        env = dict(os.environ, XDG_CONFIG_HOME=home)
        r = subprocess.run([program("nlchat"), "--fingerprint"], env=env, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        fp = r.stdout.decode().strip()
        self.assertRegex(fp, r"^SHA256:[A-Za-z0-9+/]{43}$")
        again = subprocess.run([program("nlchat"), "--fingerprint"], env=env, capture_output=True, timeout=60)
        self.assertEqual(again.stdout.decode().strip(), fp)

    def test_bad_options_and_settings_are_refused_with_the_reason(self):
        env = dict(os.environ, XDG_CONFIG_HOME=self.path("home"))
        with open(self.path("nlchat.conf"), "w") as f:
            f.write("silence = nan\n")
        for args, words in ((["--silence", "nan"], b"silence must be a number of seconds from 0 to 3600, not 'nan'"),
                            (["--silence", "3601"], b"silence must be a number of seconds from 0 to 3600"),
                            (["--bell-interval", "-1"], b"bell-interval must be a number of seconds"),
                            (["--chats", "0"], b"chats must be a whole number from 1 to 9, not '0'"),
                            (["--chats", "2.5"], b"chats must be a whole number from 1 to 9"),
                            (["--bogus"], b"'--bogus' is not known"),
                            (["--config", self.path("nlchat.conf")], b"nlchat.conf:1: silence must be a number")):
            r = subprocess.run([program("nlchat")] + args + ["--fingerprint"], env=env, capture_output=True,
                               timeout=60)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(words, r.stderr, args)
        # Refused before anything is made: no key pair for a command line that was wrong.
        self.assertFalse(os.path.exists(os.path.join(self.path("home"), "nlchat", "key")))


class Chatting(TuiTest):
    def test_a_ring_is_taken_and_the_chat_works_both_ways(self):
        server = self.server()
        web = self.caller(server)
        t, _ = self.online(server)
        web.say("alex", "hello, is anyone there?")
        screen = t.wait_for("ring 1")
        self.assertIn("rings: 1", screen)
        self.assertRegex(screen, r"ring 1  [01]:[0-5][0-9]")  # with its countdown
        t.keys("F2")
        t.wait_for("you have ring 1")
        t.wait_for("hello, is anyone there?")
        t.type("Hi, I'm here. What's on your mind?")
        web.expect("alex ~ composing")
        t.keys("Enter")
        web.expect("alex: Hi, I'm here. What's on your mind?")
        web.write("/state alex composing")
        t.wait_for("caller is typing")
        web.say("alex", "I can't sleep \U0001F61E \u65e5\u672c\u8a9e caf\u00e9")
        screen = t.wait_for("I can't sleep")
        self.assertIn("\U0001F61E \u65e5\u672c\u8a9e caf\u00e9", screen)
        t.keys("F8")
        t.wait_for("End this chat?")
        t.keys("y")
        web.expect("alex ended")
        t.wait_for("EARLIER CHATS (1)")

    def test_a_bracketed_paste_is_edited_or_asked_about_never_sent_blind(self):
        server = self.server()
        web = self.caller(server)
        t, _ = self.online(server)
        self.take_ring(t, web, "alex", "hi")

        def paste(text):
            self.paste(t, text)

        paste("just one line")
        t.wait_for("> just one line")  # into the input line, to be edited; not sent
        t.keys("C-u")
        paste("first line\nsecond line")
        t.wait_for("Send this 2-line paste as one message? y = yes, n = no")
        t.keys("n")
        t.wait_gone("Send this 2-line paste")
        paste("y\nthird line")  # a "y" inside a paste is text, not an answer
        t.wait_for("Send this 2-line paste as one message?")
        t.keys("y")
        web.expect("alex: y")
        web.expect("third line")
        self.assertNotIn("alex: first line", web.out.seen)
        self.assertNotIn("alex: just one line", web.out.seen)

    def test_a_line_the_server_will_not_deliver_is_marked_where_it_was_typed(self):
        # nlchatd takes texts of up to 8192 bytes; a longer line is acknowledged on the v2
        # link (the frame arrived) but goes no further, and the server names it back.
        server = self.server()
        web = self.caller(server)
        t, _ = self.online(server)
        self.take_ring(t, web, "alex", "hi")
        self.paste(t, "w" * 8300 + " the end")
        t.wait_for("the end")
        t.keys("Enter")
        # The mark wraps over two rows; waiting for its end, not its start, so as not to
        # read a screen tmux has only half received.
        screen = t.wait_for("longer than 8192 bytes, the server's limit]")
        self.assertIn("[NOT DELIVERED: the server did", screen)
        self.assertNotRegex(screen, r"the end\W+delivered")  # never shown as delivered
        server.saw("a line was not delivered: longer than 8192 bytes")
        # The next line goes through as usual.
        t.type("a short one")
        t.keys("Enter")
        web.expect("alex: a short one")
        self.assertFalse([line for line in web.out.seen if "wwww" in line])

    def test_the_race_is_shown_to_the_operator_who_lost(self):
        server = self.server()
        web = self.caller(server)
        a, _ = self.online(server, "a")
        b, _ = self.online(server, "b")
        web.say("sam", "hi")
        a.wait_for("ring 1")
        b.wait_for("ring 1")
        # Both press F2 while the server is frozen, so both ringACKs are on their way
        # before either answer: whichever the server reads first wins.
        server.send_signal(signal.SIGSTOP)
        try:
            a.keys("F2")
            b.keys("F2")
            for t in (a, b):
                t.wait_for("\u2026")  # the accept is pending: an ellipsis follows the countdown
        finally:
            server.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 15
        won = []
        while time.monotonic() < deadline:
            won = [t for t in (a, b) if "you have ring 1" in t.screen()]
            if won:
                break
            time.sleep(0.1)
        self.assertEqual(len(won), 1)
        loser = b if won[0] is a else a
        loser.wait_for("ring 1 taken by another operator")
        self.assertNotIn("ring 1  ", loser.screen())

    def test_an_ignored_ring_leaves_the_queue_and_rings_expire(self):
        server = Nlchatd(self.dir, allow_any=True, extra=["--ring-timeout", "3"])
        self.procs.append(server)
        web = self.caller(server)
        t, _ = self.online(server)
        web.say("a", "one")
        web.say("b", "two")
        t.wait_for("rings: 2")
        t.keys("F3")
        t.wait_for("rings: 1")
        t.wait_for("rings: 0", timeout=10)
        web.expect("b: Sorry, no listeners are currently available to take your call.")

    def test_probes_are_answered_and_quit_sends_disconnect(self):
        server = Nlchatd(self.dir, allow_any=True, extra=["--probe-after", "0.5", "--probe-timeout", "0.5", "-v"])
        self.procs.append(server)
        t, _ = self.online(server)
        server.wait_log("joined on connection")
        # Several probe periods pass while the operator stays in the pool.
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            t.wait_for("online")
        self.assertFalse(any("no answer to a probe" in l for l in server.err.seen))
        t.keys("F10")
        t.wait_for("Quit nlchat?")
        t.keys("y")
        server.wait_log("disconnected")

    def test_server_silence_is_shown_and_key_resent(self):
        server = self.server()
        t, _ = self.online(server, "op", "--silence", "2")
        server.send_signal(signal.SIGSTOP)
        try:
            t.wait_for("no word from server", timeout=10)
        finally:
            server.send_signal(signal.SIGCONT)
        # The key the client resent while the server was frozen brings a status back.
        t.wait_for("online", timeout=15)

    def test_canned_response_goes_to_the_input_line(self):
        server = self.server()
        home = self.path("home-op")
        os.makedirs(os.path.join(home, "nlchat", "canned"))
        with open(os.path.join(home, "nlchat", "canned", "sign_off.txt"), "w") as f:
            f.write("Thanks for talking tonight. Take care.\n")
        web = self.caller(server)
        t, _ = self.online(server)
        self.take_ring(t, web, "alex", "hi")  # a chat's input line to put it in
        t.keys("F6")
        t.wait_for("sign off")
        t.keys("Enter")
        screen = t.wait_for("> Thanks for talking tonight. Take care.")
        self.assertNotIn("Canned responses:", screen)
        self.assertNotIn("alex: Thanks for talking tonight. Take care.", web.out.seen)

    def test_every_skipped_canned_file_is_said_where_the_operator_sees_it(self):
        # Before: only the first warning was shown, on the notice line, and it was
        # cleared as soon as the link came up, so nobody saw it.
        server = self.server()
        home = self.path("home-op")
        canned = os.path.join(home, "nlchat", "canned")
        os.makedirs(canned)
        with open(os.path.join(canned, "latin1.txt"), "wb") as f:
            f.write(b"caf\xe9\n")
        with open(os.path.join(canned, "huge.txt"), "w") as f:
            f.write("x" * 20000)
        with open(os.path.join(canned, "fine.txt"), "w") as f:
            f.write("Take your time.\n")
        t, _ = self.online(server)
        time.sleep(1)  # well after the link came up
        screen = t.wait_for("latin1.txt")
        self.assertIn("huge.txt", screen)
        self.assertIn("online", screen)

    def test_resize_keeps_the_layout_even_with_a_prompt_open(self):
        server = self.server()
        t, _ = self.online(server)
        t.keys("F10")
        t.wait_for("Quit nlchat?")
        t.resize(60, 16)
        screen = t.wait_for("Quit nlchat?")
        lines = screen.rstrip("\n").split("\n")
        self.assertLessEqual(len(lines), 16)
        self.assertTrue(all(len(l) <= 60 for l in lines))
        t.keys("n")
        t.wait_gone("Quit nlchat?")
        t.resize(100, 30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            screen = t.screen()
            lines = screen.rstrip("\n").split("\n")
            if len(lines) == 30 and lines[-1].startswith(">") and "RINGS (0)" in lines[1]:
                break
            time.sleep(0.1)
        self.assertEqual(len(lines), 30, screen)
        self.assertIn("RINGS (0)", lines[1])

    def test_help_lists_the_keys(self):
        server = self.server()
        t, _ = self.online(server)
        t.keys("F1")
        screen = t.wait_for("Keys (F1 or Esc closes this)")
        for part in ("F2", "take the selected ring", "F8", "end the chat", "Ctrl-W"):
            self.assertIn(part, screen)
        t.keys("Escape")
        t.wait_gone("Keys (F1")


class Terminals(TuiTest):
    def test_a_mono_terminal_with_no_color(self):
        server = self.server()
        home = self.path("home-mono")
        os.makedirs(home)
        from nltest import Tmux
        t = Tmux("mono", [program("nlchat"), "--server", server.address],
                 {"XDG_CONFIG_HOME": home, "TERM": "vt100", "NO_COLOR": "1", "LANG": "C.UTF-8"})
        self.tmuxes.append(t)
        t.wait_for("Trust it? y/n")
        t.keys("y")
        screen = t.wait_for("online")
        self.assertIn("RINGS (0)", screen)


class Demo(TuiTest):
    def test_the_demo_rings_chats_and_cleans_up(self):
        from nltest import Tmux
        before = set(os.listdir("/tmp"))
        t = Tmux("demo", [program("nlchat"), "--demo"], {"TERM": "xterm-256color", "LANG": "C.UTF-8",
                                                         "XDG_CONFIG_HOME": self.path("untouched")})
        self.tmuxes.append(t)
        t.wait_for("ring 1", timeout=20)
        t.keys("F2")
        t.wait_for("you have ring 1")
        t.wait_for("is this the nightline?")
        t.type("I'm here. Take your time.")
        t.keys("Enter")
        t.wait_for("exams start on monday", timeout=20)
        demo_dirs = [d for d in set(os.listdir("/tmp")) - before if d.startswith("nlchat-demo-")]
        self.assertEqual(len(demo_dirs), 1)
        t.keys("F10")
        t.wait_for("Quit nlchat?")
        t.keys("y")
        deadline = time.monotonic() + 15
        while t.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(t.alive())
        # Nothing left behind: no temporary directory, no server, nothing in the config dir.
        self.assertFalse(os.path.exists(os.path.join("/tmp", demo_dirs[0])))
        self.assertFalse(os.path.exists(self.path("untouched")))
        r = subprocess.run(["pgrep", "-f", "nlchat-demo-"], capture_output=True)
        self.assertEqual(r.stdout, b"")


class Outages(TuiTest):
    def test_the_server_going_away_and_coming_back(self):
        server = self.server()
        t, _ = self.online(server)
        address, key = server.address, server.key
        server.stop(signal.SIGKILL)
        self.procs.remove(server)
        t.wait_for("disconnected")
        t.wait_for("redialling")
        # The same key, on the same port: the client finds it again by itself.
        server2 = Nlchatd(self.dir, allow_any=True, key=key,
                          extra=["--listen", address, "--probe-after", "2", "--probe-timeout", "2"])
        self.procs.append(server2)
        t.wait_for("online", timeout=40)

    def test_sighup_sends_disconnect_and_exits(self):
        server = self.server()
        t, _ = self.online(server)
        server.wait_log("joined on connection")
        os.kill(t.pid(), signal.SIGHUP)
        server.wait_log("disconnected")
        deadline = time.monotonic() + 10
        while t.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(t.alive())
        self.assertEqual(t.exit_status(), 0)

    def hang_up_until_gone(self, pid):
        """SIGHUP to `pid` every millisecond until it has gone (for at most 10 s)."""
        # A pidfd, so that no other process that takes the pid later gets a signal.
        pidfd = os.pidfd_open(pid)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    signal.pidfd_send_signal(pidfd, signal.SIGHUP)
                except ProcessLookupError:
                    break
                time.sleep(0.001)
        finally:
            os.close(pidfd)

    def test_hangups_during_the_exit_do_not_cut_it_short(self):
        # A lost terminal brings several SIGHUPs (tmux's, the pty's hangup, the shell's
        # death). The first starts the exit; the later ones must not kill nlchat on its
        # way out (it exits 0, having said goodbye), which they did once its own signal
        # watcher was closed and SIGHUP had its default action back.
        server = self.server()
        t, _ = self.online(server)
        server.wait_log("joined on connection")
        self.hang_up_until_gone(t.pid())
        server.wait_log("disconnected")
        self.assertEqual(t.exit_status(), 0)

    def test_hangups_in_the_instant_the_signal_watchers_close_do_not_kill_it(self):
        # Closing its last SIGHUP watcher, libuv gives SIGHUP its default action back, and
        # nlchat ignores it only a moment later: a hangup in that moment killed it (exit
        # 129), now and then, under load. strace holds each of nlchat's sigaction calls
        # for 50 ms on its way back, so that moment lasts 50 ms and the hangups sent every
        # millisecond are sure to fall in it.
        self.assertTrue(shutil.which("strace"), "strace is needed (tools/install-deps installs it)")
        server = self.server()
        home = self.path("home-op")
        os.makedirs(home, exist_ok=True)
        # (Under the sanitizers, without LeakSanitizer's exit check, which must trace the
        # process itself and cannot while strace does.)
        strace = 'ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" exec strace -o /dev/null -e trace=rt_sigaction ' \
                 '-e inject=rt_sigaction:delay_exit=50000 "$@"'
        t = Tmux("op", ["sh", "-c", strace, "sh", program("nlchat"), "--server", server.address],
                 {"XDG_CONFIG_HOME": home, "TERM": "xterm-256color", "LANG": "C.UTF-8"})
        self.tmuxes.append(t)
        t.wait_for("Trust it? y/n", timeout=30)
        t.keys("y")
        t.wait_for("online", timeout=30)
        server.wait_log("joined on connection")
        nlchat = int(subprocess.run(["pgrep", "-P", str(t.pid())], capture_output=True, timeout=10).stdout.split()[0])
        self.hang_up_until_gone(nlchat)
        server.wait_log("disconnected")
        self.assertEqual(t.exit_status(), 0)  # strace's, which is nlchat's (129 if a SIGHUP killed it)

if __name__ == "__main__":
    unittest.main()
