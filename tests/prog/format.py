# SPDX-License-Identifier: MIT
"""The trace format, read from include/dynftrace/format.h (its only
definition), for the Python decoders of the tests:

    import format as F
    F.DFT_EV_ENTRY, F.DFT_STREAM_MAGIC ...      every #define and enum constant
    h = F.struct("dft_stream_hdr").unpack_from(data, 0)   a namedtuple
    F.struct("dft_ev_func").size, .offset["fid"]

The header keeps to fixed-width fields and arrays of them, without implicit
padding, so natural alignment gives the layout the C compiler gives. Every
_Static_assert of the header on a size or an offset is checked against the
layout computed here at import: a header this parser misreads fails at once
(FormatError) instead of decoding garbage.

`python3 format.py [HEADER]` prints the layout (for tests/cases/format.sh).
"""
import collections
import os
import re
import struct as _struct
import sys

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "include",
                      "dynftrace", "format.h")

# C type: (struct module code, size)
_TYPES = {
    "uint8_t": ("B", 1), "int8_t": ("b", 1), "char": ("s", 1),
    "uint16_t": ("H", 2), "int16_t": ("h", 2),
    "uint32_t": ("I", 4), "int32_t": ("i", 4),
    "uint64_t": ("Q", 8), "int64_t": ("q", 8),
    "double": ("d", 8),
}


class FormatError(Exception):
    pass


class Struct:
    """One struct of the header: size, offset and type of each field, and
    a little-endian struct.Struct that unpacks it into a namedtuple (char
    arrays as bytes, other arrays as tuples)."""

    def __init__(self, name, fields):
        self.name, self.fields, self.offset, self.count, self.types = name, [], {}, {}, {}
        fmt, off, align = "<", 0, 1
        for ctype, fname, count in fields:
            if ctype not in _TYPES:
                raise FormatError("%s.%s: type %s is not a fixed-width type" % (name, fname, ctype))
            code, size = _TYPES[ctype]
            if off % size:
                raise FormatError("%s.%s: implicit padding before it" % (name, fname))
            align = max(align, size)
            self.offset[fname], self.count[fname], self.types[fname] = off, count, ctype
            self.fields.append(fname)
            if code == "s":
                fmt += "%ds" % count
            else:
                fmt += ("%d" % count if count > 1 else "") + code
            off += size * count
        if off % align:
            raise FormatError("%s: implicit padding at its end" % name)
        self.size = off
        self._st = _struct.Struct(fmt)
        assert self._st.size == self.size
        self._tuple = collections.namedtuple(name, self.fields)

    def unpack_from(self, data, off=0):
        vals, i, out = self._st.unpack_from(data, off), 0, []
        for f in self.fields:
            n = 1 if self.types[f] == "char" else self.count[f]
            out.append(vals[i] if n == 1 else tuple(vals[i:i + n]))
            i += n
        return self._tuple(*out)


def _strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _eval(expr, names):
    e = re.sub(r"\b(0x[0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr)
    e = re.sub(r"\bsizeof\s*\(\s*struct\s+(\w+)\s*\)", lambda m: str(names["struct " + m.group(1)].size), e)
    if not re.fullmatch(r"[\w\s()<>+\-*/|&~]*", e):
        raise ValueError(expr)
    return eval(e, {"__builtins__": {}}, {k: v for k, v in names.items() if " " not in k})


def load(path=HEADER):
    """Parses the header: returns a dict of constants and 'struct NAME' -> Struct."""
    text = _strip_comments(open(path).read())
    names = {}
    for m in re.finditer(r"^\s*#define\s+(\w+)\s+(.+?)\s*$", text, flags=re.M):
        key, val = m.group(1), m.group(2)
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
            names[key] = val[1:-1]  # a string or a character: str
            continue
        try:
            names[key] = _eval(val, names)
        except Exception:
            pass  # a macro with arguments, or one that needs a struct not yet read
    for m in re.finditer(r"\benum\s+\w*\s*\{(.*?)\}", text, flags=re.S):
        nxt = 0
        for item in m.group(1).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                key, val = [x.strip() for x in item.split("=", 1)]
                nxt = _eval(val, names)
            else:
                key = item
            names[key] = nxt
            nxt += 1
    for m in re.finditer(r"\bstruct\s+(\w+)\s*\{(.*?)\}\s*;", text, flags=re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            dm = re.fullmatch(r"(\w+)\s+(.+)", decl)
            if not dm:
                raise FormatError("struct %s: cannot read %r" % (m.group(1), decl))
            for d in dm.group(2).split(","):
                am = re.fullmatch(r"\s*(\w+)\s*(?:\[\s*(\w+)\s*\])?\s*", d)
                if not am:
                    raise FormatError("struct %s: cannot read %r" % (m.group(1), decl))
                count = _eval(am.group(2), names) if am.group(2) else 1
                fields.append((dm.group(1), am.group(1), count))
        names["struct " + m.group(1)] = Struct(m.group(1), fields)
    # Macros that name a struct's size, now that the structs are known.
    for m in re.finditer(r"^\s*#define\s+(\w+)\s+(.+?)\s*$", text, flags=re.M):
        if m.group(1) not in names:
            try:
                names[m.group(1)] = _eval(m.group(2), names)
            except Exception:
                pass
    _check_asserts(text, names)
    return names


def _check_asserts(text, names):
    n = 0
    for m in re.finditer(r"_Static_assert\s*\((.*?),\s*\"[^\"]*\"\s*\)\s*;", text, flags=re.S):
        cond = " ".join(m.group(1).split())
        sm = re.fullmatch(r"sizeof\s*\(\s*struct (\w+)\s*\)\s*==\s*(\w+)", cond)
        om = re.fullmatch(r"offsetof\s*\(\s*struct (\w+)\s*,\s*(\w+)\s*\)\s*==\s*(\w+)", cond)
        if sm:
            got, want = names["struct " + sm.group(1)].size, _eval(sm.group(2), names)
        elif om:
            s = names["struct " + om.group(1)]
            if om.group(2) not in s.offset:
                raise FormatError("%s: struct %s has no field %s" % (cond, om.group(1), om.group(2)))
            got, want = s.offset[om.group(2)], _eval(om.group(3), names)
        else:
            raise FormatError("cannot check the assertion %r" % cond)
        if got != want:
            raise FormatError("%s: the layout read from the header gives %d" % (cond, got))
        n += 1
    if not n:
        raise FormatError("no _Static_assert found: is this format.h?")


try:
    _names = load(os.environ.get("DFT_FORMAT_H", HEADER))
except FormatError as e:
    sys.exit("format.py: %s: %s" % (os.environ.get("DFT_FORMAT_H", HEADER), e))
globals().update({k: v for k, v in _names.items() if " " not in k})


def struct(name):
    """The Struct of `struct NAME` of the header."""
    return _names["struct " + name]


def ext_size(n):
    """Bytes an EXT event with n bytes of payload takes."""
    return struct("dft_ev_ext").size + ((n + 3) & ~3)


def main():
    for k in sorted(_names):
        v = _names[k]
        if isinstance(v, Struct):
            print("%s size=%d %s" % (k, v.size, " ".join("%s@%d" % (f, v.offset[f]) for f in v.fields)))
        else:
            print("%s=%r" % (k, v))


if __name__ == "__main__":
    main()
