#!/bin/bash
# dynftrace ctl PID snapshot -o DIR: a three-threaded program runs under
# `record --ring 4M`, each thread calling phase_a() until a SIGUSR1, then
# phase_b() until the next, then exactly K calls of final(). While its
# threads overwrite their rings, a snapshot is taken in each of the first
# two phases, the second right after the switch, with the race forced
# (each thread's oldest chunk overwritten while it is copied: it must be
# left out, the seqlock's case): each is a private directory that the
# reports read cleanly,
# each thread's events nest (read by tests/prog/trace_read.py, apart from
# the command), the rings had wrapped, and each ends with the calls of the
# phase running when it was taken. The program runs on unaffected: its
# output, and exactly K final() calls per thread in the final trace. Then
# the refusals: DIR not empty, no -o, a dead pid, a process without the
# runtime, one with it that does not record, one recording without --ring.
# Natively on x86-64, a snapshot of a process recording under
# `record -p --ring` too.
# Under qemu-user the target is emulated and the host's dynftrace takes
# the snapshots (the control channel and the trace files are the same on
# every arch).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
H=$(host_dft)

v=$(ENTRY_ONLY=1 OPT_LEVELS=-O2 build_trace trace_buf trace_buf.c | head -1)
prog=$O/tests/trace/$v/trace_buf
k=3000
ring=$((4 << 20))
pids=()
rm -rf "$T"/snap* "$T"/full* "$T"/*.snap "$T"/linear*
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; kill -CONT "$p" 2>/dev/null; done' EXIT

# start_prog PIDFILE KIND...: runs the phases program in the background
# (KIND: record DIR [options], or preload); sets PID (the program's) and
# JOB (what to wait for).
start_prog() {
	local pidf=$1 kind=$2
	shift 2
	rm -f "$pidf"
	case $kind in
	record) record_run "$1" "${@:2}" -- "$prog" phases "$pidf" $k & ;;
	preload) run_preload "$prog" phases "$pidf" $k >/dev/null & ;;
	esac
	JOB=$!
	for _ in $(seq 600); do
		[ -s "$pidf" ] && break
		kill -0 $JOB 2>/dev/null || fail "the program did not start ($kind)"
		sleep 0.1
	done
	[ -s "$pidf" ] || fail "the program did not start ($kind)"
	PID=$(cat "$pidf")
	pids+=("$PID")
}

# wrapped DIR PID: every ring of PID has used all its chunks (the blocks
# of its file are taken as they are first used), and the writers go on.
wrapped() {
	local f n
	for _ in $(seq 1200); do
		n=0
		for f in "$1/$2".*.dat; do
			[ $(($(stat -c %b "$f") * 512)) -ge $ring ] && n=$((n + 1))
		done
		[ $n = 3 ] && break
		sleep 0.1
	done
	[ $n = 3 ] || fail "the rings did not fill: $(ls -ls "$1")"
	sleep 1
}

# snapshot NAME PHASE OTHER RACE [FORMATS]: takes one while PHASE runs, then
# checks it (reports in graph, folded and FORMATS, info). RACE=1: each thread's
# oldest chunk is overwritten while it is copied (DYNFTRACE_SNAPSHOT_RACE).
snapshot() {
	local s=$T/$1 phase=$2 other=$3 race=$4 formats=${5:-} tid f o seq n=0
	DYNFTRACE_SNAPSHOT_RACE=$race "$H" ctl "$PID" snapshot -o "$s" >"$s.msg" 2>&1 ||
		{ cat "$s.msg"; fail "$1: snapshot"; }
	grep -q "^snapshot of process $PID in $s: .* from 3 threads" "$s.msg" ||
		fail "$1: $(cat "$s.msg")"
	# With the race forced, each thread's oldest chunk was overwritten
	# while it was copied: left out.
	[ "$race" = 0 ] || grep -Eq '\(([3-9]|[1-9][0-9]+) chunks overwritten while copied left out\)$' \
		"$s.msg" || fail "$1: the chunks overwritten while copied were not left out: $(cat "$s.msg")"
	kill -0 "$PID" || fail "$1: the program died"
	sed "s|^|$1: |" "$s.msg"
	# Taken while it ran; checked while it waits (CPU for the checks).
	kill -STOP "$PID"
	[ "$(stat -c %a "$s")" = 700 ] || fail "$1: the directory is not private"
	[ -z "$(find "$s" -type f ! -perm 600)" ] || fail "$1: files not owner-only: $(ls -l "$s")"
	for f in "$s/$PID".*.dat; do
		seq=$(od -An -t u8 -j 72 -N 8 "$f" | tr -d ' ')
		[ "$seq" -gt 1 ] || fail "$1: $f starts at chunk $seq: its ring had not wrapped"
		n=$((n + 1))
	done
	[ $n = 3 ] || fail "$1: $n streams, not 3"
	# The reports read it like any trace (the other formats, 128 MB of
	# JSON among them, once: to /dev/null).
	for f in graph folded $formats; do
		o=$s.$f
		case $f in graph | folded) ;; *) o=/dev/null ;; esac
		run "$DFT" report -i "$s" --format $f >"$o" 2>"$s.$f.err" ||
			{ cat "$s.$f.err"; fail "$1: report --format $f"; }
		grep -v '^dynftrace: note: process [0-9]* was running when this snapshot' "$s.$f.err" |
			grep . && fail "$1: report --format $f complained"
	done
	run "$DFT" info -i "$s" >"$s.info" 2>&1 || { cat "$s.info"; fail "$1: info"; }
	grep -q "all .* running at the snapshot$" "$s.info" || { cat "$s.info"; fail "$1: info"; }
	grep -q "trace ends here .*the snapshot was taken inside them" "$s.graph" ||
		fail "$1: the report does not say where the snapshot ends"
	# Every thread's events nest, read apart from the command.
	tree "$s" >"$s.tree"
	[ "$(grep -c '^== thread' "$s.tree")" = 3 ] || fail "$1: not three threads in the tree"
	[ "$other" = b ] && grep -q '^ *phase_b\b' "$s.tree" && fail "$1: calls of a later phase"
	grep -Eq '^ *(final|last)\b' "$s.tree" && fail "$1: calls of the last phase"
	awk -v want="phase_$phase" -v what="$1" '
		/^== thread/ { if (t != "") check(); t = $0; lastp = ""; seen = 0; bad = 0; next }
		/^ *phase_/ { lastp = $1; if ($1 == want) seen = 1; else if (seen) bad = 1 }
		function check() {
			if (lastp != want || bad) {
				print what ": " t " ends with " lastp ", not " want > "/dev/stderr"
				exit 1
			}
		}
		END { check() }' "$s.tree" || fail "$1: not ending with the calls of phase_$phase"
	for tid in $(sed -n 's/^ *\([0-9]*\)).*/\1/p' "$s.graph" | sort -u); do
		grep "^ *$tid)" "$s.graph" | grep -Eo 'phase_[ab]|final' | tail -1 |
			grep -qx "phase_$phase" || fail "$1: the report of thread $tid does not end in phase_$phase"
	done
	kill -CONT "$PID"
}

