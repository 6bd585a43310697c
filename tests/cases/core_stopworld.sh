#!/bin/bash
# Stopping the threads to patch (ARM always, x86-64 to merge NOPs) copes
# with a main thread that called pthread_exit() and with a raw clone()
# thread running traced code (tests/prog/stopworld.c).
. "$(dirname "$0")/../lib.sh"
# Once the main thread has exited, /proc/self/maps reads empty (under
# qemu-user too, which has no other true view): the patcher must still
# prepare and enable the library's sites.
n=0
while IFS='|' read -r v cc flags; do
	build_merge "$T/$v" "$cc" "$flags" stopworld
	(cd "$T/$v" && DYNFTRACE_STATS=1 run ./stopworld ./libmerge.so) >"$T/$v.out" 2>&1 ||
		{ cat "$T/$v.out"; fail "stopworld in $v"; }
	grep -q 'stopworld ok' "$T/$v.out" || { cat "$T/$v.out"; fail "stopworld in $v: no result"; }
	! grep -e 'error:' -e 'warn:' "$T/$v.out" || fail "stopworld in $v: the runtime complained"
	n=$((n + 1))
done < <(ENTRY_ONLY=1 variants | grep -e '-O2|')
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "stopworld in $n variants"
