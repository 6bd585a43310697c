#!/bin/bash
# The function tracer in every variant: one event per call, in call order,
# with the module of the caller; per-thread streams; filters.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

for v in $(build_trace trace_graph trace_graph.c); do
	prog=$O/tests/trace/$v/trace_graph
	out=$T/$v-basic
	record "$out" -t function -- "$prog" basic
	expect_tree "$out" "$v: function basic" <<'E'
== thread 0
main <- libc.so.6
scen_basic <- trace_graph
mid <- trace_graph
leaf <- trace_graph
mid <- trace_graph
leaf <- trace_graph
mid <- trace_graph
leaf <- trace_graph
rec <- trace_graph
rec <- trace_graph
rec <- trace_graph
rec <- trace_graph
E
	run "$DFT" report -i "$out" --format text >"$out.text" || fail "$v: report"
	[ "$(grep -c ' leaf <-mid' "$out.text")" = 3 ] || fail "$v: the report lost calls"

	out=$T/$v-threads
	record "$out" -t function -F 'leaf,worker' -- "$prog" threads
	tree "$out" >"$out.tree"
	[ "$(grep -c '^== thread' "$out.tree")" = 4 ] || fail "$v: not 4 worker streams"
	[ "$(grep -cx 'leaf <- trace_graph' "$out.tree")" = 4000 ] || fail "$v: not 4000 leaf calls"
	[ "$(grep -cx 'worker <- libc.so.6' "$out.tree")" = 4 ] || fail "$v: not 4 workers"
	grep -q mid "$out.tree" && fail "$v: the filter let mid through"
done
pass "function tracer"