# The run, and a snapshot in each of its first two phases.
out=$T/$v-rec
start_prog "$T/pid" record "$out" --ring 4M
wrapped "$out" "$PID"
snapshot snap1 a b 0
# Refused, and nothing written: DIR is not empty.
mkdir -p "$T/full" && echo keep >"$T/full/keep"
"$H" ctl "$PID" snapshot -o "$T/full" >"$T/full.err" 2>&1 && fail "a non-empty DIR was accepted"
grep -q "^dynftrace: $T/full exists and is not empty" "$T/full.err" || fail "$(cat "$T/full.err")"
[ "$(ls "$T/full")" = keep ] || fail "the non-empty DIR was changed"
"$H" ctl "$PID" snapshot >"$T/noout.err" 2>&1
[ $? = 2 ] || fail "snapshot without -o: $(cat "$T/noout.err")"
# Right after the switch, with the race forced: the chunk overwritten while
# it is copied has phase_b calls over phase_a ones, which a snapshot that
# kept it would show out of order.
kill -USR1 "$PID"
snapshot snap2 b a 1 "text chrome perfetto svg profile"
kill -USR1 "$PID"
wait $JOB || { cat "$out.out" "$out.err"; fail "the program failed"; }
grep -qx "phases $k $((3 * ((k + 1) / 2)))" "$out.out" || fail "the program's output: $(cat "$out.out")"
run "$DFT" report -i "$out" --format graph >"$out.graph" 2>"$out.graph.err" ||
	{ cat "$out.graph.err"; fail "report of the final trace"; }
