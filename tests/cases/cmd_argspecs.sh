#!/bin/bash
# -A/-R specs are parsed by `dynftrace record` before the program starts,
# with the parser the runtime uses (util/argspec.c): a bad one is exit 2,
# naming the mistake and pointing at it, and the program does not run. A
# spec whose function no process had is an error once the recording ends
# (exit 1); good specs record as before.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
[ -z "$RUN" ] || skip "record under an emulator: the runtime's own tests cover the target"
cd "$T" || fail "no test dir"
rm -rf tr ran
IFS='|' read -r name cc flags <<<"$(variants | head -1)"
[ -n "$name" ] || skip "no compiler"
build_variant w "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread 2>/dev/null

# bad OPT SPEC "MESSAGE" COLUMN: exit 2, the message, a caret under COLUMN.
bad() {
	local opt=$1 spec=$2 msg=$3 col=$4 st
	dft record -o tr "$opt" "$spec" -- touch ran 2>err
	st=$?
	[ $st = 2 ] || fail "$opt '$spec': status $st, not 2"
	[ ! -e ran ] && [ ! -e tr ] || fail "$opt '$spec': the program ran"
	head -1 err | grep -qF -- "dynftrace: $opt '$spec': $msg" &&
		head -1 err | grep -qF -- ", at byte $col:" || fail "$opt '$spec': $(cat err)"
	[ "$(sed -n 3p err)" = "$(printf '%*s^' $((col + 3)) '')" ] || fail "$opt '$spec': caret: $(cat err)"
}
bad -A 'cmd_mid@arg0' "argument numbers go from 1 to 64" 12
bad -A 'cmd_mid@arg99' "argument numbers go from 1 to 64" 12
bad -A 'cmd_mid@arg2/q' "a format is /d, /u, /x" 14
bad -A 'cmd_mid@foo' "expected argN or fpargN" 9
bad -A 'cmd_mid@' "nothing after the @" 9
bad -A 'cmd_mid@arg1,,arg2' "an empty item" 14
bad -A 'cmd_mid@arg1/d12' "an integer width is 8, 16, 32 or 64" 15
bad -A '@arg1' "a function glob comes before the @" 1
bad -R 'cmd_mid@retval/s9' "a format is /d, /u, /x" 17
bad -R 'cmd_mid@arg1' "expected retval[/FMT] (arguments are for -A)" 9

# Functions that do not exist: errors at the end, once each; exit 1.
dft record -f -o tr -A 'nomatch@arg1' -R 'nomatch@retval' -A 'cmd_mid@arg1' -- ./w calls >/dev/null 2>err
st=$?
[ $st = 1 ] || fail "unknown functions: status $st, not 1"
[ "$(grep -c "^dynftrace: error: -A 'nomatch@arg1': no function matches 'nomatch'" err)" = 1 ] &&
	[ "$(grep -c "^dynftrace: error: -R 'nomatch@retval': no function matches 'nomatch'" err)" = 1 ] ||
	fail "unknown functions: $(cat err)"
[ "$(wc -l <err)" = 3 ] || fail "other messages: $(cat err)"
# The command's own failure wins.
dft record -f -o tr -A 'nomatch@arg1' -- ./w exit 3 >/dev/null 2>err
st=$?
[ $st = 3 ] || fail "status $st, not the command's 3"

# Good specs record, with no message but the summary.
dft record -f -o tr -A 'cmd_mid@arg1/d32' -R 'cmd_mid@retval/x' -- ./w calls >/dev/null 2>err ||
	fail "good specs: $(cat err)"
[ "$(wc -l <err)" = 1 ] || fail "good specs: $(cat err)"
dft report -i tr | grep -q 'cmd_mid(1) {' || fail "no arguments recorded"
dft report -i tr | grep -q '/\* cmd_mid = 0x' || fail "no return value recorded"
pass "argument specs checked before the run"
