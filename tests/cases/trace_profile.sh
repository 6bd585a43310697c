#!/bin/bash
# The profile tracer in every variant: exact hit counts per function and
# thread, self times that add up to the outermost call's total exactly, no
# event stream, and the profile report.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

check() {
	"$PYTHON" "$TOP/tests/prog/trace_profile.py" "$@" || fail "bad profile in $1"
}

for v in $(ENTRY_ONLY=1 build_trace trace_graph trace_graph.c); do
	prog=$O/tests/trace/$v/trace_graph
	out=$T/$v-basic
	record "$out" -t profile -- "$prog" basic
	grep -qx 'basic 15' "$out.out" || fail "$v: basic computed wrong"
	[ -z "$(ls "$out" | grep '\.dat$')" ] || fail "$v: profile wrote an event stream"
	check "$out" main | sort >"$out.hits"
	diff -u - "$out.hits" <<'E' || fail "$v: basic hits"
== thread
leaf 3
main 1
mid 3
rec 4
scen_basic 1
E
	run "$DFT" report -i "$out" --format profile >"$out.report" || fail "$v: report"
	grep -Eq '^ +3 .* mid$' "$out.report" || fail "$v: the report lost mid's 3 hits"

	out=$T/$v-threads
	record "$out" -t profile -- "$prog" threads
	check "$out" worker >"$out.hits"
	[ "$(grep -c '^== thread' "$out.hits")" = 5 ] || fail "$v: not 5 thread profiles"
	[ "$(grep -cx 'mid 1000' "$out.hits")" = 4 ] || fail "$v: threads: mid hits"
	[ "$(grep -cx 'leaf 1000' "$out.hits")" = 4 ] || fail "$v: threads: leaf hits"

	# Frames left by longjmp count, with the time until they were left.
	out=$T/$v-longjmp
	record "$out" -t profile -- "$prog" longjmp
	check "$out" main | sort >"$out.hits"
	grep -qx 'lj_deep 6' "$out.hits" || fail "$v: longjmp: lj_deep hits"
done
pass "profile"
