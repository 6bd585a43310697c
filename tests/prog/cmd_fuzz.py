# SPDX-License-Identifier: MIT
"""Damages copies of a trace directory at random (bytes changed, files cut
short, bytes inserted) and runs every report format on each: report must
exit 0 or 1 (damage reported), never crash or hang.

usage: cmd_fuzz.py DYNFTRACE TRACE_DIR WORK_DIR SEED ITERATIONS
"""
import os
import random
import shutil
import subprocess
import sys

dft, base, work, seed, iterations = sys.argv[1:6]
rng = random.Random(int(seed))
formats = ["graph", "text", "chrome", "perfetto", "folded", "svg", "profile", "task"]
# The report-time filters read ahead in the streams: damaged ones too.
filters = [[], ["-C", "l*", "-t", "50", "-D", "3", "-r", "1ns~"]]
run = os.environ.get("RUN", "").split()
for it in range(int(iterations)):
    d = os.path.join(work, "fuzz")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(base, d)
    files = sorted(f for f in os.listdir(d) if os.path.isfile(os.path.join(d, f)))
    for _ in range(rng.randint(1, 4)):
        path = os.path.join(d, rng.choice(files))
        data = bytearray(open(path, "rb").read())
        if not data:
            continue
        op = rng.random()
        if op < 0.6:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif op < 0.8:
            del data[rng.randrange(len(data)):]
        else:
            i = rng.randrange(len(data))
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        open(path, "wb").write(data)
    for fmt, flt in ((f, x) for f in formats for x in filters):
        r = subprocess.run(run + [dft, "report", "-i", d, "--format", fmt, "-O", "abstime,proc,tail"] + flt,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        if r.returncode not in (0, 1):
            keep = os.path.join(work, "failed-%d" % it)
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(d, keep)
            sys.exit("report --format %s exited %d on %s: %s" %
                     (fmt, r.returncode, keep, r.stderr.decode(errors="replace")[-800:]))
print("%s iterations clean" % iterations)
