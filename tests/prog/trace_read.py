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
        self.parent, self.lost = None, 0


def chunks(path, data):
    """(start, end, ts) of each chunk's committed events, in order."""
    magic, pid, tid, committed, ts0 = struct.unpack_from("<8sIIQQ", data, 0)
    if magic == b"DFTTRC01":
        if 64 + committed > len(data):
            die("%s: committed past the end" % path)
        return ts0, [(64, 64 + committed, ts0)]
    if magic != b"DFTTRC02":
        die("%s: bad magic" % path)
    flags = committed & 0xffffffff
    out = []
    if flags & 1:
        n, size = struct.unpack_from("<II", data, 48)
        offs = [64 + i * size for i in range(n)]
    else:
        offs = None
    off, seq = 64, 1
    while True:
        if offs is not None:
            if not offs:
                break
            off = offs.pop(0)
        if off + 32 > len(data):
            break
        c, s, ts, room = struct.unpack_from("<QQQI", data, off)
        if s == 0:
            if offs is None:
                break
            continue
        if offs is None and s != seq:
            die("%s: chunk %d at %d has sequence %d" % (path, seq, off, s))
        if off + 32 + c > len(data):
            die("%s: committed past the end of chunk %d" % (path, s))
        out.append((s, (off + 32, off + 32 + c, ts)))
        off, seq = off + 32 + room, seq + 1
    out.sort()
    return ts0, [x for _, x in out]


def read_stream(path, names, mods):
    data = open(path, "rb").read()
    ts0, segs = chunks(path, data)
    root = Call("")
    stack = [root]
    last, unwind, ret = None, 0, None
    for p, end, ts in segs:
        prev = ts
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
                    root.lost += struct.unpack_from("<Q", pay)[0]
                elif kind == 5:
                    unwind = struct.unpack_from("<I", pay)[0]
                elif kind == 7 and len(stack) == 1 and not root.kids:
                    for i in range(struct.unpack_from("<I", pay)[0]):
                        c = Call(names[struct.unpack_from("<I", pay, 4 + 12 * i)[0]])
                        c.how = "(before)"
                        stack[-1].kids.append(c)
                        stack.append(c)
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
    return ts0, root, root.lost


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
