#!/bin/bash
# report streams: on a generated trace of 4 million events its memory stays
# small (it is bounded whatever the length), and folded and profile agree.
# Prints the conversion rate; the speed itself is a benchmark, not a test.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf big
mkdir big
printf 'version=0.1.0\ntracer=function_graph\nargv=bench\noptions=\nstart=0\npid=1\n' >big/info
printf 'ticks_per_sec=3000000000 source=tsc mono0=0 ticks0=0\n' >big/clock-1
printf 'status=0\n' >big/exit-1
"$GENTRACE" --bench big 2000000 || fail "gentrace"
command -v /usr/bin/time >/dev/null || skip "no /usr/bin/time to measure memory"
for f in folded profile; do
	/usr/bin/time -f "%e %M" -o time.$f $RUN "$DFT" report -i big --format $f >out.$f ||
		fail "report $f"
	read -r secs kb <time.$f
	echo "$f: 4000000 events in $secs s, max RSS $kb KiB"
	# (an emulator's own memory would count too)
	[ -n "$EMULATED" ] || [ "$kb" -lt 65536 ] || fail "report $f used $kb KiB on a 48 MB trace"
done
grep -q "^bench_f0;bench_f2;bench_f5 " out.folded || fail "folded: $(head out.folded)"
check_totals big
rm -rf big
pass "streaming report"
