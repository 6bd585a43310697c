#!/bin/bash
# Every function of the test program has a site; after start-up each is the
# architecture's NOP (tests/expect/nop.<arch>: one regex per site form),
# patched while an ops is registered, the NOP again after; text protection
# is the same before, during and after.
. "$(dirname "$0")/../lib.sh"
nops=$TOP/tests/expect/nop.$(arch_dir)
[ -f "$nops" ] || fail "no $nops"
n=0
for v in $(build_core); do
	out=$T/$v.out
	(cd "$O/tests/core/$v" && run ./core sites) >"$out" 2>&1 || { cat "$out"; fail "core sites in $v"; }
	for f in tf_add tf_add_v2 tf_mul tf_args6 tf_args8 tf_fp8 tf_mixed tf_recurse main do_calls; do
		grep -q "^site $f " "$out" || fail "$v: no site for $f"
	done
	# Static functions are found too (from .symtab).
	grep -q "^site count_cb " "$out" || fail "$v: no site for the static count_cb"
	# Sections: 0 = after start-up, 1 = enabled, 2 = after unregister.
	awk '/^enabled$/ { s = 1; next } /^disabled$/ { s = 2; next } /^site / { print s + 0, $2, $4 }' \
		"$out" >"$T/$v.sites"
	while read -r sec name bytes; do
		if grep -qE -f "$nops" <<<"$bytes"; then
			[ "$sec" != 1 ] || fail "$v: $name is still a NOP ($bytes) while enabled"
		else
			[ "$sec" = 1 ] || fail "$v: $name is not a NOP ($bytes) in section $sec"
		fi
	done <"$T/$v.sites"
	for sec in 1 2; do
		[ "$(grep -c "^$sec " "$T/$v.sites")" -eq "$(grep -c '^0 ' "$T/$v.sites")" ] ||
			fail "$v: section $sec does not list every site"
	done
	n=$((n + 1))
done
pass "sites in $n variants"
