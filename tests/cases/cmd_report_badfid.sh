#!/bin/bash
# Function ids of a damaged trace must not size the report's tables:
# - report -F lib:MOD on a stream whose ENTRY names a huge id (found by the
#   fuzzer: fuzz/corpus/trace/crash-lib-fid): the module selector's cache
#   was sized by it, about 1.9 GB allocated and filled for a 2 KB trace;
# - a sites file with one line of id 99999999 (fuzz/corpus/trace/
#   sites-bigfid): the function table was, 1.5 GB. Ids are dense, one line
#   each: that line is damage, reported (status 1).
# Each must stay small and report the rest of the trace.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"

# peak DIR STATUS ARGS...: runs report on DIR, checks its status and peak RSS.
peak() {
	local d=$T/$1 want=$2 out rc kib
	shift 2
	rm -rf "$d" && mkdir -p "$d" || fail "mkdir $d"
	$PYTHON "$TOP/fuzz/pack.py" -u "$TOP/fuzz/corpus/trace/$(basename "$d")" "$d" || fail unpack
	# Peak RSS (KiB), from the kernel's accounting of children.
	out=$($PYTHON - "$DFT" report -i "$d" -o "$d.out" "$@" <<'PY'
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
	) || fail python
	read -r rc kib <<<"$out"
	[ "$rc" = "$want" ] || fail "$(basename "$d"): report exited $rc, not $want"
	[ "$kib" -lt 400000 ] || fail "$(basename "$d"): report took $kib KiB for a 2 KB trace"
	grep -q 'cmd_' "$d.out" || { cat "$d.out"; fail "$(basename "$d"): no call reported"; }
	echo "$(basename "$d"): $kib KiB"
}
peak crash-lib-fid 1 -F 'lib:work:cmd_*' -N 'lib:libc*'
peak sites-bigfid 1
pass "huge function ids of damaged traces"
