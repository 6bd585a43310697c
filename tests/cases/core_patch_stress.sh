#!/bin/bash
# Sites flip between NOP and call, and between the plain and the regs
# trampoline, while two threads run exactly those sites (test_patch_stress()
# in tests/prog/core.c): no call lost or doubled, and the runtime's counters
# (DYNFTRACE_STATS) show that the live protocol ran: int3 traps taken on
# x86-64, threads parked on ARM, live batches everywhere.
. "$(dirname "$0")/../lib.sh"
rounds=500
[ -z "$EMULATED" ] || rounds=100
n=0 all_traps=0 all_parked=0 all_stops=0
for v in $(build_core | grep -E -e '-O2$'); do
	(cd "$O/tests/core/$v" && DYNFTRACE_STATS=1 run ./core patch_stress "${PSTRESS_ROUNDS:-$rounds}") \
		>"$T/$v.out" 2>&1 || { cat "$T/$v.out"; fail "patch_stress in $v"; }
	stats=$(grep 'patch stats:' "$T/$v.out") || { cat "$T/$v.out"; fail "no stats in $v"; }
	read -r batches traps stops parked < <(echo "$stats" |
		sed 's/.*: \([0-9]*\) live batches, \([0-9]*\) traps, \([0-9]*\) stops, \([0-9]*\) threads parked/\1 \2 \3 \4/')
	echo "$v: $(grep patch_stress: "$T/$v.out"); $stats"
	[ "$batches" -gt 0 ] || fail "$v: no live batch"
	all_traps=$((all_traps + traps)) all_parked=$((all_parked + parked)) all_stops=$((all_stops + stops))
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for any variant"
# Over all variants: whether a thread is at a site in the instant of one
# batch is chance, per variant (one run saw 0 traps in 502 batches).
case $(arch_dir) in
x86_64) [ "$all_traps" -gt 0 ] || fail "no int3 trap taken in $n variants" ;;
arm) [ "$all_parked" -gt 0 ] && [ "$all_stops" -gt 0 ] || fail "no thread parked in $all_stops stops" ;;
esac
pass "patch_stress in $n variants: $all_traps int3 traps, $all_stops stops, $all_parked threads parked"
