#!/bin/bash
# Disk use: 1000 short threads making 2 calls each leave at most 8 MB on
# disk (streams start small and are cut to what they hold when the thread
# ends), and processes without call sites leave no files, only a line in
# "nosites": the summary counts them apart, the Chrome JSON has no nameless
# processes.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

v=$(ENTRY_ONLY=1 OPT_LEVELS=-O2 build_trace trace_buf trace_buf.c | head -1)
prog=$O/tests/trace/$v/trace_buf
out=$T/$v
if [ -n "$EMULATED" ]; then
	# The host's /bin/sh and /bin/true are no guest programs: the
	# target's runtime cannot load into them.
	record "$out" -- "$prog" threads 1000
else
	# --force: sh has no call sites, the program it execs has.
	record "$out" --force -- /bin/sh -c "/bin/true; /bin/true; exec '$prog' threads 1000"
	[ "$(grep -c ' status=0 comm=true$' "$out/nosites")" = 2 ] ||
		fail "nosites: $(cat "$out/nosites")"
	[ "$(ls "$out" | grep -v '\.dat$' | sed 's/-[0-9]*$//' | sort | tr '\n' ' ')" = \
		"clock exit info maps nosites sites " ] ||
		fail "files of processes without call sites: $(ls "$out" | grep -v '\.dat$')"
	grep -q "^dynftrace: 6002 events, 1001 threads in 1 process, .* (and 2 processes without call sites) -> " \
		"$out.err" || fail "summary: $(cat "$out.err")"
fi
grep -qx "threads 1000 9000" "$out.out" || fail "the program did not run to its end"
[ "$(ls "$out"/*.dat | wc -l)" = 1001 ] || fail "not 1001 streams"
kb=$(du -sk "$out" | cut -f1)
[ "$kb" -le 8192 ] || fail "$kb KiB on disk for 1000 threads of 2 calls"
run "$DFT" report -i "$out" --format chrome >"$out.json" 2>"$out.json.err" ||
	{ cat "$out.json.err"; fail "report"; }
grep -q '"?"' "$out.json" && fail "a process named ? in the Chrome JSON"
[ "$(grep -c '"name":"outer"' "$out.json")" -ge 1000 ] || fail "the calls are not all in the report"
tree "$out" >"$out.tree"
[ "$(grep -cx '    inner' "$out.tree")" = 1000 ] || fail "not 1000 calls of inner in the streams"
rm -rf "$out"
pass "1000 threads x 2 calls: $kb KiB on disk"
