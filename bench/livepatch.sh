#!/bin/bash
# The cost per call of a live-patched function (site -> regs trampoline ->
# the livepatch ops -> the replacement) against calling the replacement
# directly: ns per call (median of 5 paired runs) and callgrind instructions
# per call (stable). Usage: bench/livepatch.sh [BUILD_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-$top/build/$(gcc -dumpmachine)}
w=${BENCH_TMP:-/tmp}/dft-lp-bench
mkdir -p "$w"
flags=$(sed -n 's/^INSTRUMENT_CFLAGS := //p' "$top/arch/$(uname -m)/arch.mk")
gcc -O2 $flags -I"$top/include" "$top/bench/src/lp_cost.c" -o "$w/lp_cost" \
	-L"$O" -ldynftrace -Wl,-rpath,"$O" -ldl
gcc -O2 -shared -fPIC -I"$top/include" "$top/bench/src/lp_cost_fix.c" -o "$w/fix.so"
N=20000000
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in 1 2 3 4 5; do
	"$w/lp_cost" "$w/fix.so" patched $N
	"$w/lp_cost" "$w/fix.so" direct $N
done | awk '{ v[$1] = v[$1] " " $2 } END { for (k in v) print k, v[k] }' |
	while read -r mode vals; do
		med=$(echo $vals | tr ' ' '\n' | sort -n | sed -n 3p)
		echo "$mode: median $med ns/call ($vals)"
	done
if command -v valgrind >/dev/null; then
	for mode in patched direct; do
		for n in 100000 200000; do
			valgrind --tool=callgrind --callgrind-out-file=/dev/null "$w/lp_cost" \
				"$w/fix.so" $mode $n 2>&1 | sed -n "s/.*Collected : \([0-9]*\).*/$mode $n \1/p"
		done
	done | awk '{ ir[$1 " " $2] = $3 } END {
		for (m in a) ;
		p = (ir["patched 200000"] - ir["patched 100000"]) / 100000
		d = (ir["direct 200000"] - ir["direct 100000"]) / 100000
		printf "callgrind: patched %.1f instructions/call, direct %.1f, cost of the patch %.1f\n", p, d, p - d }'
fi
