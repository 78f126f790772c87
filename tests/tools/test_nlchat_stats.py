# SPDX-License-Identifier: GPL-3.0-or-later
"""Functional tests of nlchat-stats: a figures file with known records (and lines that
are not records) summed up by the real program, as an admin would run it at the end of
a shift or of a month; its options, errors and exit statuses."""
import csv
import io
import json
import os
import re
import subprocess
import time
import unittest

from nltest import TempDirTest, program

STATS = program("nlchat-stats")
SHIFT = 1796508000  # 2026-12-05 22:00 UTC
UTC = dict(os.environ, TZ="UTC")


def ring(at, waited, outcome, service="web"):
    return json.dumps({"v": 1, "kind": "ring", "service": service, "at": at, "waited": waited, "outcome": outcome})


def chat(at, lasted, ended_by="operator", handovers=0, support=0, service="web"):
    return json.dumps({"v": 1, "kind": "chat", "service": service, "at": at, "lasted": lasted,
                       "ended_by": ended_by, "handovers": handovers, "support": support})


# One night: web on the evening of the 5th and after midnight, phone after midnight.
RECORDS = [
    ring(SHIFT, 8, "answered"),
    ring(SHIFT + 60, 41, "answered"),
    ring(SHIFT + 120, 90, "timed_out"),
    ring(SHIFT + 180, 20, "withdrawn"),
    ring(SHIFT + 240, 0, "no_listeners"),
    chat(SHIFT, 1450, "caller", handovers=1),
    chat(SHIFT + 60, 3723, "operator", support=2),
    ring(SHIFT + 3 * 3600, 2, "answered"),
    ring(SHIFT + 3 * 3600 + 60, 4, "answered"),
    ring(SHIFT + 3 * 3600 + 120, 60, "timed_out"),
    ring(SHIFT + 3 * 3600 + 180, 0, "unavailable"),
    chat(SHIFT + 3 * 3600, 100, "server"),
    chat(SHIFT + 3 * 3600 + 60, 300, "caller"),
    ring(SHIFT + 4 * 3600, 10, "answered", service="phone"),
    chat(SHIFT + 4 * 3600, 600, "caller", handovers=2, support=1, service="phone"),
]
GARBAGE = [
    "this is not json",
    json.dumps({"v": 2, "kind": "ring", "service": "web", "at": SHIFT, "waited": 1, "outcome": "answered"}),
    ring(SHIFT + 30, 5, "answered"),  # not a whole minute
    json.dumps({"v": 1, "kind": "ring", "service": "web", "at": SHIFT, "waited": 1, "outcome": "answered",
                "pad": "x" * 5000}),
    json.dumps({"v": 1, "kind": "chat", "service": "web", "at": SHIFT, "lasted": "long"}),
]


def stats(*args, input=b"", env=UTC):
    """Runs nlchat-stats (in UTC unless told) to completion."""
    return subprocess.run([STATS, *args], input=input, capture_output=True, timeout=30, env=env)


def figures(out):
    """The summary's lines as {label: the rest}."""
    lines = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"^(\S.*?|  \S+(?: \S+)?)\s{2,}(\S.*)$", line)
        if m:
            lines[m.group(1).strip()] = m.group(2)
    return lines


