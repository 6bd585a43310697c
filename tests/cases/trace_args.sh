#!/bin/bash
# -A and -R in every variant, with both tracers that take them: integers
# (signed with a width, hex, narrow unsigned), strings (also NULL and a wild
# pointer, which must not crash), floating point arguments and return values.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

args=(-A 'fmix@arg1/d32,fparg1,arg2/s,fparg2' -A 'leaf@arg1/x')
specs=("${args[@]}" -R 'sret@retval/s' -R 'fmix@retval/f' -R 'leaf@retval/u8')
for v in $(ENTRY_ONLY=1 build_trace trace_graph trace_graph.c); do
	out=$T/$v-graph
	record "$out" -t function_graph "${specs[@]}" -- "$O/tests/trace/$v/trace_graph" args
	grep -qx 'args 44' "$out.out" || fail "$v: args computed wrong"
	expect_tree "$out" "$v: graph args" <<'E'
== thread 0
main
  scen_args
    fmix(-7,1.5,"hello",2) = 1
    leaf(0x29) = 42
    sret = "yes"
    fmix(3,-0.25,"",4) = 2
    fmix(0,0,"",0) = 0
E
	report_ok "$out"
	grep -q 'fmix(-7, 1.5, ' "$out.graph" || fail "$v: report lost the arguments"

	# The function tracer has no returns: it takes -A only (record
	# refuses -R with it, tests/cases/cmd_options.sh).
	out=$T/$v-function
	record "$out" -t function "${args[@]}" -- "$O/tests/trace/$v/trace_graph" args
	expect_tree "$out" "$v: function args" <<'E'
== thread 0
main <- libc.so.6
scen_args <- trace_graph
fmix(-7,1.5,"hello",2) <- trace_graph
leaf(0x29) <- trace_graph
sret <- trace_graph
fmix(3,-0.25,"",4) <- trace_graph
fmix(0,0,"",0) <- trace_graph
E
done
pass "arguments and return values"
