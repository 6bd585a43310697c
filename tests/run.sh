#!/bin/bash
# Runs every tests/cases/*.sh (or the ones named) against one build, in
# parallel, and ends with the summary line "N passed, N failed, N skipped".
# A case exits 0 to pass, 77 to skip, anything else to fail.
#
# Environment: O (build dir), CC, CROSS_COMPILE, ARCH, RUN (emulator
# prefix, empty natively and under binfmt_misc), EMULATED (the emulator,
# empty natively), JOBS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP=$(cd "$here/.." && pwd)
export O=${O:-build/$(${CC:-gcc} -dumpmachine)}
case $O in /*) ;; *) O=$TOP/$O ;; esac
export O
jobs=${JOBS:-$(nproc)}
out=$O/tests/log
mkdir -p "$out"
# This run's results: apart from those of a run beside it on the same build.
res=$(mktemp -d "$out/run.XXXXXX")
trap 'rm -rf "$res"' EXIT

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
	# The long cases (those with a "# timeout:" line) first, so that they
	# run beside the others instead of after them.
	mapfile -t cases < <(grep -l '^# timeout:' "$here"/cases/*.sh
		grep -L '^# timeout:' "$here"/cases/*.sh)
fi

run_one() {
	local c=$1 name
	name=$(basename "$c" .sh)
	local t0=$(date +%s)
	# A case may ask for more time with a "# timeout: SECONDS" line.
	local limit
	limit=$(sed -n 's/^# timeout: *\([0-9]*\)$/\1/p' "$c" | head -1)
	timeout -k 10 ${CASE_TIMEOUT:-${limit:-900}} bash "$c" >"$out/$name.log" 2>&1
	local rc=$? t1=$(date +%s)
	local res=FAIL
	[ $rc -eq 0 ] && res=PASS
	[ $rc -eq 77 ] && res=SKIP
	echo "$res" >"$resdir/$name.res"
	printf '%-4s %-32s %3ss %s\n' "$res" "$name" $((t1 - t0)) "${EMULATED:+[${ARCH:-}]}"
	if [ $res = FAIL ]; then sed -e 's/^/    | /' "$out/$name.log" | tail -40; fi
}
export -f run_one
export out resdir=$res

printf '%s\n' "${cases[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}

pass=$(grep -l PASS "$res"/*.res 2>/dev/null | wc -l)
fail=$(grep -l FAIL "$res"/*.res 2>/dev/null | wc -l)
skip=$(grep -l SKIP "$res"/*.res 2>/dev/null | wc -l)
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