class Figures(TempDirTest):
    def setUp(self):
        super().setUp()
        self.file = self.path("figures")
        lines = RECORDS[:3] + GARBAGE[:2] + RECORDS[3:9] + GARBAGE[2:] + RECORDS[9:]
        with open(self.file, "w") as f:
            f.write("\n".join(lines) + "\n")

    def test_the_whole_file_sums_up(self):
        r = stats(self.file)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        # From the first record's minute to a minute after the last's: 4 h 1 min.
        self.assertEqual(out.splitlines()[0],
                         "nlchat figures, 2026-12-05 22:00 to 2026-12-06 02:01 (4.0 hours), all services")
        f = figures(out)
        self.assertEqual(f["rings"], "10")
        self.assertEqual(f["answered"], "5")
        self.assertEqual(f["missed"], "2   (timed out)")
        self.assertEqual(f["withdrawn"], "1   (caller left first)")
        self.assertEqual(f["not rung"], "1   (no listener available)")
        self.assertEqual(f["unavailable"], "1   (server could not take chats)")
        # Answered waits 2 4 8 10 41; missed 60 90.
        self.assertEqual(f["wait, answered"], "median 0:08, longest 0:41")
        self.assertEqual(f["wait, missed"], "median 1:15")
        # 5 chats over 241 minutes.
        self.assertEqual(f["chats"], "5   1.2 an hour")
        # Lengths 100 300 600 1450 3723.
        self.assertEqual(f["chat length"], "median 10:00, longest 1:02:03")
        self.assertEqual(f["hand-overs"], "3")
        self.assertEqual(f["support requests"], "3")

    def test_lines_that_are_not_records_are_counted_once(self):
        r = stats(self.file)
        err = r.stderr.decode()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn(f"nlchat-stats: '{self.file}': skipped 5 lines that are not figures records "
                      "(the first, line 4: not JSON", err)
        # A clean file says nothing.
        clean = self.path("clean")
        with open(clean, "w") as f:
            f.write(RECORDS[0] + "\n")
        r = stats(clean)
        self.assertEqual((r.returncode, r.stderr), (0, b""))

    def test_a_period_and_a_service(self):
        r = stats("--from", "2026-12-06", "--to", "2026-12-06 06:00", self.file)
        out = r.stdout.decode()
        self.assertEqual(out.splitlines()[0],
                         "nlchat figures, 2026-12-06 00:00 to 2026-12-06 06:00 (6.0 hours), all services")
        f = figures(out)
        self.assertEqual(f["rings"], "5")
        self.assertEqual(f["chats"], "3   0.5 an hour")
        r = stats("--service", "phone", self.file)
        out = r.stdout.decode()
        self.assertIn("service phone", out.splitlines()[0])
        f = figures(out)
        self.assertEqual(f["rings"], "1")
        self.assertEqual(f["wait, answered"], "median 0:10, longest 0:10")
        self.assertEqual(f["hand-overs"], "2")
        self.assertNotIn("wait, missed", f)
        r = stats("--service", "sms", self.file)
        self.assertEqual((r.returncode, r.stdout), (0, b"no records\n"))

    def test_a_month(self):
        r = stats("--month", "2026-12", self.file)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertEqual(out.splitlines()[0],
                         "nlchat figures, 2026-12-01 00:00 to 2027-01-01 00:00 (744.0 hours), all services")
        self.assertEqual(figures(out)["rings"], "10")
        r = stats("--month", "2026-11", self.file)
        self.assertEqual((r.returncode, r.stdout), (0, b"no records\n"))
        # The month is local: in New York the night is all on the 5th, still December.
        r = stats("--month", "2026-12", "--by", "day", self.file, env=dict(UTC, TZ="EST5"))
        rows = [line.split()[0] for line in r.stdout.decode().splitlines()[2:]]
        self.assertEqual(rows, ["2026-12-05", "total"])

    def test_by_day(self):
        r = stats("--by", "day", self.file)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertTrue(lines[0].endswith("all services, by day"), lines[0])
        self.assertEqual(lines[1].split()[:3], ["day", "rings", "answered"])
        rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
        self.assertEqual(list(rows), ["2026-12-05", "2026-12-06", "total"])
        # rings answered missed withdrawn not-rung unavailable ... chats
        self.assertEqual(rows["2026-12-05"][:6], ["5", "2", "1", "1", "1", "0"])
        self.assertEqual(rows["2026-12-06"][:6], ["5", "3", "1", "0", "0", "1"])
        self.assertEqual(rows["total"][:6], ["10", "5", "2", "1", "1", "1"])
        self.assertEqual(rows["2026-12-05"][8], "2")
        self.assertEqual(rows["2026-12-06"][8], "3")

    def test_csv(self):
        r = stats("--csv", self.file)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith(b"\r\n"))
        rows = list(csv.DictReader(io.StringIO(r.stdout.decode(), newline="")))
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["from"], "2026-12-05 22:00")
        self.assertEqual(row["to"], "2026-12-06 02:01")
        self.assertEqual(row["service"], "")
        expect = {"rings": "10", "answered": "5", "missed": "2", "withdrawn": "1", "no_listeners": "1",
                  "unavailable": "1", "wait_median": "8", "wait_longest": "41", "missed_wait_median": "75",
                  "chats": "5", "chat_median": "600", "chat_longest": "3723", "handovers": "3", "support": "3"}
        self.assertEqual({k: row[k] for k in expect}, expect)
        self.assertAlmostEqual(float(row["chats_per_hour"]), 5 / (241 / 60), places=2)

    def test_csv_by_day_and_service(self):
        r = stats("--csv", "--by", "day", "--service", "web", self.file)
        rows = list(csv.DictReader(io.StringIO(r.stdout.decode(), newline="")))
        self.assertEqual([(x["from"], x["to"], x["service"], x["rings"], x["chats"]) for x in rows], [
            ("2026-12-05 00:00", "2026-12-06 00:00", "web", "5", "2"),
            ("2026-12-06 00:00", "2026-12-07 00:00", "web", "4", "2"),
        ])
        # A median between two whole seconds, and an empty one.
        self.assertEqual(rows[0]["wait_median"], "24.5")
        self.assertEqual(rows[1]["missed_wait_median"], "60")
        self.assertEqual(rows[0]["chats_per_hour"], "0.08")  # 2 in 24 hours
        # Cut by --from and --to, a day counts only its hours inside them.
        r = stats("--csv", "--by", "day", "--from", "2026-12-05 22:00", "--to", "2026-12-06 06:00", self.file)
        rows = list(csv.DictReader(io.StringIO(r.stdout.decode(), newline="")))
        self.assertEqual([(x["from"], x["to"], x["chats"], x["chats_per_hour"]) for x in rows], [
            ("2026-12-05 22:00", "2026-12-06 00:00", "2", "1.00"),
            ("2026-12-06 00:00", "2026-12-06 06:00", "3", "0.50"),
        ])
        r = stats("--csv", "--service", "a,\"b\"", self.file)
        self.assertEqual(r.stdout.decode().splitlines()[1:], [])  # header only: no records
        with open(self.file, "a") as f:
            f.write(ring(SHIFT, 1, "answered", service='a,"b"') + "\n")
        r = stats("--csv", "--service", 'a,"b"', self.file)
        row = next(csv.DictReader(io.StringIO(r.stdout.decode(), newline="")))
        self.assertEqual(row["service"], 'a,"b"')
        self.assertIn(b',"a,""b""",', r.stdout)

    def test_standard_input_and_several_files(self):
        with open(self.file, "rb") as f:
            data = f.read()
        r = stats("-", input=data)
        self.assertEqual(figures(r.stdout.decode())["rings"], "10")
        self.assertIn(b"nlchat-stats: standard input: skipped 5 lines", r.stderr)
        r = stats(self.file, "-", input=data)
        self.assertEqual(figures(r.stdout.decode())["rings"], "20")

    def test_last_hours(self):
        now = int(time.time()) // 60 * 60
        recent = self.path("recent")
        with open(recent, "w") as f:
            f.write(ring(now - 3600, 5, "answered") + "\n")
            f.write(ring(now - 13 * 3600, 5, "timed_out") + "\n")
        r = stats("--last-hours", "12", recent)
        self.assertEqual(r.returncode, 0, r.stderr)
        f = figures(r.stdout.decode())
        self.assertEqual((f["rings"], f["answered"]), ("1", "1"))


