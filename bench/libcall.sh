#!/bin/bash
# The cost per library call (core/plt.c), in ns, median of ROUNDS paired
# runs, each against the plain program in the same round:
#   plain      no runtime
#   stub       recorded, lib_nop's stub not traced (-N lib_nop): NOP + jump
#   off        recorded with --no-libcall (the GOT untouched)
#   function   recorded with -t function: one event per call
#   graph      recorded with the default tracer: entry, return hook, exit
# Usage: bench/libcall.sh [CALLS] [ROUNDS]   (after make)
set -eu
cd "$(dirname "$0")/.."
n=${1:-5000000} rounds=${2:-5}
O=build/$(gcc -dumpmachine)
w=$(mktemp -d /dev/shm/dft-libcall.XXXXXX)
trap 'rm -rf "$w"' EXIT
flags=$(sed -n 's/^INSTRUMENT_CFLAGS := //p' arch/"$(uname -m)"/arch.mk)
gcc -O2 -fPIC -shared -DBENCH_LIB bench/src/libcall_bench.c -o "$w/libnop.so"
# shellcheck disable=SC2086
gcc -O2 $flags bench/src/libcall_bench.c -o "$w/prog" -L"$w" -lnop -Wl,-rpath,"$w"
run() { "$@" "$w/prog" "$n" | cut -d' ' -f1; }
dft() { "$O/dynftrace" record -f -o "$w/tr" "$@" -- 2>/dev/null; }
declare -A all
for r in $(seq "$rounds"); do
	all[plain]+="$(run) "
	all[stub]+="$(run dft -N lib_nop) "
	all[off]+="$(run dft --no-libcall) "
	all[function]+="$(run dft -t function) "
	all[graph]+="$(run dft) "
done
med() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(echo "${all[plain]}" | med)
echo "# $n calls, median of $rounds rounds, load $(cut -d' ' -f1 /proc/loadavg)"
for k in plain off stub function graph; do
	m=$(echo "${all[$k]}" | med)
	printf '%-9s %8s ns/call  (+%s ns, x%s)\n' "$k" "$m" \
		"$(echo "$m - $base" | bc -l | xargs printf '%.2f')" "$(echo "$m / $base" | bc -l | xargs printf '%.1f')"
done
