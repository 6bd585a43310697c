#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Inputs of the trace fuzz target (fuzz/trace.c) and trace directories:
each file as NAME NUL, LEN (4 bytes, little-endian), LEN bytes.

  pack.py DIR FILE      packs trace directory DIR into FILE
  pack.py -u FILE DIR   unpacks FILE into DIR as the target does (a short
                        record is cut, names with '/' or a leading '.' are
                        left out)"""
import os
import struct
import sys


def pack(d, out):
    with open(out, "wb") as f:
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as g:
                data = g.read()
            f.write(name.encode() + b"\0" + struct.pack("<I", len(data)) + data)


def unpack(path, d):
    data = open(path, "rb").read()
    i = 0
    while i < len(data):
        nul = data.find(b"\0", i, i + 64)
        if nul <= i:
            break
        p = nul + 1
        n = 0
        if len(data) - p >= 4:
            n = struct.unpack_from("<I", data, p)[0]
            p += 4
        n = min(n, len(data) - p)
        name = data[i:nul]
        if not name.startswith(b".") and b"/" not in name:
            with open(os.path.join(os.fsencode(d), name), "wb") as f:
                f.write(data[p:p + n])
        i = p + n


if sys.argv[1] == "-u":
    unpack(sys.argv[2], sys.argv[3])
else:
    pack(sys.argv[1], sys.argv[2])