class Errors(TempDirTest):
    def test_help_and_version(self):
        r = stats("--help")
        self.assertEqual(r.returncode, 0)
        for option in ("--from", "--to", "--month", "--last-hours", "--by", "--service", "--csv"):
            self.assertIn(option, r.stdout.decode())
        r = stats("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"^nlchat-stats \d+\.\d+\.\d+\n$")

    def test_bad_options_exit_2(self):
        for args, said in [
            (["--by", "week"], "--by must be hour, day or month, not 'week'"),
            (["--month", "2026-13"], "--month must be YYYY-MM, not '2026-13'"),
            (["--from", "2026-02-30"], "--from must be YYYY-MM-DD"),
            (["--to", "05/12/2026"], "--to must be YYYY-MM-DD"),
            (["--from", "2026-12-06", "--to", "2026-12-05"], "--from must come before --to"),
            (["--month", "2026-12", "--from", "2026-12-01"], "--month goes with neither"),
            (["--last-hours", "12", "--to", "2026-12-01"], "--last-hours goes with neither"),
            (["--last-hours", "0"], "--last-hours must be a whole number"),
            (["--colour"], "'--colour' is not known"),
        ]:
            r = stats(*args, self.path("unused"))
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(said, r.stderr.decode(), args)
            self.assertEqual(r.stdout, b"", args)
        r = stats("--by")
        self.assertEqual(r.returncode, 2)
        self.assertIn("'--by' is not known or lacks its value", r.stderr.decode())

    def test_unreadable_files_exit_1(self):
        r = stats(self.path("missing"))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.decode(),
                         f"nlchat-stats: cannot read '{self.path('missing')}': No such file or directory\n")
        self.assertEqual(r.stdout, b"")
        r = stats(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Is a directory", r.stderr.decode())
        # One bad file among good ones still stops it: partial figures would mislead.
        good = self.path("good")
        with open(good, "w") as f:
            f.write(RECORDS[0] + "\n")
        r = stats(good, self.path("missing"))
        self.assertEqual((r.returncode, r.stdout), (1, b""))

    def test_empty_and_odd_input_never_fails(self):
        r = stats("-", input=b"")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, b"no records\n", b""))
        r = stats("-", input=b"{" * 10000 + b"\n\x00\xff\n" + RECORDS[0].encode())  # the last line unended
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(figures(r.stdout.decode())["rings"], "1")
        self.assertIn(b"skipped 2 lines", r.stderr)
        self.assertIn(b"longer than 4096 bytes", r.stderr)


if __name__ == "__main__":
    unittest.main()
