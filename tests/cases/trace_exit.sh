#!/bin/bash
# Processes that end with _exit() or _Exit() (tests/prog/trace_exit.c) are
# recorded as exited, not as crashed: their exit file has the status and
# the totals, report and info say nothing of a crash, and the exit status
# of `dynftrace record` is the program's. From main, from a second thread
# while another is inside a call, from a signal handler (also one landing
# inside the tracer's callbacks), in a fork child, in a vfork child whose
# exec failed (which must write none of its parent's files), and from an
# atexit handler.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

# root_exit DIR: the exit file of the recorded command's own process. Not
# the first in `ls` order: a fork child's pid sorts first once pids wrap.
root_exit() {
	echo "$1/exit-$(sed -n 's/^pid=//p' "$1/info")"
}

# exited DIR WHAT STATUS: every process with files has an exit file, the
# root's says STATUS, and neither report nor info calls any crashed.
exited() {
	local dir=$1 what=$2 status=$3 lost=${4:-0} f
	[ "$(ls "$dir" | grep -c '^maps-')" = "$(ls "$dir" | grep -c '^exit-')" ] ||
		fail "$what: a process without an exit file: $(ls "$dir")"
	f=$(root_exit "$dir")
	[ -f "$f" ] || fail "$what: no exit file for the root process: $(ls "$dir")"
	grep -q "^status=$status events=[0-9]* lost=$lost\$" "$f" ||
		fail "$what: exit file: $(cat "$f"), not status $status"
	run "$DFT" info -i "$dir" >"$dir.info" 2>&1 || { cat "$dir.info"; fail "$what: info"; }
	grep -q "  status $status\$" "$dir.info" || { cat "$dir.info"; fail "$what: info: no status $status"; }
	if grep -qi 'crash\|did not exit' "$dir.info"; then
		cat "$dir.info"
		fail "$what: info says a process crashed"
	fi
	run "$DFT" report -i "$dir" >"$dir.report" 2>"$dir.report.err" ||
		{ cat "$dir.report.err"; fail "$what: report"; }
	if grep -qi 'crash\|did not exit' "$dir.report" "$dir.report.err"; then
		cat "$dir.report.err"
		fail "$what: report says a process crashed"
	fi
}

# rec DIR STATUS [options] -- CMD: records CMD, which must end with STATUS
# (so must `dynftrace record`).
rec() {
	local dir=$1 status=$2 rc
	shift 2
	record_run "$dir" "$@"
	rc=$?
	[ $rc = "$status" ] || { cat "$dir.out" "$dir.err"; fail "$dir: exit status $rc, not $status"; }
}

# info_events DIR: the events info counts in the streams of the first process.
info_events() {
	awk '$2 == "all" { print $4; exit }' "$1.info"
}

exit_events() {
	sed -n 's/.* events=\([0-9]*\) .*/\1/p' "$(root_exit "$1")"
}

for v in $(ENTRY_ONLY=1 build_trace trace_exit trace_exit.c | grep -e '-O2$'); do
	prog=$O/tests/trace/$v/trace_exit

	# (1) _exit(3) in main, inside traced calls; the exact totals.
	out=$T/$v-exit
	rec "$out" 3 -- "$prog" exit
	grep -qx 'exit 3' "$out.out" || fail "$v: exit did not run"
	exited "$out" "$v: exit" 3
	expect_tree "$out" "$v: exit" <<'E'
== thread 0
main ...
  scen_exit ...
    mid
      leaf
    mid
      leaf
    mid
      leaf
    mid
      leaf
    mid
      leaf
E
	# 2 entries, 5 x (2 entries and 2 exits).
	[ "$(exit_events "$out")" = 22 ] && [ "$(info_events "$out")" = 22 ] ||
		fail "$v: exit: events $(exit_events "$out") (exit file), $(info_events "$out") (info), not 22"
	out=$T/$v-exit-function
	rec "$out" 3 -t function -- "$prog" exit
	exited "$out" "$v: exit -t function" 3
	[ "$(exit_events "$out")" = 12 ] && [ "$(info_events "$out")" = 12 ] ||
		fail "$v: exit -t function: events $(exit_events "$out"), $(info_events "$out"), not 12"
	out=$T/$v-exit-profile
	rec "$out" 3 -t profile -- "$prog" exit
	exited "$out" "$v: exit -t profile" 3
	run "$DFT" report -i "$out" --format profile >"$out.prof" 2>&1 || fail "$v: profile report"
	[ "$(awk '$NF == "mid" || $NF == "leaf" { print $1 }' "$out.prof" | tr '\n' ' ')" = "5 5 " ] ||
		{ cat "$out.prof"; fail "$v: exit -t profile: not 5 calls of mid and leaf"; }

	# (2) _Exit(4) from a second thread while main is inside hold().
	out=$T/$v-thread
	rec "$out" 4 -- "$prog" thread
	exited "$out" "$v: thread" 4
	expect_tree "$out" "$v: thread" <<'E'
