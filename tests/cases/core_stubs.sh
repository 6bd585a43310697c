#!/bin/bash
# Branch stubs near a module: the program is linked at the traditional
# non-PIE address (0x400000, or 0x10000 on ARM), far beyond a direct call's
# reach of the runtime's trampolines in the libraries' area (±2 GiB on
# x86-64, ±128 MiB on AArch64, ±16/32 MiB on ARM), so every site calls a
# stub near the program. Calls, registers and redirects must work the same.
. "$(dirname "$0")/../lib.sh"
n=0
while IFS='|' read -r v cc flags; do
	d=$T/$v
	mkdir -p "$d"
	build_variant "$d/core" "$cc" "$flags -fno-pie -no-pie" "$TOP/tests/prog/core.c" \
		"$TOP/tests/prog/core_funcs.c" "$TOP/tests/prog/core_api.c" \
		-- -L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR" -ldl -lpthread
	for t in calls regs redirect; do
		(cd "$d" && run ./core $t) >"$d.$t.out" 2>&1 || { cat "$d.$t.out"; fail "core $t in $v"; }
	done
	n=$((n + 1))
done < <(ENTRY_ONLY=1 variants | grep -e '-O2|')
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "stubs in $n variants"
