#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reads the raw event streams of a trace directory (docs/trace-format.md)
on its own, independently of `dynftrace report`, and prints each thread's
calls as an indented tree for the trace_* tests:

    name(args) = retval      a call (args and retval when recorded)
    name !                   closed by an UNWIND (longjmp, exception, exit)
    name ...                 never closed (the process died)
    name <- caller           a FUNC event (function tracer): fid and parent
                             (caller+OFFSET in its module with
                             TRACE_PARENT_OFFSETS=1 in the environment)
    @comm NAME               the thread renamed itself (a COMM event)

Threads are printed in the order of their first event, as "== thread N".
Exits with 1 on any malformed stream: bad magic, an event that runs past
committed, an EXIT with nothing open, time going backwards (but by TIME).
The layout comes from include/dynftrace/format.h, through format.py.
"""
import glob
import os
import struct
import sys

import format as F

PARENT_OFFSETS = os.environ.get("TRACE_PARENT_OFFSETS") == "1"

HDR = F.struct("dft_stream_hdr")
HDR1, CHUNK = F.struct("dft_stream_hdr_v1"), F.struct("dft_chunk_hdr")
STACK, FRAME = F.struct("dft_ext_stack"), F.struct("dft_stack_frame")
ENTRY, EXIT, FUNC, EXT = (F.struct(n) for n in ("dft_ev_entry", "dft_ev_exit", "dft_ev_func",
                                                "dft_ev_ext"))
U64, FID, UNWIND = F.struct("dft_ext_u64"), F.struct("dft_ext_fid"), F.struct("dft_ext_unwind")


def die(msg):
    print("trace_read: " + msg, file=sys.stderr)
    sys.exit(1)


def load_sites(d, pid):
    names = {}
    with open(os.path.join(d, "%s-%d" % (F.DFT_FILE_SITES, pid))) as f:
        for line in f:
            fid, mod, off, site, name = line.split()
            names[int(fid)] = name
    return names


def load_maps(d, pid):
    mods = []
    with open(os.path.join(d, "%s-%d" % (F.DFT_FILE_MAPS, pid))) as f:
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
        if t in (F.DFT_VAL_S64, F.DFT_VAL_U64, F.DFT_VAL_HEX):
            v = struct.unpack_from("<q" if t == F.DFT_VAL_S64 else "<Q", buf, p)[0]
            out.append(hex(v) if t == F.DFT_VAL_HEX else str(v))
            p += 8
        elif t == F.DFT_VAL_F64:
            out.append("%g" % struct.unpack_from("<d", buf, p)[0])
            p += 8
        elif t == F.DFT_VAL_STR:
            n = struct.unpack_from("<H", buf, p)[0]
            out.append('"%s"' % buf[p + 2:p + 2 + n].decode(errors="replace"))
            p += 2 + n
        else:
            die("bad value type %r" % t)
    return ",".join(out)


class Call:
    def __init__(self, name):
        self.name, self.kids, self.args, self.ret, self.how = name, [], "", None, "..."
        self.parent, self.lost, self.patched = None, 0, None


def chunks(path, data):
    """ts0 and (start, end, ts) of each chunk's committed events, in order."""
    magic = data[:F.DFT_MAGIC_LEN]
    if magic == F.DFT_STREAM_MAGIC_V1.encode():
        h = HDR1.unpack_from(data, 0)
        if HDR1.size + h.committed > len(data):
            die("%s: committed past the end" % path)
        return h.ts0, [(HDR1.size, HDR1.size + h.committed, h.ts0)]
    if magic != F.DFT_STREAM_MAGIC.encode():
        die("%s: bad magic" % path)
    h = HDR.unpack_from(data, 0)
    ring = h.flags & F.DFT_STREAM_RING
    offs = [HDR.size + i * h.ring_chunk for i in range(h.ring_chunks)] if ring else None
    out, off, seq = [], HDR.size, 1
    while True:
        if ring:
            if not offs:
                break
            off = offs.pop(0)
        if off + CHUNK.size > len(data):
            break
        c = CHUNK.unpack_from(data, off)
        if c.seq == 0:
            if ring:
                continue
            break
        if not ring and c.seq != seq:
            die("%s: chunk %d at %d has sequence %d" % (path, seq, off, c.seq))
        start = off + CHUNK.size
        if start + c.committed > len(data):
            die("%s: committed past the end of chunk %d" % (path, c.seq))
        out.append((c.seq, (start, start + c.committed, c.ts)))
        off, seq = start + c.size, seq + 1
    out.sort()
    return h.ts0, [x for _, x in out]


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
            typ, ts = w & F.DFT_EV_TYPE_MASK, ts + (w >> F.DFT_EV_TYPE_BITS)
            if typ == F.DFT_EV_ENTRY:
                c = Call(names[ENTRY.unpack_from(data, p).fid])
                stack[-1].kids.append(c)
                stack.append(c)
                last, p = c, p + ENTRY.size
            elif typ == F.DFT_EV_EXIT:
                for _ in range(unwind or 1):
                    if len(stack) == 1:
                        die("%s: EXIT with no open call at %d" % (path, p))
                    c = stack.pop()
                    c.how = "!" if unwind else ""
                    if ret is not None:
                        c.ret, ret = ret, None
                unwind, p = 0, p + EXIT.size
            elif typ == F.DFT_EV_FUNC:
                e = FUNC.unpack_from(data, p)
                fid, parent = e.fid, e.parent_ip
                who = "?"
                for lo, hi, mod in mods:
                    if lo <= parent < hi:
                        who = mod
                        if PARENT_OFFSETS:
                            who += "+%#x" % (parent - lo)
                c = Call(names[fid])
                c.parent, c.how = who, ""
                root.kids.append(c)
                last, p = c, p + FUNC.size
            else:
                e = EXT.unpack_from(data, p)
                kind, n = e.kind, e.len
                pay = data[p + EXT.size:p + EXT.size + n]
                if kind == F.DFT_EXT_TIME:
                    ts = U64.unpack_from(pay).value
                elif kind == F.DFT_EXT_ARGS:
                    last.args = values(pay[FID.size:])
                elif kind == F.DFT_EXT_RETVAL:
                    ret = values(pay[FID.size:])
                elif kind == F.DFT_EXT_PATCHED:
                    last.patched = pay[FID.size:].decode(errors="replace")
                elif kind == F.DFT_EXT_LOST:
                    root.lost += U64.unpack_from(pay).value
                elif kind == F.DFT_EXT_UNWIND:
                    unwind = UNWIND.unpack_from(pay).depth
                elif kind == F.DFT_EXT_STACK and len(stack) == 1 and not root.kids:
                    # A ring's oldest chunk: the calls entered before it.
                    for i in range(STACK.unpack_from(pay).n):
                        c = Call(names[FRAME.unpack_from(pay, STACK.size + i * FRAME.size).fid])
                        stack[-1].kids.append(c)
                        stack.append(c)
                elif kind == F.DFT_EXT_COMM:
                    c = Call("@comm " + pay.decode(errors="replace"))
                    c.how = ""
                    stack[-1].kids.append(c)
                p += F.ext_size(n)
            if typ == F.DFT_EV_EXT and kind == F.DFT_EXT_TIME:
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
    if c.patched:
        line += " [patched: " + c.patched + "]"
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
    for path in glob.glob(os.path.join(d, "*.*." + F.DFT_FILE_STREAM_SUFFIX)):
        pid = int(os.path.basename(path).split(".")[0])
        ts0, root, lost = read_stream(path, load_sites(d, pid), load_maps(d, pid))
        threads.append((ts0, root, lost))
    threads.sort(key=lambda t: t[0])
    for i, (ts0, root, lost) in enumerate(threads):
        out = ["== thread %d" % i + (" lost %d" % lost if lost else "")]
        for k in root.kids:
            show(k, 0, out)
        print("\n".join(out))


if __name__ == "__main__":
    main()
