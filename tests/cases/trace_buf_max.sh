#!/bin/bash
# record --max-size 8M: the recording stops when the streams reach 8 MiB,
# the program runs to its end unaffected, and the summary and the report
# say where the trace ends and why (a LOST mark, counted).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

v=$(ENTRY_ONLY=1 OPT_LEVELS=-O2 build_trace trace_buf trace_buf.c | head -1)
n=2000000 # 48 MB of events
out=$T/$v
record "$out" --max-size 8M -- "$O/tests/trace/$v/trace_buf" calls $n
grep -qx "calls $n $((n * 9))" "$out.out" || fail "the program did not run to its end"
grep -q "status=0 " "$out"/exit-* || fail "exit status: $(cat "$out"/exit-*)"
bytes=$(du -cb "$out"/*.dat | tail -1 | cut -f1)
[ "$bytes" -le $((8 << 20)) ] || fail "$bytes bytes of streams, over --max-size 8M"
[ "$bytes" -ge $((7 << 20)) ] || fail "$bytes bytes of streams: stopped well before 8M"
lost=$(sed -n 's/.* lost=//p' "$out"/exit-*)
[ "$lost" -gt 0 ] || fail "no event counted lost"
if [ -z "$RUN" ]; then
	grep -q "^dynftrace: .*, $lost dropped -> " "$out.err" || fail "summary: $(cat "$out.err")"
	grep -q "stopped when it reached --max-size 8192.0 KiB, .* s after it started: $lost events were not recorded" "$out.err" ||
		fail "summary: $(cat "$out.err")"
fi
run "$DFT" report -i "$out" --format graph >"$out.graph" 2>"$out.graph.err" ||
	{ cat "$out.graph.err"; fail "report"; }
grep -q "note: the recording stopped when it reached --max-size 8192.0 KiB" "$out.graph.err" ||
	fail "report's note: $(cat "$out.graph.err")"
tail -2 "$out.graph" | head -1 | grep -q "\[LOST $lost EVENTS\] (--max-size reached: the recording stopped here)" ||
	fail "the report does not end with the LOST mark: $(tail -3 "$out.graph")"
tail -1 "$out.graph" | grep -q "trace ends here with 2 calls open: the recording stopped at --max-size" ||
	fail "the report does not say why the trace ends: $(tail -1 "$out.graph")"
tree "$out" | grep -q "^== thread 0 lost $lost\$" || fail "the stream's LOST count is not $lost"
rm -rf "$out"

# Bad sizes: clear errors, nothing run.
if [ -z "$RUN" ]; then
	bad() {
		local want=$1
		shift
		"$DFT" record -o "$T/bad" "$@" -- "$O/tests/trace/$v/trace_buf" calls 1 >"$T/bad.out" 2>"$T/bad.err" &&
			fail "accepted: $*"
		grep -q "^dynftrace: .*$want" "$T/bad.err" || fail "$*: $(cat "$T/bad.err")"
		[ ! -s "$T/bad.out" ] || fail "$*: the command ran"
	}
	bad "--max-size takes a size like 4M, 512K or 1G, not '8X'" --max-size 8X
	bad "--ring takes a size like 4M, 512K or 1G, not 'M'" --ring M
	bad "--ring 1K is too small: it takes at least 64K" --ring 1K
	bad "--ring applies to the function and function_graph tracers" -t profile --ring 4M
fi
pass "stopped at $bytes bytes, $lost calls not recorded, the program ran on"
