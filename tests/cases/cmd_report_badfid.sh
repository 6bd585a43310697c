#!/bin/bash
# report -F lib:MOD on a stream whose ENTRY names a huge function id (a
# damaged trace, found by the fuzzer: fuzz/corpus/trace/crash-lib-fid): the
# module selector's cache was sized by the id, about 1.9 GB allocated and
# filled for a 1.8 KB trace. It must stay small and report the trace.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
d=$T/tr
rm -rf "$d" && mkdir -p "$d" || fail "mkdir $d"
$PYTHON "$TOP/fuzz/pack.py" -u "$TOP/fuzz/corpus/trace/crash-lib-fid" "$d" || fail unpack
# Peak RSS (KiB) of the report, from the kernel's accounting of children.
rss=$($PYTHON - "$DFT" report -i "$d" -F 'lib:work:cmd_*' -N 'lib:libc*' -o "$T/out" <<'PY'
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
) || fail "python"
read -r rc kib <<<"$rss"
[ "$rc" -le 1 ] || fail "report exited $rc"
[ "$kib" -lt 400000 ] || fail "report took $kib KiB for a 2 KB trace"
grep -q 'cmd_' "$T/out" || { cat "$T/out"; fail "no call of the selected module reported"; }
pass "lib:MOD filter on a damaged fid: $kib KiB"
