#!/bin/bash
# A stream that cannot grow (the file size limit): the program runs on, the
# dropped events are counted in a LOST event and in exit-PID, and what was
# committed reads back clean.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

# The command and the program both run under qemu-user through binfmt:
# qemu takes every signal for its guest, so the SIG_IGN of SIGXFSZ below is
# not inherited (with RUN, the runtime is preloaded without the command).
[ -n "$EMULATED" ] && [ -z "$RUN" ] && skip "qemu-user does not pass an ignored SIGXFSZ on to the programs it runs"
v=$(ENTRY_ONLY=1 build_trace trace_graph trace_graph.c | head -1)
out=$T/$v-many
# 1.5 MiB: the first 1 MiB of the stream fits, growing to 2 MiB does not.
(trap '' XFSZ && ulimit -f 1536 && record_run "$out" -- "$O/tests/trace/$v/trace_graph" many) ||
	{ cat "$out.out" "$out.err"; fail "record under ulimit -f"; }
grep -qx 'many 900000' "$out.out" || fail "the program did not run to its end"
tree "$out" >"$out.tree"
lost=$(sed -n 's/^== thread 0 lost //p' "$out.tree")
[ -n "$lost" ] && [ "$lost" -gt 0 ] || fail "no LOST event"
grep -q "lost=$lost\$" "$out"/exit-* || fail "exit-PID does not count $lost lost events"
# Each call dropped at its entry is one lost event; the calls that fit are whole.
mids=$(grep -cx '    mid' "$out.tree")
leaves=$(grep -cx '      leaf' "$out.tree")
[ $((mids + leaves + lost)) -ge 600000 ] || fail "$mids + $leaves calls and $lost lost < 600000"
[ "$(stat -c %s "$out"/*.dat)" -le $((1536 * 1024)) ] || fail "the stream outgrew the limit"
pass "$lost events lost, $mids calls kept"
