#!/bin/bash
# The runtime works in units of the kernel's page size, never 4096: with
# DYNFTRACE_PAGE_SIZE=65536 (and 16384) text protection, stub pages and the
# IPI page take the 16K/64K paths of AArch64 kernels, here on any kernel.
# Calls, dlopen and live patching under threads must all work.
. "$(dirname "$0")/../lib.sh"
n=0
for v in $(build_core | grep -E -e '-O2$'); do
	for ps in 16384 65536; do
		for t in calls "dlopen ./libcore_lib.so" "patch_stress 50"; do
			# shellcheck disable=SC2086
			(cd "$O/tests/core/$v" && DYNFTRACE_PAGE_SIZE=$ps run ./core $t) \
				>"$T/$v.out" 2>&1 || { cat "$T/$v.out"; fail "core $t in $v, pages of $ps"; }
		done
	done
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for any variant"
pass "calls, dlopen, patching with 16K and 64K pages in $n variants"
