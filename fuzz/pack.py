#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Packs trace directories into inputs of the trace fuzz target
(fuzz/trace.c): NAME NUL, LEN as 4 bytes little-endian, LEN bytes, for
each file. Usage: pack.py DIR OUT."""
import os
import struct
import sys

d, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as f:
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as g:
            data = g.read()
        f.write(name.encode() + b"\0" + struct.pack("<I", len(data)) + data)
