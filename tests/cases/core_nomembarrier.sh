#!/bin/bash
# Without membarrier(2) (an LD_PRELOADed syscall() refuses it): x86-64
# falls back to TLB-shootdown IPIs and everything works; AArch64 and ARM,
# which broadcast TLB invalidation without interrupting anyone, refuse with
# a clear message and change nothing (the calls fail with -ENODEV).
. "$(dirname "$0")/../lib.sh"
v=$(build_core | grep -E -e '-O2$' | head -1)
[ -n "$v" ] || skip "no compiler for any variant"
${CROSS_COMPILE}gcc -shared -fPIC -o "$T/nomembarrier.so" "$TOP/tests/prog/nomembarrier.c" -ldl ||
	fail "build nomembarrier.so"
out=$T/out
shim() {
	if [ -n "$RUN" ]; then
		$RUN -E LD_PRELOAD="$T/nomembarrier.so" "$@"
	else
		LD_PRELOAD="$T/nomembarrier.so" "$@"
	fi
}
if (cd "$O/tests/core/$v" && shim ./core calls) >"$out" 2>&1; then
	[ "$(arch_dir)" = x86_64 ] || { cat "$out"; fail "traced without membarrier on $(arch_dir)"; }
	pass "x86-64 without membarrier: calls traced"
else
	cat "$out"
	[ "$(arch_dir)" != x86_64 ] || fail "x86-64 without membarrier"
	grep -q 'membarrier(2) is unavailable' "$out" || fail "no clear message"
	grep -q 'tracing disabled' "$out" || fail "no clear message"
	pass "$(arch_dir) without membarrier: refused with a clear message"
fi
