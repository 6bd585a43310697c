#!/bin/bash
# The fuzz targets' committed inputs through the command (fuzz/README.md):
# every trace of fuzz/corpus/trace, the crashes the fuzzer found among
# them, printed in every format, and every file of fuzz/corpus/elf listed.
# Each must end with status 0 or 1, with no signal and, in make check
# SAN=..., no sanitizer report (the bugs they found were undefined
# behaviour, which only the sanitizers see: tests/check.sh fails the run
# on any report).
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
# Under an emulator: the crashes found and every 10th other input (the
# whole corpus is about 4,000 emulated runs).
pick() {
	local i=0 f
	for f in "$@"; do
		case "$(basename "$f")" in crash-*) echo "$f"; continue ;; esac
		[ -z "$EMULATED" ] || [ $((i++ % 10)) = 0 ] && echo "$f"
	done
}
n=0
for f in $(pick "$TOP"/fuzz/corpus/trace/*); do
	d=$T/$(basename "$f")
	rm -rf "$d" && mkdir -p "$d" || fail "mkdir $d"
	$PYTHON "$TOP/fuzz/pack.py" -u "$f" "$d" || fail "unpack $f"
	for fmt in text graph chrome perfetto folded svg profile task; do
		dft report -i "$d" --format $fmt -o "$T/out" 2>"$T/err"
		rc=$?
		[ $rc -le 1 ] || { cat "$T/err"; fail "report --format $fmt of $(basename "$f"): status $rc"; }
		n=$((n + 1))
	done
done
for f in $(pick "$TOP"/fuzz/corpus/elf/*); do
	dft list "$f" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -le 1 ] || { cat "$T/err"; fail "list $(basename "$f"): status $rc"; }
	n=$((n + 1))
done
[ $n -gt 100 ] || fail "only $n runs"
pass "$n reports and lists of the fuzz corpus"
