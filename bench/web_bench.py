#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of nlchat-web (make bench): how many callers it holds and what each costs,
and how long a caller's message takes to reach an operator.

1. nlchat-web on a fake bus (tests/lib/fakebus.py): N WebSocket sessions are opened and
   kept open; the service's resident memory before and after gives the cost per session.
   Then every session sends one message (throughput to the bus) and the bus answers each
   (throughput back to the pages).
2. The real nlchatd, nlchat-web and a test operator: a page in a chat sends M messages one
   after another; the time from the WebSocket send to the operator having decrypted it is
   the caller->operator latency (and the reverse is measured too).

usage: web_bench.py --bin DIR --build DIR [SESSIONS [MESSAGES]]
"""
import argparse
import os
import resource
import signal
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("sessions", nargs="?", type=int, default=1000)
    ap.add_argument("messages", nargs="?", type=int, default=100)
    args = ap.parse_args()
    os.environ["NLCHAT_BIN"] = os.path.abspath(args.bin)
    os.environ["NLCHAT_BUILD"] = os.path.abspath(args.build)
    import nltest
    from fakebus import FakeBus
    from wsclient import WebSocket

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, args.sessions * 2 + 256)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    n = min(args.sessions, want // 2 - 64)
    work = tempfile.mkdtemp(prefix="nlchat-web-bench-")
    procs = []
    try:
        print(f"nlchat-web benchmark: {n} concurrent sessions, {args.messages} messages for latency")
        bus = FakeBus(os.path.join(work, "fake.sock"))
        web = nltest.NlchatWeb(None, "--sessions-per-address", str(n + 10), "--max-sessions", str(n + 10),
                               "--messages-per-minute", "1000", socket_path=bus.path, verbose=False)
        procs.append(web)
        bus.expect(lambda l: l.get("type") == "service_online")
        time.sleep(0.3)
        base = rss_kib(web.proc.pid)
        t0 = time.monotonic()
        pages = []
        for _ in range(n):
            ws = WebSocket(web.address)
            ws.send(t="hello", token=None, seen=0)
            ws.expect("welcome")
            pages.append(ws)
        opened = time.monotonic() - t0
        time.sleep(0.3)
        held = rss_kib(web.proc.pid)
        print(f"  sessions open:        {n} in {opened:.2f} s ({n / opened:.0f}/s, handshake + hello + welcome)")
        print(f"  resident memory:      {base} KiB idle, {held} KiB with {n} sessions: "
              f"{(held - base) / n:.1f} KiB per session")
        t0, cpu0 = time.monotonic(), cpu_seconds(web.proc.pid)
        for i, ws in enumerate(pages):
            ws.send(t="msg", id=1, text=f"caller {i} says hello")
        addresses = {}
        for _ in range(n):
            line = bus.expect(lambda l: l.get("type") == "msg", 30)
            addresses[line["msg"][0]] = line["address"]
        up = time.monotonic() - t0
        t0 = time.monotonic()
        for i in range(n):
            bus.send(type="msg", address=addresses[f"caller {i} says hello"], msg=["hello back"], **{"I/O": "out"})
        for ws in pages:
            ws.expect("ev", 30, kind="listener")
        down = time.monotonic() - t0
        cpu = cpu_seconds(web.proc.pid) - cpu0
        print(f"  pages -> bus:         {n} messages in {up:.2f} s ({n / up:.0f} msg/s)")
        print(f"  bus -> pages:         {n} messages in {down:.2f} s ({n / down:.0f} msg/s)")
        print(f"  nlchat-web CPU:       {cpu * 1e6 / (2 * n):.0f} us per message relayed "
              f"({cpu:.2f} s for {2 * n}, at the clock tick's resolution)")
        print(f"  resident memory:      {rss_kib(web.proc.pid)} KiB after one exchange in every session")
        for ws in pages:
            ws.sock.close()
        web.stop()
        bus.close()

        key = os.path.join(work, "op.key")
        fp = nltest.make_key(key)
        server = nltest.Nlchatd(work, authorized=[fp])
        procs.append(server)
        web = nltest.NlchatWeb(server, "--messages-per-minute", "100000", verbose=False)
        procs.append(web)
        server.wait_log("service Web online")
        op = nltest.Operator(server, key, "bench-op")
        procs.append(op)
        op.joined()
        page = WebSocket(web.address)
        page.send(t="hello", token=None, seen=0)
        page.expect("welcome")
        page.send(t="msg", id=1, text="hello")
        op.send(type="ringACK", ID=op.recv("ring")["ID"])
        op.recv("msg")
        page.expect("ev", kind="service")
        to_op, to_page = [], []
        for i in range(args.messages):
            t0 = time.monotonic()
            page.send(t="msg", id=i + 2, text=f"message {i}: how are you doing tonight?")
            op.recv("msg")
            to_op.append((time.monotonic() - t0) * 1000)
            t0 = time.monotonic()
            op.send(type="msg", msg=[f"reply {i}"], **{"I/O": "out"})
            page.expect("ev", kind="listener", text=f"reply {i}")
            to_page.append((time.monotonic() - t0) * 1000)
        print(f"  caller -> operator:   p50 {statistics.median(to_op):.2f} ms, p99 {pct(to_op, 99):.2f} ms "
              f"(WebSocket, nlchat-web, bus, nlchatd, RSA to the operator, its decryption)")
        print(f"  operator -> caller:   p50 {statistics.median(to_page):.2f} ms, p99 {pct(to_page, 99):.2f} ms "
              f"(includes nlchatd's RSA decryption of the operator's packet)")
        page.close()
    finally:
        for p in reversed(procs):
            p.stop(signal.SIGKILL if isinstance(p, nltest.Operator) else signal.SIGTERM)
        import shutil
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
