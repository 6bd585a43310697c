#!/bin/bash
# Instructions per traced call on a foreign architecture (issue 10), where
# valgrind cannot run: qemu-user executes one instruction per translation
# block and logs each block it runs, so the log's lines are the guest's
# instructions. As bench/hotpath.py does with callgrind: the difference of
# a big and a tiny run of src/hotpath.c under each tracer, over the same
# difference of the uninstrumented build, per call. The log goes through a
# pipe into wc (a big run executes some 10^7 instructions).
#
#   bench/qemu_insns.sh                       AArch64, this tree's runtime
#   TRIPLE=arm-linux-gnueabihf bench/qemu_insns.sh
#   BEFORE=build/aarch64-old bench/qemu_insns.sh   also an older build's runtime
#
# The runtime must be built first (make CROSS_COMPILE=$TRIPLE- O=build/$TRIPLE).
# Needs gcc-$TRIPLE and qemu-user-static. Prints a markdown table.
set -eu
cd "$(dirname "$0")/.."
TRIPLE=${TRIPLE:-aarch64-linux-gnu}
ARCH=${TRIPLE%%-*}
O=${O:-build/$TRIPLE}
QEMU=qemu-$ARCH-static
TMP=${BENCH_TMP:-/tmp/dft-bench-qemu}
BIG=${BIG:-18 5000}
TINY=${TINY:-2 0}
command -v "$QEMU" >/dev/null && command -v "$TRIPLE-gcc" >/dev/null || {
	echo "bench/qemu_insns.sh: needs $QEMU and $TRIPLE-gcc (apt-get install qemu-user-static gcc-$TRIPLE)" >&2
	exit 1
}
[ -f "$O/libdynftrace.so" ] || {
	echo "bench/qemu_insns.sh: no $O/libdynftrace.so: make CROSS_COMPILE=$TRIPLE- O=$O first" >&2
	exit 1
}
# qemu 8.1 renamed -singlestep.
one=-singlestep
"$QEMU" -h | grep -q -- -one-insn-per-tb && one=-one-insn-per-tb
flags=$(sed -n 's/^INSTRUMENT_CFLAGS := //p' "arch/$ARCH/arch.mk")

rm -rf "$TMP" && mkdir -p "$TMP"
"$TRIPLE-gcc" -O2 bench/src/hotpath.c -o "$TMP/base"
"$TRIPLE-gcc" -O2 $flags bench/src/hotpath.c -o "$TMP/inst"

# insns BINARY ARGS -- [VAR=VALUE...]: the instructions the guest executed.
insns() {
	local bin=$1 a=$2 b=$3 env=() fifo=$TMP/log
	shift 4
	for e in "$@"; do env+=(-E "$e"); done
	rm -rf "$TMP/out" "$fifo" && mkdir -p "$TMP/out" && mkfifo "$fifo"
	wc -l <"$fifo" >"$TMP/n" &
	"$QEMU" -L "/usr/$TRIPLE" $one -d nochain,exec -D "$fifo" "${env[@]}" "$TMP/$bin" "$a" "$b" \
		>/dev/null
	wait
	cat "$TMP/n"
}

calls() { "$QEMU" -L "/usr/$TRIPLE" "$TMP/base" "$@" | sed -n 's/^calls=\([0-9]*\).*/\1/p'; }

# shellcheck disable=SC2086
{
	c1=$(calls $BIG)
	c0=$(calls $TINY)
	b1=$(insns base $BIG --)
	b0=$(insns base $TINY --)
}
echo "qemu-$ARCH ($("$QEMU" --version | head -1 | sed 's/.*version //'), $one): instructions per call of bench/src/hotpath.c ($BIG minus $TINY: $((c1 - c0)) calls), over the uninstrumented build ($(((b1 - b0) / (c1 - c0))) per call)"
# Where this tree's port has no direct trampolines, the generic path only.
paths="direct generic"
grep -q '^#define HAVE_DFT_DIRECT' "arch/$ARCH/arch.h" || paths=generic
echo "(direct: the tracers' direct trampolines where the runtime has them, else the generic path too;"
echo "generic: DYNFTRACE_NO_DIRECT=1)"
echo
echo "| runtime | tracer | path | instructions per call |"
echo "|---|---|---|---|"
for lib in "$O" ${BEFORE:+"$BEFORE"}; do
	lib=$(cd "$lib" && pwd)
	for t in function function_graph profile; do
		for path in $paths; do
			env=(LD_PRELOAD=$lib/libdynftrace.so DYNFTRACE_DIR=$TMP/out DYNFTRACE_TRACER=$t)
			[ $path = generic ] && env+=(DYNFTRACE_NO_DIRECT=1)
			# shellcheck disable=SC2086
			{
				v1=$(insns inst $BIG -- "${env[@]}")
				v0=$(insns inst $TINY -- "${env[@]}")
			}
			echo "| ${lib#"$PWD"/} | $t | $path | $(echo "scale=1; (($v1 - $v0) - ($b1 - $b0)) / ($c1 - $c0)" | bc) |"
		done
	done
done