== thread 0
main ...
  scen_thread ...
    hold ...
== thread 1
worker ...
  mid
    leaf
E

	# (3) _exit(5) from a signal handler.
	out=$T/$v-signal
	rec "$out" 5 -- "$prog" signal
	exited "$out" "$v: signal" 5
	expect_tree "$out" "$v: signal" <<'E'
== thread 0
main ...
  scen_signal ...
    mid
      leaf
    raiser ...
      on_usr1 ...
        leaf
E
	# ... from a timer's handler, wherever it lands: often inside the
	# tracer, between an event and its commit. The stream reads back
	# well formed, and its count is the exit file's (but the one event
	# being committed).
	out=$T/$v-sigstress
	rec "$out" 6 -- "$prog" sigstress
	# The handler's own traced entry (on_alarm), when it interrupted the
	# tracer's callback, is counted lost (core/sigctx.c): the stream
	# is not the handler's to write then.
	exited "$out" "$v: sigstress" 6 '[01]'
	tree "$out" >/dev/null
	d=$(($(exit_events "$out") - $(info_events "$out")))
	[ $d = 0 ] || [ $d = 1 ] ||
		fail "$v: sigstress: $(exit_events "$out") events in the exit file, $(info_events "$out") in the stream"

	# (4) fork: the child calls mid, then _exit(5); the parent returns.
	out=$T/$v-fork
	rec "$out" 0 -- "$prog" fork
	grep -qx 'fork 5' "$out.out" || fail "$v: fork: the parent did not see status 5"
	exited "$out" "$v: fork" 0
	[ "$(cat "$out"/exit-* | cut -d' ' -f1 | sort | tr '\n' ' ')" = "status=0 status=5 " ] ||
		fail "$v: fork: exit files $(cat "$out"/exit-*)"
	grep -q '  status 5$' "$out.info" || { cat "$out.info"; fail "$v: fork: info: no child with status 5"; }
	expect_tree "$out" "$v: fork" <<'E'
== thread 0
main
  scen_fork
    leaf
    leaf
== thread 1
mid
  leaf
E

	# (5) vfork: the child's exec fails, it calls _exit(127); it must not
	# write the parent's exit file (the program checks) nor any of its own,
	# and the parent's _exit(6) is recorded.
	out=$T/$v-vfork
	rec "$out" 6 -- "$prog" vfork
	grep -qx 'vfork 6' "$out.out" || { cat "$out.out"; fail "$v: vfork: the parent failed"; }
	exited "$out" "$v: vfork" 6
	[ "$(ls "$out" | grep -c '^exit-')" = 1 ] && [ ! -e "$out/nosites" ] ||
		fail "$v: vfork: files of the child: $(ls "$out")"
	expect_tree "$out" "$v: vfork" <<'E'
== thread 0
main ...
  scen_vfork ...
    leaf
    leaf
E

	# An atexit handler calls _exit(7) once main has returned.
	out=$T/$v-atexit
	rec "$out" 7 -- "$prog" atexit
	exited "$out" "$v: atexit" 7
	expect_tree "$out" "$v: atexit" <<'E'
== thread 0
main
  scen_atexit
    mid
      leaf
at_exit ...
  leaf
E
done

# An exit file written by exit() is written again by a later _exit(): an
# atexit handler registered before the recording started (record -p on a
# preloaded process) runs after the recorder's and calls _exit(9). The last
# status is the process's. Natively, in one variant: the order of the
# handlers is the point, not the site form.
if [ -z "$EMULATED" ]; then
	v=$(ENTRY_ONLY=1 build_trace trace_exit trace_exit.c | grep -e '-O2$' | head -1)
	out=$T/late
	rm -rf "$out" "$out.flag"
	LD_PRELOAD="$LIBDIR/libdynftrace.so" "$O/tests/trace/$v/trace_exit" late "$out.flag" &
	pid=$!
	"$DFT" record -p $pid --duration 30 -o "$out" -f 2>"$out.err" &
	rec=$!
	for _ in $(seq 200); do
		[ -e "$out/maps-$pid" ] && break
		sleep 0.05
	done
	[ -e "$out/maps-$pid" ] || { cat "$out.err"; fail "late: the recording did not start"; }
	touch "$out.flag"
	wait $pid
	rc=$?
	wait $rec || { cat "$out.err"; fail "late: record -p"; }
	[ $rc = 9 ] || fail "late: exit status $rc, not 9"
	exited "$out" "late" 9
fi

# A process without call sites that ends with _exit() has its nosites line
# (a host program: natively only).
if [ -z "$EMULATED" ]; then
	out=$T/nosites
	rec "$out" 4 --force -- "$PYTHON" -c 'import os; os._exit(4)'
	grep -q '^[0-9]* status=4 comm=' "$out/nosites" 2>/dev/null ||
		fail "nosites: no line with status 4: $(cat "$out/nosites" 2>&1)"
fi
pass "_exit and _Exit from main, a thread, signal handlers, fork and vfork children, atexit"
