#!/bin/bash
# A library's threads run its functions while the runtime merges their
# call sites (gcc's five 1-byte NOPs on x86-64, three Thumb NOPs on ARM)
# after dlopen(): every other thread is stopped first and none is left
# inside a site whose bytes change. See tests/prog/merge.c.
. "$(dirname "$0")/../lib.sh"
rounds=300
[ -z "$EMULATED" ] || rounds=10
n=0
while IFS='|' read -r v cc flags; do
	build_merge "$T/$v" "$cc" "$flags" merge
	(cd "$T/$v" && run ./merge ./libmerge.so "${MERGE_ROUNDS:-$rounds}") >"$T/$v.out" 2>&1 ||
		{ cat "$T/$v.out"; fail "merge in $v"; }
	n=$((n + 1))
done < <(ENTRY_ONLY=1 variants | grep -e '-O2|')
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "merge in $n variants"
