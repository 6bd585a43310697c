#!/usr/bin/env python3
# Drives a live patch of a running Redis (tests/cases/livepatch_redis.sh,
# bench/livepatch_redis.sh): ROUNDS times `dynftrace patch PID FIX` then
# `dynftrace patch --revert PID FIX`, while a prober sends PING on its own
# connection as fast as Redis answers and logs each reply with the times it
# was sent and received (CLOCK_MONOTONIC, the clock the commands are timed
# with here). Checks that the reply changes exactly when the command says:
#   - every reply received before `patch` starts is OLD, every reply to a
#     PING sent after it returned is NEW, until `--revert` starts; every
#     reply to a PING sent after `--revert` returned is OLD again;
#   - while a command runs, the replies switch once (no old after new, or
#     the reverse): Redis's main thread moves once;
#   - each of those phases has replies.
# Measures: each command's wall time (start to return: attach, transition,
# answer), the transition time the runtime reports, and Redis's throughput
# (its total_commands_processed, all clients) while the command runs
# against a 0.3 s window without it just before: their ratio; and the same
# around `dynftrace patch --list`, a command with no transition (on a busy
# 2-core machine, starting any command takes CPU from Redis).
#   lp_redis.py DYNFTRACE PID PORT FIX.so ROUNDS OLD NEW
import re
import socket
import subprocess
import sys
import threading
import time

dft, pid, port, fix, rounds, OLD, NEW = sys.argv[1:8]
port, rounds = int(port), int(rounds)


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")

    def call(self, cmd):
        self.s.sendall(cmd.encode() + b"\r\n")
        line = self.f.readline().rstrip(b"\r\n").decode(errors="replace")
        if line.startswith("$"):
            n = int(line[1:])
            data = self.f.read(n + 2)[:n].decode(errors="replace")
            return data
        return line[1:] if line.startswith("+") else line  # a status; errors keep their "-"


log = []  # (t_send, t_recv, reply)
stop = threading.Event()


def prober():
    c = Conn()
    while not stop.is_set():
        t0 = time.monotonic()
        r = c.call("PING")
        log.append((t0, time.monotonic(), r))


info = Conn()


def processed():
    s = info.call("INFO stats")
    return int(re.search(r"total_commands_processed:(\d+)", s).group(1)), time.monotonic()


def patch(*args):
    a0 = processed()
    t0 = time.monotonic()
    p = subprocess.run([dft, "patch", *args, pid, fix], stderr=subprocess.PIPE, text=True)
    t1 = time.monotonic()
    a1 = processed()
    sys.stderr.write(p.stderr)
    if p.returncode:
        fail("dynftrace patch %s: exit status %d" % (" ".join(args), p.returncode))
    m = re.search(r"(applied|reverted), transition ([0-9.]+) ms", p.stderr)
    if not m:
        fail("dynftrace patch %s: no end of transition in its output" % " ".join(args))
    # t0, t1, the transition's ms, and the commands Redis processed in how long
    return t0, t1, float(m.group(2)), (a1[0] - a0[0], a1[1] - a0[1])


def control():
    """The same window around `dynftrace patch --list`: a command through
    the channel, with no transition (what running any command costs)."""
    a0 = processed()
    p = subprocess.run([dft, "patch", "--list", pid], stdout=subprocess.DEVNULL)
    a1 = processed()
    if p.returncode:
        fail("dynftrace patch --list: exit status %d" % p.returncode)
    return a1[0] - a0[0], a1[1] - a0[1]


def baseline():
    b0 = processed()
    time.sleep(0.3)
    b1 = processed()
    return b1[0] - b0[0], b1[1] - b0[1]


def rate(cd):
    return cd[0] / cd[1] if cd[1] > 0 else 0.0


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


