#!/bin/bash
# The record options that select calls, in every variant: depth limit,
# graph functions, graph notrace, filters, notrace, lib: selectors and the
# duration threshold, each checked against the exact call tree.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

case_() {
	local v=$1 name=$2 s=$3
	shift 3
	record "$T/$v-$name" "$@" -- "$O/tests/trace/$v/trace_graph" "$s"
	expect_tree "$T/$v-$name" "$v: $name"
}

for v in $(ENTRY_ONLY=1 build_trace trace_graph trace_graph.c); do
	case_ "$v" depth basic -D 3 <<'E'
== thread 0
main
  scen_basic
    mid
    mid
    mid
    rec
E
	case_ "$v" graph-funcs basic -G mid <<'E'
== thread 0
mid
  leaf
mid
  leaf
mid
  leaf
E
	case_ "$v" graph-notrace basic --graph-notrace mid <<'E'
== thread 0
main
  scen_basic
    rec
      rec
        rec
          rec
E
	case_ "$v" filter basic -F mid,leaf <<'E'
== thread 0
mid
  leaf
mid
  leaf
mid
  leaf
E
	case_ "$v" notrace basic -N rec -N 'sc*' <<'E'
== thread 0
main
  mid
    leaf
  mid
    leaf
  mid
    leaf
E
	case_ "$v" lib basic -F 'lib:trace_graph:*e*' -N leaf <<'E'
== thread 0
scen_basic
  rec
    rec
      rec
        rec
E
	# Only calls of 100 ms or more, each written when it returns: slowf
	# sleeps 200 ms, and nothing else comes near (even under qemu).
	case_ "$v" thresh slow --thresh 100ms <<'E'
== thread 0
slowf
scen_slow
main
E
	grep -qx 'slow 13' "$T/$v-thresh.out" || fail "$v: slow computed wrong"
done
pass "depth, graph functions, notrace, filters, threshold"
