#!/bin/bash
# The static chain (GNU C nested functions: x86-64 r10, AArch64 x18, ARM
# r12) and the indirect result register (AArch64 x8) survive a callback
# that clobbers them (tests/prog/chain.c), in every gcc entry-site form.
. "$(dirname "$0")/../lib.sh"
n=0
while IFS='|' read -r v cc flags; do
	case $cc in *gcc*) ;; *) continue ;; esac # nested functions: GNU C only
	build_variant "$T/$v" "$cc" "$flags" "$TOP/tests/prog/chain.c" -- \
		-L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR"
	(cd "$T" && run "./$v") >"$T/$v.out" 2>&1 || { cat "$T/$v.out"; fail "chain in $v"; }
	n=$((n + 1))
done < <(ENTRY_ONLY=1 variants)
[ $n -gt 0 ] || skip "no gcc for any entry-site variant"
pass "chain in $n variants"
