#!/bin/bash
# record --ring 4M: each thread keeps its newest 4 MiB of events, while the
# program writes a GB of them. The trace directory stays within the rings
# plus metadata; the report ends with the last phase's calls, all of them;
# the calls entered before the oldest event kept open the trace. The same
# when the program is killed with SIGKILL at the end.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

v=$(ENTRY_ONLY=1 OPT_LEVELS=-O2 build_trace trace_buf trace_buf.c | head -1)
prog=$O/tests/trace/$v/trace_buf
# Per thread, two threads: 24 bytes per call of outer(): about 1 GB natively.
n=20000000
[ -n "$EMULATED$RUN" ] && n=600000
k=3000
ring=$((4 << 20))

check() {
	local out=$1 how=$2 bytes tids tid
	grep -qx "ring $n $k .*" "$out.out" || fail "$how: the program did not run to its end"
	bytes=$(du -cb "$out"/*.dat | tail -1 | cut -f1)
	[ "$bytes" -le $((2 * (ring + 64))) ] || fail "$how: $bytes bytes of streams for two 4M rings"
	[ "$(du -cb "$out" | tail -1 | cut -f1)" -le $((bytes + 64 * 1024)) ] ||
		fail "$how: more than 64K of metadata: $(ls -l "$out")"
	run "$DFT" report -i "$out" --format graph >"$out.graph" 2>"$out.graph.err" ||
		{ cat "$out.graph.err"; fail "$how: report"; }
	tids=$(sed -n 's/^ *\([0-9]*\)).*/\1/p' "$out.graph" | sort -u)
	[ "$(echo "$tids" | wc -l)" = 2 ] || fail "$how: not two threads in the report"
	for tid in $tids; do
		grep "^ *$tid)" "$out.graph" | sed 's/^[^|]*|//' >"$out.$tid"
		[ "$(grep -c '^ *final();$' "$out.$tid")" = $k ] ||
			fail "$how: thread $tid: $(grep -c '^ *final();$' "$out.$tid") calls of final(), not $k"
		# Oldest first: the calls open when the ring's oldest chunk began.
		head -2 "$out.$tid" | tr -d ' \n' | grep -Eq '^(main\(\)\{|work\(\)\{)(work\(\)\{|big\(\)\{)' ||
			fail "$how: thread $tid does not open with the calls entered before: $(head -3 "$out.$tid")"
		# Newest last: the final phase, then only the ends of last, work (and main).
		[ -z "$(sed '1,/final();/d' "$out.$tid" | sed '/final();/d; /^ *}/d; /last/d; /trace ends here/d')" ] ||
			fail "$how: thread $tid does not end with the last calls"
		[ "$(grep -c 'outer()' "$out.$tid")" -lt "$n" ] || fail "$how: nothing was overwritten"
	done
	tree "$out" >"$out.tree"
}

out=$T/$v-ring
record "$out" --ring 4M -- "$prog" ring $n $k
check "$out" exit
[ -n "$RUN" ] || grep -q "flight recorder: .* kept in 2 rings" "$out.err" || fail "record's summary: $(cat "$out.err")"

out=$T/$v-kill
record_run "$out" --ring 4M -- "$prog" ring $n $k kill
[ $? = 137 ] || [ -n "$RUN" ] || fail "the program was not killed"
[ -z "$(ls "$out"/exit-* 2>/dev/null)" ] || fail "an exit file after SIGKILL"
check "$out" SIGKILL
rm -rf "$T/$v-ring" "$T/$v-kill"
pass "two 4M rings of the newest events, $k final calls each, also after SIGKILL"
