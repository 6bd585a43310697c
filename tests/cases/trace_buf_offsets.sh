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
"$PYTHON" - big/7.7.dat <<'PY' || fail "cannot write the sparse stream"
import struct, sys
room = 3 << 30
f = open(sys.argv[1], "wb")
f.write(struct.pack("<8sIIIIQ16s16x", b"DFTTRC02", 7, 7, 0, 0, 1000, b"big"))
off, ts = 64, 1000
for seq in (1, 2, 3):
    # outer() { inner(); }, 10 ticks apart
    ev = struct.pack("<IIIIII", 10 << 2 | 0, 0, 10 << 2 | 0, 1, 10 << 2 | 1, 10 << 2 | 1)
    f.seek(off)
    f.write(struct.pack("<QQQII", len(ev), seq, ts, room, 0) + ev)
    off, ts = off + 32 + room, ts + 1000
f.truncate(off - room + 4096)
PY
size=$(stat -c %s big/7.7.dat)
[ "$size" -gt $((6 << 30)) ] || fail "the stream is only $size bytes"
run "$DFT" report -i big --format graph >out 2>err || { cat err; fail "report"; }
[ "$(grep -c 'inner();' out)" = 3 ] || fail "not the three chunks' calls: $(cat out) $(cat err)"
[ ! -s err ] || fail "report complained: $(cat err)"
rm -rf big
pass "three chunks, the last at $((size >> 20)) MiB into the file"
