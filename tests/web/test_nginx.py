# SPDX-License-Identifier: GPL-3.0-or-later
"""The documented deployment, tested: contrib/nginx/nlchat-web.conf as shipped (only its
ports, certificate and file paths substituted) with a self-signed certificate, in front
of the real nlchat-web and nlchatd. Through it: the headers, the HTTP redirect, a whole
chat over wss, a chat surviving an nginx restart, the per-address limit with two client
addresses, the friendly page while nlchat-web is down, and afterwards no log file
(nginx's or ours) holding a caller's address or words.

Debian's nginx-light is installed by tools/install-deps; without it this test fails and
says so (a skip would hide a missing dependency)."""
import glob
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time

from nltest import FAST_TIMERS, Nlchatd, NlchatWeb, Operator, Process, TempDirTest, make_key, stop_processes
from wsclient import Closed, WebSocket, tls_context

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib", "nginx")
WORDS = "the secret words of caller one"
CALLERS = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def https(port, path="/", source=None, method="GET"):
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls_context(),
                                       source_address=(source, 0) if source else None)
    conn.request(method, path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


class Nginx(TempDirTest):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.exists(NGINX), "nginx is not installed: run tools/install-deps (nginx-light)")
        os.chmod(self.dir, 0o755)  # nginx's workers read the error page from here
        self.procs = []
        self.key_a = self.path("a")
        self.fp_a = make_key(self.key_a)
        for d in ("logs", "tmp", "share"):
            os.mkdir(self.path(d))
        shutil.copy(os.path.join(SITE, "nlchat-unavailable.html"), self.path("share"))
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                            "/CN=chat.example.org", "-keyout", self.path("key.pem"), "-out", self.path("cert.pem")],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.http_port, self.https_port = free_port(), free_port()
        self.nginx = None

    def tearDown(self):
        try:
            self.stop_nginx()
            stop_processes(self, self.procs)
        finally:
            super().tearDown()

    def site(self, web_port):
        """The shipped site file with this test's ports and paths."""
        with open(os.path.join(SITE, "nlchat-web.conf")) as f:
            text = f.read()
        subs = [("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
                ("listen [::]:80;", f"listen [::1]:{self.http_port};"),
                ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
                ("listen [::]:443 ssl http2;", f"listen [::1]:{self.https_port} ssl http2;"),
                ("/etc/letsencrypt/live/chat.example.org/fullchain.pem", self.path("cert.pem")),
                ("/etc/letsencrypt/live/chat.example.org/privkey.pem", self.path("key.pem")),
                ("/var/log/nginx/nlchat-web.error.log", self.path("logs/nlchat-web.error.log")),
                ("root /usr/local/share/nlchat;", f"root {self.path('share')};"),
                ("proxy_pass http://127.0.0.1:7781;", f"proxy_pass http://127.0.0.1:{web_port};")]
        for old, new in subs:
            self.assertIn(old, text, "the shipped site file changed: update this test's substitutions")
            text = text.replace(old, new)
        return text

    def start_nginx(self, web_port):
        with open(self.path("site.conf"), "w") as f:
            f.write(self.site(web_port))
        with open(self.path("nginx.conf"), "w") as f:
            f.write(f"""user root;
worker_processes 1;
pid {self.path('nginx.pid')};
error_log {self.path('logs/error.log')} crit;
worker_shutdown_timeout 5s;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {self.path('tmp')};
    proxy_temp_path {self.path('tmp')};
    access_log {self.path('logs/access.log')};
    include {self.path('site.conf')};
}}
""")
        self.nginx = Process([NGINX, "-p", self.dir, "-c", self.path("nginx.conf"), "-g", "daemon off;"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return
            except OSError:
                self.assertIsNone(self.nginx.proc.poll(), "nginx stopped:\n" + "\n".join(self.nginx.err.seen))
                time.sleep(0.05)
        self.fail("nginx did not listen")

    def stop_nginx(self):
        if self.nginx:
            self.nginx.stop(signal.SIGQUIT)
            self.nginx = None

    def page(self, source, token=None, seen=0):
        ws = WebSocket(f"127.0.0.1:{self.https_port}", tls=True, source=source)
        ws.send(t="hello", token=token, seen=seen)
        return ws

    def test_the_shipped_site_file_in_front_of_the_real_programs(self):
        server = Nlchatd(self.dir, authorized=[self.fp_a], extra=FAST_TIMERS)
        self.procs.append(server)
        web = NlchatWeb(server, "--trust-proxy", "--sessions-per-address", "2", verbose=False)
        self.procs.append(web)
        server.saw("service Web online")
        a = Operator(server, self.key_a, "op-a")
        self.procs.append(a)
        a.joined()
        web_port = int(web.address.rsplit(":", 1)[1])
        self.start_nginx(web_port)

        # Headers: nlchat-web's own, HSTS from nginx, and no nginx version.
        status, headers, body = https(self.https_port, "/", CALLERS[0])
        self.assertEqual(status, 200)
        for name in ("content-security-policy", "cache-control", "x-content-type-options", "referrer-policy",
                     "strict-transport-security"):
            self.assertIn(name, headers)
        self.assertEqual(headers["server"], "nginx")
        # Plain HTTP only redirects.
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        conn.request("GET", "/chat?x=1")
        r = conn.getresponse()
        self.assertEqual(r.status, 301)
        self.assertTrue(r.getheader("Location").startswith("https://"))
        self.assertTrue(r.getheader("Location").endswith("/chat?x=1"))
        conn.close()

        # A whole chat over wss.
        page = self.page(CALLERS[0])
        welcome = page.expect("welcome")
        page.send(t="msg", id=1, text=WORDS)
        page.expect("ev", kind="you", text=WORDS)
        a.send(type="ringACK", ID=a.recv("ring")["ID"])
        self.assertEqual(a.recv("msg")["msg"], [WORDS])
        a.send(type="msg", msg=["I'm listening."], **{"I/O": "out"})
        page.expect("ev", kind="listener", text="I'm listening.")

        # nginx restarts: the page reconnects with its token and the chat goes on.
        self.stop_nginx()
        with self.assertRaises((Closed, OSError, TimeoutError)):
            page.recv(5)
        self.start_nginx(web_port)
        again = self.page(CALLERS[0], token=welcome["token"], seen=page.seen[-1]["seq"])
        self.assertTrue(again.expect("welcome")["resumed"])
        again.send(t="msg", id=2, text="still here after the restart")
        self.assertEqual(a.recv("msg")["msg"], ["still here after the restart"])
        a.send(type="msg", msg=["so am I"], **{"I/O": "out"})
        again.expect("ev", kind="listener", text="so am I")

        # The per-address limit (2 here) sees each caller's own address through nginx.
        pages = [self.page(CALLERS[1]) for _ in range(3)]
        for i, p in enumerate(pages):
            p.expect("welcome")
            p.send(t="msg", id=1, text=f"chat {i}")
        for p in pages[:2]:
            p.expect("ev", kind="you")
        third = pages[2]
        self.assertIn("too many chats open from your network", third.expect("not_sent", id=1)["text"])
        other = self.page(CALLERS[2])
        other.expect("welcome")
        other.send(t="msg", id=1, text="another network")
        other.expect("ev", kind="you")
        for p in pages + [other, again, page]:
            p.sock.close()

        # nlchat-web down: the friendly page, with its headers, not nginx's bare 502.
        web.stop_checked(self)
        status, headers, body = https(self.https_port, "/", CALLERS[0])
        self.assertEqual(status, 502)
        self.assertIn(b"The chat is briefly unavailable", body)
        self.assertIn(b"try again in a minute", body)
        self.assertEqual(headers.get("retry-after"), "60")
        self.assertIn("default-src 'none'", headers["content-security-policy"])
        for _ in range(3):
            https(self.https_port, "/chat", CALLERS[1])

        # Afterwards no log, nginx's or ours, holds a caller's address or words.
        self.stop_nginx()
        stop_processes(self, self.procs)
        self.procs = []
        texts = {}
        for path in glob.glob(self.path("logs/*")):
            with open(path, errors="replace") as f:
                texts[path] = f.read()
        texts["nlchat-web"] = "\n".join(web.err.seen)
        texts["nlchatd"] = "\n".join(server.err.seen)
        self.assertIn(self.path("logs/nlchat-web.error.log"), texts)
        for name, text in texts.items():
            for secret in CALLERS + [WORDS, "still here after the restart"]:
                self.assertNotIn(secret, text, f"{name} holds {secret!r}")
            self.assertIsNone(re.search(r"client: \d", text), f"{name} names a client")
