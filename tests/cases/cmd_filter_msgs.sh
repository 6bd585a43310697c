#!/bin/bash
# Filters that match nothing: -N warns once and changes nothing else; -F
# warns once, naming the closest functions, and records nothing; a
# lib:MOD that no process loaded warns too. Every message once, from the
# command (not from each traced process), prefixed "dynftrace:".
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
[ -z "$RUN" ] || skip "record under an emulator: the runtime's own tests cover the target"
cd "$T" || fail "no test dir"
IFS='|' read -r name cc flags <<<"$(variants | head -1)"
[ -n "$name" ] || skip "no compiler"
build_variant w "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread 2>/dev/null

events() { sed -n 's/^dynftrace: \([0-9]*\) events, .*/\1/p' "$1"; }
# only_lines FILE LINE...: FILE holds exactly these lines (regexes) and the summary.
only_lines() {
	local f=$1 n=1
	shift
	grep -v '^dynftrace: [0-9]* events, ' "$f" >"$f.msgs"
	for re in "$@"; do
		[ "$(grep -cE -- "$re" "$f.msgs")" = 1 ] || fail "wanted once: '$re'; got: $(cat "$f")"
		n=$((n + 1))
	done
	[ "$(wc -l <"$f")" = $n ] || fail "other messages than wanted: $(cat "$f")"
	grep -v '^dynftrace: ' "$f" && fail "a message without the dynftrace: prefix"
	return 0
}

dft record -f -o all -- ./w calls >/dev/null 2>all.err || fail "record"
all=$(events all.err)
[ "$all" -gt 0 ] || fail "no events: $(cat all.err)"

# -N matching nothing: warned once, the same trace as without it.
dft record -f -o n -N 'zzz*' -- ./w calls >/dev/null 2>n.err || fail "record -N"
only_lines n.err "^dynftrace: warning: notrace 'zzz\*' matches no function"
[ "$(events n.err)" = "$all" ] || fail "-N 'zzz*' changed the trace: $(events n.err) events, not $all"
dft report -i all >all.rep && dft report -i n >n.rep || fail "report"
diff <(sed 's/.*|//' all.rep) <(sed 's/.*|//' n.rep) >/dev/null || fail "-N 'zzz*' changed the calls recorded"

# ... and with -F: as -F alone.
dft record -f -o f -F cmd_mid -- ./w calls >/dev/null 2>f.err || fail "record -F"
dft record -f -o fn -F cmd_mid -N 'zzz*' -- ./w calls >/dev/null 2>fn.err || fail "record -F -N"
[ "$(events f.err)" -gt 0 ] && [ "$(events fn.err)" = "$(events f.err)" ] ||
	fail "-N 'zzz*' with -F: $(events fn.err) events, not $(events f.err)"

# -F matching nothing: warned once with the closest names, nothing recorded.
dft record -f -o x -F 'cmd_mdi' -- ./w calls >/dev/null 2>x.err || fail "record -F typo"
only_lines x.err "^dynftrace: warning: filter 'cmd_mdi' matches no function; close names: .*cmd_mid"
[ "$(events x.err)" = 0 ] || fail "-F matching nothing recorded $(events x.err) events"
dft record -f -o x -F 'nomatch_*' -- ./w fork >/dev/null 2>x.err || fail "record -F, fork"
only_lines x.err "^dynftrace: warning: filter 'nomatch_\*' matches no function"
[ "$(events x.err)" = 0 ] || fail "-F matching nothing recorded $(events x.err) events"

# lib:MOD naming no loaded library.
dft record -f -o l -F 'lib:libnothing*' -- ./w calls >/dev/null 2>l.err || fail "record lib:"
only_lines l.err "^dynftrace: warning: filter 'lib:libnothing\*' matches no library the command loaded"
pass "filters matching nothing: one message each"
