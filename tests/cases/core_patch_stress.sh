#!/bin/bash
# Sites flip between NOP and call, and between the plain and the regs
# trampoline, while two threads run exactly those sites (test_patch_stress()
# in tests/prog/core.c): no call lost or doubled, and the runtime's counters
# (DYNFTRACE_STATS) show that the live protocol ran: int3 traps taken on
# x86-64, threads parked on ARM, live batches everywhere.
. "$(dirname "$0")/../lib.sh"
rounds=500
[ -z "$EMULATED" ] || rounds=100
n=0
for v in $(build_core | grep -E -e '-O2$'); do
	(cd "$O/tests/core/$v" && DYNFTRACE_STATS=1 run ./core patch_stress "${PSTRESS_ROUNDS:-$rounds}") \
		>"$T/$v.out" 2>&1 || { cat "$T/$v.out"; fail "patch_stress in $v"; }
	stats=$(grep 'patch stats:' "$T/$v.out") || { cat "$T/$v.out"; fail "no stats in $v"; }
	read -r batches traps stops parked < <(echo "$stats" |
		sed 's/.*: \([0-9]*\) live batches, \([0-9]*\) traps, \([0-9]*\) stops, \([0-9]*\) threads parked/\1 \2 \3 \4/')
	echo "$v: $(grep patch_stress: "$T/$v.out"); $stats"
	[ "$batches" -gt 0 ] || fail "$v: no live batch"
	case $(arch_dir) in
	x86_64) [ "$traps" -gt 0 ] || fail "$v: no int3 trap taken in $batches batches" ;;
	arm) [ "$parked" -gt 0 ] && [ "$stops" -gt 0 ] || fail "$v: no thread parked in $stops stops" ;;
	esac
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "patch_stress in $n variants"
