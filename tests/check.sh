#!/bin/bash
# make check: the suite natively, then under qemu-user for each installed
# cross toolchain. A missing toolchain or emulator is reported as skipped,
# loudly. Ends with one summary line over all targets.
set -u
cd "$(dirname "$0")/.."
total_p=0 total_f=0 total_s=0
summary() {
	local line=$1 p f s
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
	total_p=$((total_p + ${p:-0})) total_f=$((total_f + ${f:-1})) total_s=$((total_s + ${s:-0}))
}

. tests/binfmt.sh

# run_target NAME CROSS_COMPILE RUN EMULATED [OPT_LEVELS]
# RUN: the emulator prefix of each command, when binfmt_misc is not set up
# (then nothing can exec a foreign binary). EMULATED: the emulator's name,
# for the cases that depend on a limit of qemu-user (ptrace, addresses of
# process_vm_readv), empty natively.
run_target() {
	local name=$1 cross=$2 run=$3 emulated=$4 opts=${5:--O0 -O2} out
	echo "=== $name${run:+ (no binfmt: exec of foreign programs is not tested)}"
	out=$(CROSS_COMPILE=$cross CC=${cross}gcc ARCH=$name RUN=$run EMULATED=$emulated \
		OPT_LEVELS=$opts O=${TARGET_O:-build/$(${cross}gcc -dumpmachine)} tests/run.sh "${CASES[@]}" 2>&1 |
		tee -a /dev/stderr | tail -1)
	summary "$out"
}

CASES=()
if [ -n "${SAN_FLAGS:-}" ]; then
	# make check SAN=...: natively only, into the sanitizer build (the
	# Makefile's O), with SAN_CASES (default: all) as the cases. A process
	# a sanitizer stops exits 86, which no case expects; ASan also writes
	# its report to $san/, whatever the exit status the case expected
	# (gcc's UBSan writes to stderr only), and any error there fails the
	# run. verify_asan_link_order=0: gcc's libasan (the command's) is a
	# shared library, and the runtime may be preloaded ahead of it.
	# handle_*=0: the signals the cases raise on purpose (a program that
	# crashes) stay the kernel's, as the cases expect.
	export TARGET_O=${O:?make check sets O}
	san=$TARGET_O/tests/san
	rm -rf "$san" && mkdir -p "$san"
	san=$(cd "$san" && pwd)
	local_sig=handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0
	export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=${SAN_LEAKS:-0}:$local_sig:log_path=$san/asan:exitcode=86
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:$local_sig:log_path=$san/ubsan:exitcode=86
	for c in ${SAN_CASES:-}; do CASES+=("tests/cases/$c.sh"); done
	run_target "$(uname -m)" "" "" ""
	# Errors only: ASan also writes warnings there (swapcontext: trace_coro).
	reports=$(grep -l -E 'ERROR|runtime error' "$san"/* 2>/dev/null)
	if [ -n "$reports" ]; then
		echo "=== sanitizer reports ($san):" >&2
		# shellcheck disable=SC2086
		head -n 30 $reports >&2
		total_f=$((total_f + 1))
	fi
	echo "$total_p passed, $total_f failed, $total_s skipped (SAN: $SAN_FLAGS)"
	[ $total_f -eq 0 ]
	exit
fi
run_target "$(uname -m)" "" "" ""
for triple in arm-linux-gnueabihf aarch64-linux-gnu; do
	arch=${triple%%-*}
	qemu=qemu-$arch-static
	if ! command -v ${triple}-gcc >/dev/null || ! command -v $qemu >/dev/null; then
		echo "=== $triple: SKIPPED: ${triple}-gcc or $qemu is not installed" \
			"(apt-get install gcc-$triple qemu-user-static)" >&2
		total_s=$((total_s + 1))
		continue
	fi
	# O explicitly: make check exports the native one.
	if ! make -s -j"$(nproc)" CROSS_COMPILE=${triple}- O=build/$triple >/dev/null; then
		echo "=== $triple: build FAILED" >&2
		total_f=$((total_f + 1))
		continue
	fi
	# Under emulation each site form is built at -O2 only: the -O0 builds
	# exercise the compiler, not the port, and qemu is slow.
	if binfmt_setup "$arch"; then
		# The guest's dynamic linker and libraries, for every process.
		QEMU_LD_PREFIX=/usr/$triple run_target "$arch" "${triple}-" "" "$qemu" -O2
	else
		echo "=== $triple: binfmt_misc is NOT set up: falling back to running each" \
			"command under $qemu, which cannot follow exec" >&2
		run_target "$arch" "${triple}-" "$qemu -L /usr/$triple" "$qemu" -O2
	fi
done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ $total_f -eq 0 ]
