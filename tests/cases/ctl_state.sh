#!/bin/bash
# An attach leaves the thread it borrows exactly as it was (x86-64): the
# main thread of tests/prog/ctl_state.c checks its registers, flags, red
# zone, errno, signal mask and a pending signal while it spins in assembly,
# and, in a second process, that a nanosleep it is blocked in neither fails
# nor ends early (the system call is restarted as if nothing happened).
. "$(dirname "$0")/../lib.sh"
[ -z "$RUN" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
[ "$(arch_dir)" = x86_64 ] || skip "the register checks are x86-64 assembly"

IFS='|' read -r v cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
mkdir -p "$T/$v"
build_variant "$T/$v/state" "$cc" "$flags" "$TOP/tests/prog/ctl_state.c" -- -lpthread
for mode in spin sleep; do
	rm -f "$T/ready"
	"$T/$v/state" $mode "$T/ready" >"$T/$mode.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[ -e "$T/ready" ] && break
		sleep 0.02
	done
	sleep 0.5
	grep -q libdynftrace /proc/$pid/maps && fail "$mode: the runtime is there already"
	"$DFT" ctl --attach $pid status >"$T/$mode.status" || fail "$mode: attach"
	grep -q '^tracer=nop$' "$T/$mode.status" || fail "$mode: status"
	"$DFT" ctl $pid detach || fail "$mode: detach"
	wait $pid
	rc=$?
	grep -qx ok "$T/$mode.out" && [ $rc = 0 ] || { cat "$T/$mode.out"; fail "$mode: the thread's state changed"; }
done
pass "registers, flags, red zone, errno, signal mask, pending signal, a blocked nanosleep"