th = threading.Thread(target=prober)
th.start()
time.sleep(0.3)
marks, figures, ctl = [], [], []
try:
    for i in range(rounds):
        base_a = baseline()
        a = patch()
        time.sleep(0.3)
        base_r = baseline()
        ctl.append(control())
        time.sleep(0.1)
        r = patch("--revert")
        time.sleep(0.3)
        marks.append((a, r))
        figures.append((a, r, base_a, base_r))
finally:
    stop.set()
    th.join()

# The checks, phase by phase.
start = 0.0
for i, (a, r) in enumerate(marks):
    phases = [
        ("before patch %d" % (i + 1), lambda e: start < e[0] and e[1] < a[0], {OLD}),
        ("while patch %d ran" % (i + 1), lambda e: e[1] >= a[0] and e[0] <= a[1], None),
        ("after patch %d returned" % (i + 1), lambda e: e[0] > a[1] and e[1] < r[0], {NEW}),
        ("while revert %d ran" % (i + 1), lambda e: e[1] >= r[0] and e[0] <= r[1], None),
        ("after revert %d returned" % (i + 1),
         lambda e: e[0] > r[1] and (i + 1 == len(marks) or e[1] < marks[i + 1][0][0]), {OLD}),
    ]
    for name, sel, want in phases:
        got = [e[2] for e in log if sel(e)]
        if want is None:
            # One switch at most, in the command's direction.
            first, second = (OLD, NEW) if name.startswith("while patch") else (NEW, OLD)
            seen = "".join("o" if g == first else "n" if g == second else "?" for g in got)
            if "?" in seen or "no" in seen:
                runs = re.sub(r"(.)\1*", lambda m: "%s*%d " % (m.group(1), len(m.group(0))), seen)
                fail("%s: the replies went %s(o: %s, n: %s, ?: another, %r)" %
                     (name, runs, first, second, [g for g in got if g not in (first, second)][:1]))
            continue
        if not got:
            fail("%s: no PING was answered" % name)
        bad = [g for g in got if g not in want]
        if bad:
            fail("%s: %d of %d replies were %r, not %s" % (name, len(bad), len(got), bad[0],
                                                             " or ".join(want)))
    start = r[1]

print("pings answered: %d, each phase as expected" % len(log))
for i, (a, r, base_a, base_r) in enumerate(figures):
    for what, x, base in (("patch", a, base_a), ("revert", r, base_r)):
        print("round %d %s: command %.1f ms (transition %.1f ms), throughput %.0f/s during it, "
              "%.0f/s without, ratio %.2f" % (i + 1, what, (x[1] - x[0]) * 1e3, x[2], rate(x[3]),
                                             rate(base), rate(x[3]) / rate(base) if rate(base) else 0))
# Over all rounds: the windows of the commands together against the windows
# without (the commands take milliseconds: one alone is a few hundred requests).
during = [sum(x[3][k] for f in figures for x in f[:2]) for k in (0, 1)]
without = [sum(b[k] for f in figures for b in f[2:]) for k in (0, 1)]
later = [x for f in figures[1:] for x in f[:2]]
print("summary: first patch (attach included) %.1f ms, transition %.1f ms; later commands: "
      "median %.1f ms, transition median %.1f ms (%d); throughput during the commands %.0f/s, "
      "without %.0f/s, ratio %.2f" % (
          (figures[0][0][1] - figures[0][0][0]) * 1e3, figures[0][0][2],
          median([(x[1] - x[0]) * 1e3 for x in later]) if later else 0,
          median([x[2] for x in later]) if later else 0, len(later),
          rate(during), rate(without), rate(during) / rate(without) if rate(without) else 0))
lst = [sum(c[k] for c in ctl) for k in (0, 1)]
print("control: throughput during `dynftrace patch --list` (a command, no transition) %.0f/s, "
      "ratio %.2f to the windows without; the patch commands against it: %.2f" % (
          rate(lst), rate(lst) / rate(without) if rate(without) else 0,
          rate(during) / rate(lst) if rate(lst) else 0))
