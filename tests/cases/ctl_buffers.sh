#!/bin/bash
# record -p with --ring and --max-size, as a launched recording: the test
# server, started without dynftrace and driven by a client, is recorded into
# a 64K ring per thread (function, then function_graph) and within a 64K
# budget; the streams stay within those sizes, record says what was left
# out, the reports work, and a later recording in the same process without
# either is linear again (the settings are each recording's own). Native
# only: attach needs ptrace.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
[ "$(arch_dir)" = x86_64 ] || skip "ptrace attach is tested on x86-64 only (see README)"

IFS='|' read -r v cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
[ -n "$v" ] || skip "no compiler for an entry-site variant"
build_server "$v" "$cc" "$flags"
srv=$T/$v/srv
start_server "$srv" 2
trap stop_server EXIT
start_client "$srv" 2 8 "$T/client"
sleep 0.3

# rec NAME OPTIONS...: record -p for a second into $T/NAME.
rec() {
	local name=$1
	shift
	$DFT record -p "$SRV_PID" "$@" --duration 1 -o "$T/$name" -f 2>"$T/$name.err" ||
		{ cat "$T/$name.err"; fail "$name: record -p $*"; }
	$DFT report -i "$T/$name" >"$T/$name.report" 2>"$T/$name.report.err" ||
		{ cat "$T/$name.report.err"; fail "$name: report"; }
}
streams() { du -cb "$T/$1"/*.dat | tail -1 | cut -f1; }
ring=$((64 << 10))

for tracer in function function_graph; do
	rec ring-$tracer -t $tracer --ring 64K
	for f in "$T/ring-$tracer"/*.dat; do
		# A stream header (64 bytes) and the ring.
		[ "$(stat -c %s "$f")" -le $((ring + 64)) ] || fail "ring-$tracer: $f: over the 64K ring"
	done
	grep -Eq 'flight recorder: .* kept in 2 rings, [1-9][0-9]* older chunks overwritten' \
		"$T/ring-$tracer.err" || { cat "$T/ring-$tracer.err"; fail "ring-$tracer: no summary of the ring"; }
	grep -q 'srv_compute' "$T/ring-$tracer.report" || fail "ring-$tracer: srv_compute not in the report"
done

rec max -t function_graph --max-size 64K
[ "$(streams max)" -le $ring ] || fail "max: $(streams max) bytes of streams, over --max-size 64K"
grep -q 'stopped when it reached --max-size 64.0 KiB' "$T/max.err" || { cat "$T/max.err"; fail "max: no summary"; }
grep -q 'LOST .* (--max-size reached' "$T/max.report" || fail "max: the report does not say where it stopped"

# Neither now: no ring, no budget left from the recordings before.
rec plain -t function
grep -q 'flight recorder\|max-size' "$T/plain.err" && { cat "$T/plain.err"; fail "plain: a ring or budget of before"; }
# The streams' own header says ring or linear (flags at offset 16,
# DFT_STREAM_RING); how much the server did in a second depends on the load.
for f in "$T"/ring-function/*.dat "$T"/plain/*.dat; do
	ringflag=$(($(od -An -t u4 -j 16 -N 4 "$f") & 1))
	case $f in
	*/plain/*) [ $ringflag = 0 ] || fail "plain: $f is still a ring" ;;
	*) [ $ringflag = 1 ] || fail "ring-function: $f is not a ring" ;;
	esac
done
[ -e "$T/plain/budget" ] && fail "plain: a budget file"
check_client "$T/client"
stop_server
pass "record -p --ring 64K (function, function_graph) and --max-size 64K, then neither"
