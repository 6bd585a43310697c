#!/bin/bash
# 32-bit ARM: A32 and Thumb-2 functions calling each other, all traced, in
# every ARM site form (tests/prog/interwork.c); redirects across the two
# instruction sets. At -O2 only: the optimisation level is not what is
# tested. Other architectures have one instruction set: skipped.
. "$(dirname "$0")/../lib.sh"
[ "$(arch_dir)" = arm ] || skip "A32/Thumb-2 interworking is an ARM matter"
n=0
while IFS='|' read -r v cc flags; do
	# Each half in its own instruction set, whatever the variant's; Thumb
	# needs three NOPs (A32 uses two of them).
	flags=${flags//-marm/}
	flags=${flags//-mthumb/}
	flags=${flags//-fpatchable-function-entry=2/-fpatchable-function-entry=3}
	d=$T/$v
	mkdir -p "$d"
	for half in arm thumb; do
		# shellcheck disable=SC2086
		$cc $flags -m$half -g -fno-inline -I"$TOP/include" -I"$TOP/tests/prog" \
			-c "$TOP/tests/prog/interwork_$half.c" -o "$d/$half.o" || fail "compile $half in $v"
	done
	build_variant "$d/interwork" "$cc" "$flags -mthumb" "$TOP/tests/prog/interwork.c" -- \
		"$d/arm.o" "$d/thumb.o" -L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR"
	(cd "$d" && run ./interwork) >"$d.out" 2>&1 || { cat "$d.out"; fail "interwork in $v"; }
	n=$((n + 1))
done < <(variants | grep -e '-O2|')
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "interwork in $n variants"
