#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the profile-PID.TID files of a trace directory (trace_profile.sh)
and prints, per thread in tid order, "name hits" for every function called.

Invariants checked on every record: self <= total, max <= total,
sum_sq_ns at least what equal calls would give (Cauchy-Schwarz), and, per
thread, that the self times of all functions add up to the total time of
the outermost one (given as argv[2]), exactly, in ticks. The layout comes
from include/dynftrace/format.h, through format.py.
"""
import glob
import os
import sys

import format as F

HDR, REC = F.struct("dft_profile_hdr"), F.struct("dft_profile_rec")

d, outer = sys.argv[1], sys.argv[2]
names, tps = {}, 0
for f in glob.glob(os.path.join(d, F.DFT_FILE_SITES + "-*")):
    for line in open(f):
        fid, _, _, _, name = line.split()
        names[int(fid)] = name
for f in glob.glob(os.path.join(d, F.DFT_FILE_CLOCK + "-*")):
    tps = int(open(f).read().split()[0].split("=")[1])
files = sorted(glob.glob(os.path.join(d, F.DFT_FILE_PROFILE + "-*")),
               key=lambda f: int(f.split(".")[-1]))
for f in files:
    data = open(f, "rb").read()
    h = HDR.unpack_from(data)
    nr = h.nr
    assert h.magic == F.DFT_PROFILE_MAGIC.encode(), f
    assert len(data) >= HDR.size + REC.size * nr, f
    print("== thread")
    selfsum, outer_total = 0, None
    for i in range(nr):
        r = REC.unpack_from(data, HDR.size + REC.size * i)
        fid, hits, total, self_, sumsq, mx = r.fid, r.hits, r.total, r.self, r.sum_sq_ns, r.max
        assert fid == i, (f, i, fid)
        if not hits:
            continue
        name = names[fid]
        assert self_ <= total and mx <= total, (name, self_, total, mx)
        ns = total * 1e9 / tps
        assert sumsq >= ns * ns / hits * 0.999, (name, sumsq, ns, hits)
        selfsum += self_
        if name == outer:
            outer_total = total
        print(name, hits)
    if outer_total is not None and selfsum != outer_total:
        sys.exit("%s: self times add up to %d, %s took %d" % (f, selfsum, outer, outer_total))
