#!/bin/bash
# function_graph, end to end in every variant: exact call trees (read from
# the raw streams) for nesting, longjmp, siglongjmp out of a handler, a
# handler that returns, tail calls, a thread exiting inside traced frames and
# a shadow stack that must grow; `dynftrace report` must run clean on the
# traces with unwound frames.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

scenario() {
	local v=$1 s=$2 out=$T/$v-$2
	record "$out" -t function_graph -- "$O/tests/trace/$v/trace_graph" "$s"
	grep -q "^$s " "$out.out" || { cat "$out.out" "$out.err"; fail "$v: $s did not finish"; }
	expect_tree "$out" "$v: $s"
	case $s in longjmp | threadexit) report_ok "$out" ;; esac
}

# The graph needs entry sites (-pg ones after a prologue are trace only).
for v in $(ENTRY_ONLY=1 build_trace trace_graph trace_graph.c); do
	scenario "$v" basic <<'E'
== thread 0
main
  scen_basic
    mid
      leaf
    mid
      leaf
    mid
      leaf
    rec
      rec
        rec
          rec
E
	grep -qx 'basic 15' "$T/$v-basic.out" || fail "$v: basic computed wrong"
	scenario "$v" longjmp <<'E'
== thread 0
main
  scen_longjmp
    lj_outer
      lj_deep !
        lj_deep !
          lj_deep !
      leaf
    lj_outer
      lj_deep !
        lj_deep !
          lj_deep !
      leaf
    leaf
E
	scenario "$v" siglongjmp <<'E'
== thread 0
main
  scen_siglongjmp
    sj_outer
      sj_deep !
        on_usr1 !
          leaf
      mid
        leaf
    leaf
E
	scenario "$v" signal <<'E'
== thread 0
main
  scen_signal
    sig_work
      on_usr2
        mid
          leaf
      leaf
E
	scenario "$v" tail <<'E'
== thread 0
main
  scen_tail
    tail_caller
      tail_callee
        leaf
    tail_caller2
      tail_caller
        tail_callee
          leaf
E
	grep -qx 'tail 13' "$T/$v-tail.out" || fail "$v: tail calls computed wrong"
	# Open (issues 9, 15): on AArch64 under qemu-user, recorded through the
	# command, the program spun for minutes after pthread_exit() from
	# hooked frames (once, on the final tree); it passes natively and on ARM.
	if [ -n "$EMULATED" ] && [ "$(arch_dir)" = aarch64 ]; then
		echo "$v: threadexit not run under qemu-aarch64 (open)"
	else
		scenario "$v" threadexit <<'E'
== thread 0
main
  scen_threadexit
    leaf
== thread 1
te_thread !
  te_outer !
    te_inner !
      leaf
E
		grep -qx 'threadexit 46' "$T/$v-threadexit.out" || fail "$v: pthread_exit value lost"
	fi

	# 3001 nested calls: the shadow stack grows several times.
	out=$T/$v-deep
	record "$out" -- "$O/tests/trace/$v/trace_graph" deep
	grep -qx 'deep 3000' "$out.out" || fail "$v: deep recursion computed wrong"
	tree "$out" >"$out.tree"
	[ "$(grep -c '^ *rec$' "$out.tree")" = 3001 ] || fail "$v: deep: not 3001 closed rec calls"
	[ "$(tail -1 "$out.tree")" = "$(printf '%6004s' '')rec" ] || fail "$v: deep: wrong nesting"
done
pass "function_graph trees"
