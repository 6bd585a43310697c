#!/bin/bash
# An attach leaves the thread it borrows exactly as it was (x86-64): the
# main thread of tests/prog/ctl_state.c checks its registers, flags, red
# zone, errno, signal mask and a pending signal while it spins in assembly,
# and, in a second process, that a nanosleep it is blocked in neither fails
# nor ends early (the system call is restarted as if nothing happened).
. "$(dirname "$0")/../lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
[ "$(arch_dir)" = x86_64 ] || skip "the register checks are x86-64 assembly"

IFS='|' read -r v cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
mkdir -p "$T/$v"
build_variant "$T/$v/state" "$cc" "$flags" "$TOP/tests/prog/ctl_state.c" -- -lpthread -ldl
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
# A thread is inside dlopen (its library's constructor sleeps 12 s) when
# the attach stops every thread: the attach's dlopen waits for the loader's
# lock, so after 10 s the other threads are let go, and the attach ends.
cat >"$T/slow.c" <<'C'
#include <unistd.h>
__attribute__((constructor)) static void slow(void) { sleep(12); }
C
$cc -shared -fPIC "$T/slow.c" -o "$T/libslow.so" || fail "build libslow.so"
rm -f "$T/ready"
"$T/$v/state" dlopen "$T/ready" "$T/libslow.so" >"$T/dlopen.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ -e "$T/ready" ] && break
	sleep 0.02
done
timeout 60 "$DFT" ctl --attach $pid status >"$T/dlopen.status" 2>"$T/dlopen.err" ||
	{ cat "$T/dlopen.err"; fail "dlopen: attach while a thread is in the loader"; }
grep -q 'has not finished loading the runtime after 10 s' "$T/dlopen.err" ||
	{ cat "$T/dlopen.err"; fail "dlopen: no warning"; }
"$DFT" ctl $pid detach
wait $pid
grep -qx ok "$T/dlopen.out" || { cat "$T/dlopen.out"; fail "dlopen: the program"; }

pass "registers, flags, red zone, errno, signal mask, pending signal, a blocked nanosleep"
