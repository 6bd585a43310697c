#!/bin/bash
# Stack switching (tests/prog/coro.c): frames of a makecontext() coroutine
# and of the main stack return in turns under the graph tracers. Returns
# that find the other stack's frames above their own entry must not lose
# those entries: the program runs to its end (it used to abort: "a return
# to a frame that has no shadow entry"), with exact call counts.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

n=100
[ -z "$EMULATED" ] || n=20
# N turns: co_leaf is called once per finished co_yield (N) and per
# main_turn (N + 1).
want_sum=$(((n * (n + 1) / 2) + ((n + 1) * (n + 2) / 2)))
for v in $(ENTRY_ONLY=1 build_trace coro coro.c); do
	prog=$O/tests/trace/$v/coro
	for t in function_graph profile; do
		out=$T/$v-$t
		record_run "$out" -t $t -- "$prog" $n ||
			{ cat "$out.out" "$out.err"; fail "$v -t $t: coro failed"; }
		grep -qx "coro: $n turns, sum $want_sum" "$out.out" ||
			fail "$v -t $t: wrong result: $(cat "$out.out")"
		run "$DFT" report -i "$out" --format profile >"$out.report" 2>"$out.report.err" ||
			{ cat "$out.report.err"; fail "$v -t $t: report"; }
		for f in "co_leaf $((2 * n + 1))" "co_yield $n" "main_turn $((n + 1))" "co_body 1"; do
			set -- $f
			hits=$(awk -v f="$1" '$NF == f { print $1 }' "$out.report")
			[ "$hits" = "$2" ] || { cat "$out.report"; fail "$v -t $t: $1: $hits hits, want $2"; }
		done
	done
done
pass "coroutine stack switches under function_graph and profile"
