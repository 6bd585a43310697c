#!/bin/bash
# Vector arguments (x86-64 __m128/__m256/__m512 in xmm/ymm/zmm0-7) and
# return values survive callbacks that use AVX and AVX-512, on the plain
# and the regs caller and the graph return hook, and a double changed with
# dft_regs_set_fparg() still reaches the function. See
# tests/prog/core_vector.c. Exits 77 where the CPU has no AVX.
. "$(dirname "$0")/../lib.sh"
[ "$(arch_dir)" = x86_64 ] || skip "x86-64 only: its vector argument registers are wider than what the accessors see"
n=0
while IFS='|' read -r v cc flags; do
	d=$T/$v
	mkdir -p "$d"
	# The vector halves with their -m flag (see tests/prog/core_vector.h);
	# the driver is baseline x86-64, and calls them only where they run.
	for w in avx avx512; do
		m=-mavx
		[ $w = avx512 ] && m=-mavx512f
		# shellcheck disable=SC2086
		$cc $flags $m -g -fno-inline -I"$TOP/include" -I"$TOP/tests/prog" \
			-c "$TOP/tests/prog/core_vector_$w.c" -o "$d/core_vector_$w.o" ||
			fail "compile core_vector_$w.c with $cc $flags $m"
	done
	build_variant "$d/core_vector" "$cc" "$flags" "$TOP/tests/prog/core_vector.c" -- \
		"$d/core_vector_avx.o" "$d/core_vector_avx512.o" \
		-L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR" -ldl -lpthread
	(cd "$d" && run ./core_vector) >"$T/$v.out" 2>&1
	rc=$?
	[ $rc -eq 77 ] && skip "$(sed -n 's/^SKIP: //p' "$T/$v.out" | head -1)"
	[ $rc -eq 0 ] || { cat "$T/$v.out"; fail "core_vector in variant $v"; }
	n=$((n + 1))
done < <(variants)
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "core_vector in $n variants"
