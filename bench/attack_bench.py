#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of nlchatd under attack (make bench): the red team's findings at full size,
with what a joined operator in a chat feels meanwhile, printed beside the goals.

1. 16 connections replaying `key` packets with absurd exponents: operator->caller p99.
2. 50 addresses each sending a packet a second for 15 s: the red team's 128 junk blocks,
   the 10 right-sized junk blocks a stranger may send, and 10 blocks that all decrypt
   (the most work a stranger can buy): p90, and whether the operator stayed in the pool.
3. 1,100 idle connections against a server limited to 1,024 descriptors: how long a new
   authorized operator takes to join.
4. 3,000 connections each holding an 8000-byte partial line: memory per connection.
5. A revoked operator: time from SIGHUP to its connection closing.

usage: attack_bench.py --bin DIR --build DIR [SECONDS]
"""
import argparse
import os
import resource
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("seconds", nargs="?", type=float, default=15)
    args = parser.parse_args()
    os.environ["NLCHAT_BIN"] = os.path.abspath(args.bin)
    os.environ["NLCHAT_BUILD"] = os.path.abspath(args.build)
    import attack
    import nltest

    attack.raise_fd_limit(8000)
    workdir = tempfile.mkdtemp(prefix="nlchat-attack-bench-")
    procs = []

    def start(name, authorized, preexec_fn=None):
        d = os.path.join(workdir, name)
        os.mkdir(d, 0o700)
        server = nltest.Nlchatd(d, authorized=authorized, extra=["--grace", "3"], preexec_fn=preexec_fn)
        procs.append(server)
        return server

    def chat(server, key):
        web = nltest.Caller(server)
        procs.append(web)
        server.saw("service Web online")
        op = nltest.Operator(server, key, "op-a")
        procs.append(op)
        op.joined()
        web.say("c1", "hi")
        op.send(type="ringACK", ID=op.recv("ring")["ID"])
        op.recv("msg")
        attack.round_trips(op, web, 5)
        return web, op

    def stop_all():
        for p in reversed(procs):
            p.stop(signal.SIGKILL if isinstance(p, nltest.Operator) else signal.SIGTERM)
        procs.clear()

    try:
        key = os.path.join(workdir, "op")
        fp = nltest.make_key(key)
        print("nlchatd under attack (operator->caller latency of a joined operator in a chat)")

        # 1. Huge exponents.
        server = start("exponent", [fp])
        web, op = chat(server, key)
        quiet = attack.round_trips(op, web, 50, interval=0.02)
        pub = attack.server_key(server.address)
        huge = attack.key_packet(pub, "mallory", attack.absurd_key_pem(8192, 39000))
        fits = attack.key_packet(pub, "mallory", attack.absurd_key_pem(2048, 4000))
        crowd = attack.Crowd(server.address, 16, lambda i: huge if i % 2 else fits, interval=0.05)
        times = attack.round_trips(op, web, 100, interval=0.05)
        crowd.stop()
        print(f"  quiet: p50 {attack.percentile(quiet, 50) * 1000:.1f} ms, p99 {attack.percentile(quiet, 99) * 1000:.1f} ms")
        print(f"  16 connections replaying huge-exponent keys ({crowd.sent} sent): "
              f"p50 {attack.percentile(times, 50) * 1000:.1f} ms, p99 {attack.percentile(times, 99) * 1000:.1f} ms "
              f"(goal p99 < 200 ms)")
        stop_all()

        # 2. Junk packets.
        kinds = [(128, "junk", attack.junk_packet), (10, "junk", attack.junk_packet),
                 (10, "valid", attack.filler_packet)]
        for blocks, kind, make in kinds:
            server = start(f"{kind}{blocks}", [fp])
            web, op = chat(server, key)
            packet = make(attack.server_key(server.address), blocks)
            started = time.monotonic()
            crowd = attack.Crowd(server.address, 50, packet, interval=1.0, persistent=kind == "valid")
            times = []
            while time.monotonic() - started < args.seconds:
                times += attack.round_trips(op, web, 1, interval=0.1, prefix=f"t{len(times)}")
            crowd.stop()
            dropped = any("left the pool" in l for l in server.err.seen)
            print(f"  50 addresses x 1 {kind} packet/s of {blocks} blocks for {args.seconds:.0f} s ({crowd.sent} sent): "
                  f"p50 {attack.percentile(times, 50) * 1000:.1f} ms, p90 {attack.percentile(times, 90) * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms, operator {'DROPPED' if dropped else 'stayed in the pool'} "
                  f"(goal p90 < 250 ms, stays)")
            stop_all()

        # 3. Idle crowd under a descriptor limit.
        server = start("idle", [fp], preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)))
        socks = attack.hold_connections(server.address, 1100, per_address=25)
        started = time.monotonic()
        op = nltest.Operator(server, key, "op-late")
        procs.append(op)
        op.joined(timeout=30)
        print(f"  1,100 idle connections, 1,024 descriptors: a new operator joined in "
              f"{(time.monotonic() - started) * 1000:.0f} ms (goal: it joins)")
        for s in socks:
            s.close()
        stop_all()

        # 4. Partial lines.
        server = start("memory", [fp])
        for s in attack.hold_connections(server.address, 20, per_address=20, first_address=0):
            s.close()
        time.sleep(0.5)
        before = attack.rss_kib(server.proc.pid)
        socks = attack.hold_connections(server.address, 3000, send=b"x" * 8000, per_address=30)
        time.sleep(3)
        after = attack.rss_kib(server.proc.pid)
        print(f"  3,000 connections with an 8000-byte partial line: RSS {before} -> {after} KiB, "
              f"{(after - before) / 3000:.1f} KiB each (goal < 16 KiB)")
        for s in socks:
            s.close()
        stop_all()

        # 5. Revocation.
        server = start("revoke", [fp])
        web, op = chat(server, key)
        with open(server.authorized, "w") as f:
            f.write("# nobody\n")
        started = time.monotonic()
        server.send_signal(signal.SIGHUP)
        op.closed(timeout=10)
        print(f"  revoked operator disconnected {(time.monotonic() - started) * 1000:.0f} ms after SIGHUP (goal < 1 s)")
        stop_all()
    finally:
        stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
