#!/bin/bash
# Trace buffers (issue 16): instructions per event under callgrind, wall
# time per call, and the memory of a traced process, for the runtime of
# this tree against another build (BEFORE=dir of an older build's
# libdynftrace.so, optional). Prints a markdown table; not part of CI.
#   bench/buffers.sh [N]             N calls of outer()+inner() (default 2000000)
#   BIG_GB=10 bench/buffers.sh       also the address space of a 10 GB trace
set -eu
cd "$(dirname "$0")/.."
O=${O:-build/$(gcc -dumpmachine)}
N=${1:-2000000}
TMP=${BENCH_TMP:-/tmp/dft-bench-buffers}
rm -rf "$TMP" && mkdir -p "$TMP"
prog=$TMP/trace_buf
gcc -O2 -fpatchable-function-entry=5 -Itests/prog -o "$prog" tests/prog/trace_buf.c -lpthread

run_traced() { # LIBDIR DIR ARGS...: the runtime driven as record drives it
	local lib=$1 dir=$2
	shift 2
	rm -rf "$dir" && mkdir -p "$dir"
	printf 'version=0\ntracer=function_graph\nargv=bench\noptions=\nstart=0\npid=0\n' >"$dir/info"
	DYNFTRACE_DIR=$dir DYNFTRACE_TRACER=function_graph LD_PRELOAD=$lib/libdynftrace.so "$@"
}

ir() { # LIBDIR N: instructions of a traced run
	DYNFTRACE_DIR="$TMP/cg" DYNFTRACE_TRACER=function_graph LD_PRELOAD="$1/libdynftrace.so" \
		valgrind --tool=callgrind --smc-check=all --callgrind-out-file="$TMP/cg.out" \
		"$prog" calls "$2" >/dev/null 2>&1 || true
	sed -n 's/^summary: *//p' "$TMP/cg.out"
}

measure() { # NAME LIBDIR
	local name=$1 lib=$2 small=20000 big=200000 a b t rss vm
	mkdir -p "$TMP/cg"
	a=$(ir "$lib" $small)
	b=$(ir "$lib" $big)
	# 4 events per call of outer()
	echo "| $name | instructions per event | $(echo "scale=1; ($b - $a) / (4 * ($big - $small))" | bc) |"
	rm -rf "$TMP/t" && mkdir -p "$TMP/t"
	t=$( { DYNFTRACE_DIR=$TMP/t DYNFTRACE_TRACER=function_graph LD_PRELOAD=$lib/libdynftrace.so \
		/usr/bin/time -f "%e %M" "$prog" calls "$N" >/dev/null; } 2>&1 | tail -1)
	echo "| $name | seconds for $N calls (4 events each), peak RSS KiB | $t |"
}

echo "| runtime | what | value |"
echo "|---|---|---|"
t=$( { /usr/bin/time -f "%e %M" "$prog" calls "$N" >/dev/null; } 2>&1 | tail -1)
echo "| none | seconds for $N calls, peak RSS KiB | $t |"
[ -n "${BEFORE:-}" ] && measure before "$BEFORE"
measure after "$O"

if [ -n "${BIG_GB:-}" ]; then
	# Calls of 24 bytes of events: BIG_GB GiB of trace, with the address
	# space and resident set the kernel saw at their peak.
	n=$((BIG_GB * (1 << 30) / 24))
	for which in ${BEFORE:+before} after; do
		lib=$O
		[ $which = before ] && lib=$BEFORE
		run_traced "$lib" "$TMP/big" sh -c 'exec "$0" calls "$1" & p=$!; peak=0;
			while kill -0 $p 2>/dev/null; do
				v=$(awk "/^VmPeak:/ {print \$2}" /proc/$p/status 2>/dev/null)
				r=$(awk "/^VmHWM:/ {print \$2}" /proc/$p/status 2>/dev/null)
				[ -n "$v" ] && echo "$v $r" >"$0.peak"; sleep 0.5; done; wait $p' "$prog" "$n" \
			>/dev/null 2>&1 || true
		echo "| $which | ${BIG_GB} GB trace: stream bytes, VmPeak KiB, VmHWM KiB | $(du -cb "$TMP"/big/*.dat | tail -1 | cut -f1), $(cat "$prog.peak") |"
		rm -rf "$TMP/big"
	done
fi
rm -rf "$TMP"
