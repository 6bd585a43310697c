#!/bin/bash
# The runtime reaches its own data and code without the GOT: every global
# it defines, but the public API, is hidden where it is declared
# (#pragma GCC visibility in core/internal.h, record/record.h, util/*.h),
# so no object of libdynftrace has a GOT relocation against one of them
# (dft_single_ops, dft_fids, dft_lock, ... are reached PC-relative).
. "$(dirname "$0")/../lib.sh"
cd "$T" || fail "no test dir"
objs=$(cd "$O" && ls core/*.o record/*.o util/*.o arch/*/*.o 2>/dev/null)
[ -n "$objs" ] || fail "no runtime objects in $O"
read_elf=$(command -v "${CROSS_COMPILE}readelf" || command -v readelf) || skip "no readelf"
nm_=$(command -v "${CROSS_COMPILE}nm" || command -v nm) || skip "no nm"
# The runtime's own globals, and the API (which is exported: its address
# may rightly come from the GOT).
(cd "$O" && $nm_ --defined-only $objs) | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' | sort -u >own
grep -oE '\b(dft_[a-z_]+)\(' "$TOP/include/dynftrace.h" | tr -d '(' | sort -u >api
comm -23 own api >internal
[ "$(grep -cx -e dft_single_ops -e dft_fids -e dft_lock internal)" = 3 ] ||
	fail "the runtime's globals were not found: $(head internal)"
(cd "$O" && for f in $objs; do
	$read_elf -rW "$f" | awk -v f="$f" '$3 ~ /GOT/ && $3 !~ /TLS|TPOFF|TPREL/ { print f, $3, $5 }'
done) >got
awk 'NR == FNR { own[$1] = 1; next } ($3 in own)' internal got >bad
[ -s bad ] && { cat bad; fail "GOT loads of the runtime's own symbols"; }
pass "no GOT load of $(wc -l <internal) internal symbols ($(wc -l <got) GOT relocations, to libc and the API)"
