#!/bin/bash
# pthread_exit() and pthread_cancel() (deferred at pthread_testcancel(),
# read() and nanosleep(), asynchronous in a loop of traced calls, and of
# the thread itself) with traced plain C frames (no personality routine)
# between the point where the unwind starts and the frames that have
# cleanups: every cleanup runs (pthread_cleanup_push in C without and
# with -fexceptions and in C++, __attribute__((cleanup)), destructors),
# the thread's frames end as unwound, and the trace reads.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

# The program and the cleanups each of its frames runs: pthread_cleanup_push
# (C: setjmp based), + the cleanup attribute (-fexceptions), + a destructor.
progs="trace_cancel:1 trace_cancel_eh:2"
command -v "${CROSS_COMPILE}g++" >/dev/null && progs="$progs trace_cancel_cc:3"

# qemu-user delivers a signal only between its translation blocks, often at
# a function's first instruction, and ARM's EHABI unwinder looks up the
# tables of pc - 2 in every frame, the signal's too: the previous
# function's. Under qemu-arm, glibc's asynchronous cancellation then misses
# the cleanups of the unwinder (not the C ones, which glibc runs itself) in
# about half the runs, untraced as well.
async_unwinds=1
[ "$(arch_dir)" = arm ] && [ -n "$EMULATED" ] && async_unwinds=0 &&
	echo "note: qemu-arm: asynchronous cancellation with unwinder cleanups not tested (qemu's signal delivery; see the case)"

first=
for v in $(ENTRY_ONLY=1 build_trace trace_cancel trace_cancel.c); do
	first=${first:-$v}
	ENTRY_ONLY=1 build_trace trace_cancel_eh trace_cancel.c -fexceptions >/dev/null
	case $progs in
	*_cc*) ENTRY_ONLY=1 build_trace trace_cancel_cc trace_cancel.cc >/dev/null ;;
	esac
	for p in $progs; do
		name=${p%:*}
		want=$((2 * ${p#*:}))
		for s in exit testcancel read sleep self async; do
			[ $s = async ] && [ $async_unwinds = 0 ] && [ "$name" != trace_cancel ] && continue
			out=$T/$v-$name-$s
			record_run "$out" -t function_graph -- "$O/tests/trace/$v/$name" "$s"
			rc=$?
			grep -qx "$s $want 1" "$out.out" && [ $rc = 0 ] || {
				cat "$out.out" "$out.err"
				fail "$v: $name $s: exit $rc, want \"$s $want 1\" (cleanups, result)"
			}
			# The thread's frames, cancelled, end as unwound.
			tree "$out" >"$out.tree"
			printf 'worker !\n  inner !\n    plain !\n      point !\n' >"$out.want"
			grep -E '^ *(worker|inner|plain|point)( |$)' "$out.tree" |
				diff -u "$out.want" - || fail "$v: $name $s: the thread's frames"
		done
		report_ok "$out"
		# A cancellation pending at the thread's first traced call,
		# which opens its stream inside the callback (-F: no event
		# before it): it acts at pending_fn's own testcancel.
		out=$T/$v-$name-pending
		record_run "$out" -t function_graph -F pending_fn -- "$O/tests/trace/$v/$name" pending &&
			grep -qx "pending $want 1" "$out.out" ||
			{ cat "$out.out" "$out.err"; fail "$v: $name pending: cancelled inside the runtime"; }
		tree "$out" | grep -q '^ *pending_fn !' ||
			{ tree "$out"; fail "$v: $name pending: pending_fn not recorded as unwound"; }
		# Library calls traced too (natively: record_run leaves them
		# out): pthread_testcancel and the loop go through their stubs.
		[ -n "$RUN" ] || [ "$v" != "$first" ] && continue
		for s in testcancel async; do
			[ $s = async ] && [ $async_unwinds = 0 ] && [ "$name" != trace_cancel ] && continue
			out=$T/$v-$name-$s-libcall
			rm -rf "$out"
			"$DFT" record -t function_graph -o "$out" -- "$O/tests/trace/$v/$name" "$s" \
				>"$out.out" 2>"$out.err" && grep -qx "$s $want 1" "$out.out" ||
				{ cat "$out.out" "$out.err"; fail "$v: $name $s with library calls"; }
		done
	done
done
pass "pthread_exit and pthread_cancel run every cleanup through traced frames"
