#!/bin/bash
# dynftrace live removes its temporary trace on every way out: a reader
# that stops early (SIGPIPE), a signal while the report is written, a
# report that fails, and the normal end.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
[ -z "$RUN" ] || skip "record under an emulator: the runtime's own tests cover the target"
cd "$T" || fail "no test dir"
rm -rf tmp && mkdir tmp
IFS='|' read -r name cc flags <<<"$(variants | head -1)"
[ -n "$name" ] || skip "no compiler"
build_variant w "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread 2>/dev/null
left() { [ -z "$(ls tmp)" ] || fail "$1: live left $(ls tmp)"; }

# A reader gone before the report: the first write raises SIGPIPE.
for i in 1 2 3; do
	{ TMPDIR=$T/tmp dft live -- ./w threads 2>/dev/null; echo $? >st; } | true
	[ "$(cat st)" = 141 ] || fail "reader gone: status $(cat st), not 141 (SIGPIPE)"
	left "reader gone"
done
# | head -1 on a report longer than a pipe holds.
TMPDIR=$T/tmp dft live -t function -- ./w threads 2>/dev/null | head -1 >/dev/null
left "| head -1"
# The normal end, and a report that cannot be written (stdout closed).
TMPDIR=$T/tmp dft live -- ./w calls >out 2>/dev/null || fail "live"
grep -q "cmd_mid" out || fail "live graph: $(cat out)"
left "normal end"
TMPDIR=$T/tmp dft live -- ./w calls >&- 2>/dev/null
left "stdout closed"
pass "live leaves no temporary trace"
