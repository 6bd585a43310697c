#!/bin/bash
# A stream whose chunks lie past 4 GiB in its file is read whole, also by a
# 32-bit report: chunks are mapped one at a time at 64-bit offsets. The file
# is sparse (its chunks claim 3 GiB of room each and hold a few events), so
# this costs no disk; a real trace that large is a benchmark, not a test.
. "$(dirname "$0")/../lib.sh"
command -v "$PYTHON" >/dev/null || skip "python3 is needed"
cd "$T" || fail "no test dir"
rm -rf big && mkdir big
printf 'version=0\ntracer=function_graph\nargv=big\noptions=\nstart=0\npid=7\n' >big/info
printf '0 400000-401000 400000 - /nonexistent/prog\n' >big/maps-7
printf '0 0 1100 1100 outer\n1 0 1200 1200 inner\n' >big/sites-7
printf 'ticks_per_sec=1000000000 source=monotonic mono0=0 ticks0=0\n' >big/clock-7
printf 'status=0 events=12 lost=0\n' >big/exit-7
"$PYTHON" - big/7.7.dat "$TOP/tests/prog" <<'PY' || fail "cannot write the sparse stream"
import struct, sys
sys.path.insert(0, sys.argv[2])
import format as F
room = 3 << 30
hdr = F.struct("dft_stream_hdr")
f = open(sys.argv[1], "wb")
h = bytearray(hdr.size)
h[0:8] = F.DFT_STREAM_MAGIC.encode()
struct.pack_into("<II", h, hdr.offset["pid"], 7, 7)
struct.pack_into("<Q", h, hdr.offset["ts0"], 1000)
f.write(h)
off, ts = hdr.size, 1000
ch = F.struct("dft_chunk_hdr")
for seq in (1, 2, 3):
    # outer() { inner(); }, 10 ticks apart
    e, x, b = F.DFT_EV_ENTRY, F.DFT_EV_EXIT, F.DFT_EV_TYPE_BITS
    ev = struct.pack("<IIIIII", 10 << b | e, 0, 10 << b | e, 1, 10 << b | x, 10 << b | x)
    c = bytearray(ch.size)
    for k, v in (("committed", len(ev)), ("seq", seq), ("ts", ts)):
        struct.pack_into("<Q", c, ch.offset[k], v)
    struct.pack_into("<I", c, ch.offset["size"], room)
    f.seek(off)
    f.write(bytes(c) + ev)
    off, ts = off + ch.size + room, ts + 1000
f.truncate(off - room + 4096)
PY
size=$(stat -c %s big/7.7.dat)
[ "$size" -gt $((6 << 30)) ] || fail "the stream is only $size bytes"
run "$DFT" report -i big --format graph >out 2>err || { cat err; fail "report"; }
[ "$(grep -c 'inner();' out)" = 3 ] || fail "not the three chunks' calls: $(cat out) $(cat err)"
[ ! -s err ] || fail "report complained: $(cat err)"
rm -rf big
pass "three chunks, the last at $((size >> 20)) MiB into the file"
