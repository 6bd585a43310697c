#!/bin/bash
# A stream is never mapped whole, only a window of it: a process whose
# address space is limited (ulimit -v) to far less than its trace records
# it all, with no event dropped and the exact number of calls.
# Under an emulator ulimit -v would limit the emulator, not the program:
# there the case records without the limit (the window moves the same way)
# and checks the counts.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"
case "${SAN_FLAGS:-}" in *address*)
	skip "make check SAN=address: ASan reserves terabytes of address space for its shadow, which ulimit -v forbids" ;;
esac

v=$(ENTRY_ONLY=1 OPT_LEVELS=-O2 build_trace trace_buf trace_buf.c | head -1)
out=$T/$v
limit_kb=65536
if [ -n "$EMULATED$RUN" ]; then
	n=2000000 # 48 MB of events
	record "$out" -- "$O/tests/trace/$v/trace_buf" calls $n
else
	n=12000000 # 288 MB of events: more than 4 times the limit
	(ulimit -v $limit_kb && record_run "$out" -- "$O/tests/trace/$v/trace_buf" calls $n) ||
		{ cat "$out.out" "$out.err"; fail "record under ulimit -v $limit_kb"; }
fi
grep -qx "calls $n $((n * 9))" "$out.out" || fail "the program did not compute its result"
bytes=$(du -cb "$out"/*.dat | tail -1 | cut -f1)
[ -n "$EMULATED$RUN" ] || [ "$bytes" -gt $((4 * limit_kb * 1024)) ] ||
	fail "the trace ($bytes bytes) is not 4 times the address space limit"
grep -q "status=0 events=$((4 * n + 4)) lost=0\$" "$out"/exit-* ||
	fail "events dropped: $(cat "$out"/exit-*)"
grep -q "dropped" "$out.err" && fail "record's summary: $(cat "$out.err")"
run "$DFT" report -i "$out" --format profile >"$out.prof" 2>"$out.prof.err" ||
	{ cat "$out.prof.err"; fail "report"; }
for f in outer inner; do
	grep -Eq "^ +$n .* $f\$" "$out.prof" || fail "$f was not called $n times: $(cat "$out.prof")"
done
rm -rf "$out"
if [ -n "$EMULATED$RUN" ]; then
	pass "$bytes bytes of events, 0 lost (no ulimit -v under an emulator)"
else
	pass "$bytes bytes of events under a limit of $((limit_kb / 1024)) MiB, 0 lost"
fi
