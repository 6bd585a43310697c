#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reads the raw event streams of a trace directory (docs/trace-format.md)
on its own, independently of `dynftrace report`, and prints each thread's
calls as an indented tree for the trace_* tests:

    name(args) = retval      a call (args and retval when recorded)
    name !                   closed by an UNWIND (longjmp, exception, exit)
    name ...                 never closed (the process died)
    name <- caller           a FUNC event (function tracer): fid and parent
    @comm NAME               the thread renamed itself (a COMM event)

Threads are printed in the order of their first event, as "== thread N".
Exits with 1 on any malformed stream: bad magic, an event that runs past
committed, an EXIT with nothing open, time going backwards (but by TIME).
"""
import glob
import os
import struct
import sys


def die(msg):
    print("trace_read: " + msg, file=sys.stderr)
    sys.exit(1)


def load_sites(d, pid):
    names = {}
    with open(os.path.join(d, "sites-%d" % pid)) as f:
        for line in f:
            fid, mod, off, site, name = line.split()
            names[int(fid)] = name
    return names


def load_maps(d, pid):
    mods = []
    with open(os.path.join(d, "maps-%d" % pid)) as f:
        for line in f:
            mid, rng, bias, bid, path = line.rstrip("\n").split(" ", 4)
            lo, hi = rng.split("-")
            mods.append((int(lo, 16), int(hi, 16), os.path.basename(path)))
    return mods


def values(buf):
    out = []
    p = 0
    while p < len(buf):
        t = chr(buf[p])
        p += 1
        if t in "dux":
            v = struct.unpack_from("<q" if t == "d" else "<Q", buf, p)[0]
            out.append(hex(v) if t == "x" else str(v))
            p += 8
        elif t == "f":
            out.append("%g" % struct.unpack_from("<d", buf, p)[0])
            p += 8
        elif t == "s":
            n = struct.unpack_from("<H", buf, p)[0]
            out.append('"%s"' % buf[p + 2:p + 2 + n].decode(errors="replace"))
            p += 2 + n
        else:
            die("bad value type %r" % t)
    return ",".join(out)


class Call:
    def __init__(self, name):
        self.name, self.kids, self.args, self.ret, self.how = name, [], "", None, "..."
        self.parent = None


def read_stream(path, names, mods):
    data = open(path, "rb").read()
    magic, pid, tid, committed, ts0 = struct.unpack_from("<8sIIQQ", data, 0)
    if magic != b"DFTTRC01":
        die("%s: bad magic" % path)
    end = 64 + committed
    if end > len(data):
        die("%s: committed past the end" % path)
    root = Call("")
    stack, lines = [root], []
    p, ts, last, unwind, ret, lost = 64, ts0, None, 0, None, 0
    prev = ts0
    while p < end:
        w = struct.unpack_from("<I", data, p)[0]
        typ, ts = w & 3, ts + (w >> 2)
        if typ == 0:
            c = Call(names[struct.unpack_from("<I", data, p + 4)[0]])
            stack[-1].kids.append(c)
            stack.append(c)
            last, p = c, p + 8
        elif typ == 1:
            for _ in range(unwind or 1):
                if len(stack) == 1:
                    die("%s: EXIT with no open call at %d" % (path, p))
                c = stack.pop()
                c.how = "!" if unwind else ""
                if ret is not None:
                    c.ret, ret = ret, None
            unwind, p = 0, p + 4
        elif typ == 2:
            fid, parent = struct.unpack_from("<IQ", data, p + 4)
            who = "?"
            for lo, hi, mod in mods:
                if lo <= parent < hi:
                    who = mod
            c = Call(names[fid])
            c.parent, c.how = who, ""
            root.kids.append(c)
            last, p = c, p + 16
        else:
            kind, n = struct.unpack_from("<HH", data, p + 4)
            pay = data[p + 8:p + 8 + n]
            if kind == 1:
                ts = struct.unpack_from("<Q", pay)[0]
            elif kind == 2:
                last.args = values(pay[4:])
            elif kind == 3:
                ret = values(pay[4:])
            elif kind == 4:
                lost += struct.unpack_from("<Q", pay)[0]
            elif kind == 5:
                unwind = struct.unpack_from("<I", pay)[0]
            elif kind == 6:
                c = Call("@comm " + pay.decode(errors="replace"))
                c.how = ""
                stack[-1].kids.append(c)
            p += 8 + ((n + 3) & ~3)
        if typ == 3 and kind == 1:
            prev = ts
        elif ts < prev:
            die("%s: time going backwards at %d" % (path, p))
        prev = ts
    if p != end:
        die("%s: last event runs past committed" % path)
    return ts0, root, lost


def show(c, depth, out):
    line = "  " * depth + c.name
    if c.args:
        line += "(" + c.args + ")"
    if c.parent:
        line += " <- " + c.parent
    if c.ret is not None:
        line += " = " + c.ret
    if c.how:
        line += " " + c.how
    out.append(line)
    for k in c.kids:
        show(k, depth + 1, out)


def main():
    sys.setrecursionlimit(100000)
    d = sys.argv[1]
    threads = []
    for path in glob.glob(os.path.join(d, "*.*.dat")):
        pid = int(os.path.basename(path).split(".")[0])
        ts0, root, lost = read_stream(path, load_sites(d, pid), load_maps(d, pid))
        threads.append((ts0, root, lost))
    threads.sort(key=lambda t: t[0])
    for i, (ts0, root, lost) in enumerate(threads):
        out = ["== thread %d" % i + (" lost %d" % lost if lost else "")]
        for k in root.kids:
            show(k, 0, out)
        print("\n".join(out))


main()
