#!/bin/bash
# The cost per library call (core/plt.c), in ns, median of ROUNDS paired
# runs, each against the plain program in the same round:
#   plain      no runtime
#   stub       recorded, lib_nop not traced (-N lib_nop): its GOT slot is left alone
#   off        recorded with --no-libcall (the GOT untouched)
#   function   recorded with -t function: one event per call
#   graph      recorded with the default tracer: entry, return hook, exit
# Then, with valgrind, instructions per call (callgrind, stable on a busy
# machine): the difference between 200000 and 100000 calls, / 100000.
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
command -v valgrind >/dev/null || { echo "# no valgrind: no instruction counts"; exit 0; }
ir() {
	local n=$1 f=$w/cg
	shift
	"$@" valgrind --tool=callgrind --smc-check=all --callgrind-out-file="$f" "$w/prog" "$n" \
		>/dev/null 2>&1
	sed -n 's/^summary: //p' "$f"
}
# valgrind has no call sites: --force.
vdft() { "$O/dynftrace" record --force -f -o "$w/tr" "$@" --; }
echo "# instructions per call (callgrind)"
for k in plain off stub function graph; do
	case $k in
	plain) set -- env ;;
	off) set -- vdft --no-libcall ;;
	stub) set -- vdft -N lib_nop ;;
	function) set -- vdft -t function ;;
	graph) set -- vdft ;;
	esac
	a=$(ir 100000 "$@") b=$(ir 200000 "$@")
	printf '%-9s %6s instructions/call\n' "$k" $(((b - a) / 100000))
done