n=0
for tid in $(sed -n 's/^ *\([0-9]*\)).*/\1/p' "$out.graph" | sort -u); do
	# A call split by a chunk's start shows as "final() {" and "}".
	c=$(grep "^ *$tid)" "$out.graph" | grep -cE ' final\(\)( \{|;)$')
	[ "$c" = $k ] || fail "final trace: thread $tid made $c calls of final(), not $k"
	n=$((n + 1))
done
[ $n = 3 ] || fail "final trace: $n threads, not 3"

# refuse NAME STATUS REGEX PID: the snapshot is refused with that message.
refuse() {
	local rc
	"$H" ctl "$4" snapshot -o "$T/$1.snap" >"$T/$1.err" 2>&1
	rc=$?
	[ $rc = "$2" ] || { cat "$T/$1.err"; fail "$1: exit status $rc, not $2"; }
	grep -qE -e "^dynftrace: .*$3" "$T/$1.err" || { cat "$T/$1.err"; fail "$1: message"; }
	[ ! -e "$T/$1.snap" ] || fail "$1: the directory was made anyway"
}
refuse dead 3 "no process $PID" "$PID"
sleep 30 &
pids+=($!)
refuse noruntime 8 "does not run the dynftrace runtime.*record --ring SIZE" $!
start_prog "$T/pid2" preload
refuse norecording 1 "is not recording.*record --ring SIZE" "$PID"
kill -USR1 "$PID" && sleep 0.1 && kill -USR1 "$PID" && wait $JOB || fail "the preloaded program failed"
start_prog "$T/pid3" record "$T/linear" -F phased
refuse linear 1 "records every event into .*no --ring" "$PID"
kill -USR1 "$PID" && sleep 0.1 && kill -USR1 "$PID" && wait $JOB || fail "the linear recording failed"

# record -p --ring: a process attached to, recording into its rings, the
# same (native x86-64 only, as attach is tested: ctl_buffers.sh).
attached=
if [ -z "$EMULATED" ] && [ "$(arch_dir)" = x86_64 ]; then
	IFS='|' read -r sv scc sflags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
	build_server "$sv" "$scc" "$sflags"
	start_server "$T/$sv/srv" 2
	pids+=("$SRV_PID")
	start_client "$T/$sv/srv" 2 8 "$T/client"
	"$DFT" record -p "$SRV_PID" -t function_graph --ring 64K --duration 4 -o "$T/attached" -f \
		2>"$T/attached.err" &
	rp=$!
	for _ in $(seq 100); do
		"$H" ctl "$SRV_PID" status 2>/dev/null | grep -q '^ring=65536$' && break
		sleep 0.1
	done
	sleep 1
	"$H" ctl "$SRV_PID" snapshot -o "$T/snap-attached" >"$T/snap-attached.msg" 2>&1 ||
		{ cat "$T/snap-attached.msg" "$T/attached.err"; fail "attached: snapshot"; }
	sed 's/^/attached: /' "$T/snap-attached.msg"
	run "$DFT" report -i "$T/snap-attached" >"$T/snap-attached.graph" 2>"$T/snap-attached.err" ||
		{ cat "$T/snap-attached.err"; fail "attached: report"; }
	grep -q 'srv_compute' "$T/snap-attached.graph" || fail "attached: srv_compute not in the snapshot"
	tree "$T/snap-attached" >"$T/snap-attached.tree"
	wait $rp || { cat "$T/attached.err"; fail "attached: record -p"; }
	check_client "$T/client"
	stop_server
	attached=", one of record -p --ring"
fi
rm -rf "$out" "$out.graph" "$T"/snap* "$T/linear" "$T/attached"
pass "two snapshots of three 4M rings while they were overwritten, each ending in its phase; $k final calls per thread after; 6 refusals$attached"
