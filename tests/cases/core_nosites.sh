#!/bin/bash
# Programs the runtime cannot trace still run unharmed, and the log says
# why and which flags to use: one without call sites, and (on x86-64) one
# built with -pg but without -mfentry, whose mcount calls follow the
# prologue.
. "$(dirname "$0")/../lib.sh"
cat >"$T/plain.c" <<'E'
#include <stdio.h>
static int twice(int x) { return 2 * x; }
int main(void) { printf("%d\n", twice(21)); return 0; }
E
IFS='|' read -r _ cc _ <<<"$(variants | head -1)"
$cc -O2 "$T/plain.c" -o "$T/plain" || fail "build plain"
out=$(DYNFTRACE_LOG=info run_preload "$T/plain" 2>"$T/plain.err") || fail "plain program failed"
[ "$out" = 42 ] || fail "plain program printed '$out'"
grep -q "no call sites: build with -f" "$T/plain.err" || { cat "$T/plain.err"; fail "no hint for a program without sites"; }

if [ "$(arch_dir)" = x86_64 ]; then
	gcc -O2 -pg -mrecord-mcount -c "$T/plain.c" -o "$T/mcount.o" && gcc "$T/mcount.o" -o "$T/mcount" 2>/dev/null ||
		fail "build the mcount program"
	out=$(run_preload "$T/mcount" 2>"$T/mcount.err") || fail "mcount program failed"
	[ "$out" = 42 ] || fail "mcount program printed '$out'"
	grep -q "follow the prologue, which cannot be traced here: build with -fpatchable-function-entry=5" \
		"$T/mcount.err" || { cat "$T/mcount.err"; fail "no hint for -pg without -mfentry"; }
	[ "$(wc -l <"$T/mcount.err")" -eq 1 ] || { cat "$T/mcount.err"; fail "one line per module expected"; }
fi
pass "untraceable programs run and say why"
