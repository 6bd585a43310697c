#!/bin/bash
# A thread's first traced call made by a signal handler that interrupted
# malloc() (tests/prog/sigfirst.c): the first event of a thread must not
# call malloc, which would wait forever for the arena lock the interrupted
# malloc holds. Every tracer, and exact counts: one hit per signal handled.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

rounds=20
[ -z "$EMULATED" ] || rounds=5
for v in $(ENTRY_ONLY=1 build_trace sigfirst sigfirst.c | grep -e '-O2$'); do
	prog=$O/tests/trace/$v/sigfirst
	for t in profile function_graph function; do
		out=$T/$v-$t
		# The program ends itself with SIGALRM after 60 s if a thread hangs.
		record_run "$out" -t $t -F sig_traced -- "$prog" $rounds ||
			{ cat "$out.err"; fail "$v -t $t: the program hung or failed"; }
		n=$(sed -n 's/^sigfirst: \([0-9]*\) calls$/\1/p' "$out.out")
		[ -n "$n" ] && [ "$n" -gt 0 ] || fail "$v -t $t: no signal was handled: $(cat "$out.out")"
		run "$DFT" report -i "$out" --format profile >"$out.report" 2>"$out.report.err" ||
			{ cat "$out.report.err"; fail "$v -t $t: report"; }
		hits=$(awk '$NF == "sig_traced" { print $1 }' "$out.report")
		[ "$hits" = "$n" ] || { cat "$out.report"; fail "$v -t $t: $hits hits for $n handled signals"; }
	done
done
pass "first events in signal handlers that interrupted malloc, every tracer"
