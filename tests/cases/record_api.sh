#!/bin/bash
# The recorder does not take the API from the program: a program that
# registers two graph ops and an ops of its own, run under
# `dynftrace record -t function_graph`, gets every call it asked for
# (it checks its exact counts itself: core api_graphs), and so does the
# trace (12 calls of tf_add and of tf_mul, read by the independent decoder).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
n=0
for v in $(ENTRY_ONLY=1 build_core | head -3); do
	d=$O/tests/core/$v
	record_to "$T/$v.trace" -t function_graph -F 'tf_*' -- "$d/core" api_graphs \
		>"$T/$v.out" 2>&1 || { cat "$T/$v.out"; fail "$v: the program failed under record"; }
	grep -q "^graphs ok" "$T/$v.out" || { cat "$T/$v.out"; fail "$v: no result"; }
	$PYTHON "$TOP/tests/prog/trace_read.py" "$T/$v.trace" >"$T/$v.calls" || fail "$v: trace_read"
	for f in tf_add tf_mul; do
		c=$(grep -c "^ *$f\b" "$T/$v.calls")
		[ "$c" = 12 ] || { cat "$T/$v.calls"; fail "$v: the trace has $c calls of $f, want 12"; }
	done
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "program's graph ops and ops and the recorder's together, $n variants"
