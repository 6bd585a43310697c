#!/bin/bash
# The command's behaviour on bad input and at its edges: a missing or
# non-executable command, an existing trace directory, unknown tracers and
# formats, a program without call sites, filters that match nothing, exit
# statuses, signal forwarding, standard streams left to the command,
# permissions; list, live and every --help.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
[ -z "$RUN" ] || skip "no binfmt_misc: the emulator cannot run the command's exec of a program"
cd "$T" || fail "no test dir"
rm -rf tr* tmp

IFS='|' read -r name cc flags <<<"$(variants | head -1)"
[ -n "$name" ] || skip "no compiler"
build_variant w "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread 2>/dev/null

# A command that is not there, or not executable: the shell's statuses.
dft record -o tr -- no-such-command-xyz 2>err
[ $? = 127 ] || fail "missing command: status"
grep -q "no-such-command-xyz: command not found" err || fail "missing command: $(cat err)"
[ ! -e tr ] || fail "a trace directory was left for a command that never ran"
printf 'x' >notexec
dft record -o tr -- ./notexec 2>err
[ $? = 126 ] || fail "not executable: status"
grep -q "notexec: not executable" err || fail "not executable: $(cat err)"

# Unknown tracer, format, option.
dft record -t functions -- ./w calls 2>err && fail "unknown tracer accepted"
grep -q "unknown tracer 'functions' (use function, function_graph or profile)" err ||
	fail "unknown tracer: $(cat err)"
dft record -o tr -- ./w calls >/dev/null 2>&1 || fail "record"
dft report -i tr -O nosuch 2>err && fail "unknown -O accepted"
grep -q "unknown report option 'nosuch'" err || fail "unknown -O: $(cat err)"

# Permissions: the trace shows what the program did.
[ "$(stat -c %a tr)" = 700 ] || fail "trace dir mode $(stat -c %a tr)"
for f in tr/*; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f")"
done

# An existing directory: refused, unless -f; -f never empties a non-trace.
dft record -o tr -- ./w calls 2>err && fail "existing trace overwritten without -f"
grep -q "tr exists: use -f to replace it" err || fail "existing dir: $(cat err)"
dft record -f -o tr -- ./w recurse >/dev/null 2>&1 || fail "record -f"
dft report -i tr | grep -q cmd_recurse || fail "-f did not replace the trace"
mkdir other && touch other/precious
dft record -f -o other -- ./w calls 2>err && fail "-f emptied a directory that holds no trace"
grep -q "holds no trace: not replacing it" err || fail "non-trace dir: $(cat err)"
[ -e other/precious ] || fail "a file of a non-trace directory was removed"

# Exit statuses, and messages only on stderr.
dft record -f -o tr -- ./w exit 3 >out 2>err
[ $? = 3 ] || fail "exit status not passed on"
[ ! -s out ] || fail "record wrote to stdout: $(cat out)"
grep -q "^dynftrace: [0-9]* events, 1 thread in 1 process, .* -> tr$" err ||
	fail "summary: $(cat err)"

# Standard streams belong to the command: record -- gzip -c f > f.gz works.
# Emulated, the host's gzip and sleep are no programs of the target, whose
# runtime cannot load into them (on a board they would be the target's own):
# a program of the target without call sites stands in for both.
seq 1 20000 >data
if [ -n "$EMULATED" ]; then
	cat >plain.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char buf[4096];
	size_t n;
	FILE *f;

	if (argc == 3 && !strcmp(argv[1], "sleep"))
		return sleep(atoi(argv[2])) ? 1 : 0;
	if (argc != 3 || !(f = fopen(argv[2], "r")))
		return 2;
	while ((n = fread(buf, 1, sizeof(buf), f)))
		fwrite(buf, 1, n, stdout);
	return 0;
}
C
	$CC -O2 plain.c -o plain || fail "build plain"
	nosites=(./plain copy data) sleeper=(./plain sleep 20)
	unpack() { cat; }
else
	nosites=(gzip -c data) sleeper=(sleep 20)
	unpack() { gzip -dc; }
fi
dft record -f -o tr -- "${nosites[@]}" >data.gz 2>err || fail "${nosites[*]} under record: $(cat err)"
unpack <data.gz | cmp -s - data || fail "${nosites[*]}: output damaged by record"
grep -q "has no call sites, so nothing was traced: rebuild it with -fpatchable-function-entry=[0-9]" err ||
	fail "no call sites: $(cat err)"
echo hello | dft record -f -o tr -- ./w cat >out 2>/dev/null || fail "cat under record"
[ "$(cat out)" = hello ] || fail "stdin/stdout not passed: $(cat out)"

# Signals sent to record go on to the command.
dft record -f -o tr -- "${sleeper[@]}" 2>err &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
st=$?
[ $st = 143 ] || fail "SIGTERM not forwarded: status $st: $(cat err)"

# A filter that matches nothing: a warning with close names.
dft record -f -o tr -F cmd_lef -- ./w calls >/dev/null 2>err
grep -q "warning: filter 'cmd_lef' matches no function; close names: cmd_leaf" err ||
	fail "filter warning: $(cat err)"

# Record options reach the runtime.
opt_shape() {
	dft record --no-libcall -f -o tr "$@" -- ./w calls >/dev/null 2>&1 || fail "record $*"
	dft report -i tr | grep -v '^#' | sed 's/^.*|  //' | tr '\n' ' '
}
[ "$(opt_shape -G cmd_mid)" = "cmd_mid() {   cmd_leaf();   cmd_leaf(); } " ] ||
	fail "-G: $(opt_shape -G cmd_mid)"
[ "$(opt_shape --graph-notrace cmd_mid)" = "main() {   cmd_top();   cmd_leaf(); } " ] ||
	fail "--graph-notrace: $(opt_shape --graph-notrace cmd_mid)"
[ "$(opt_shape -D 2)" = "main() {   cmd_top();   cmd_leaf(); } " ] || fail "-D: $(opt_shape -D 2)"
[ "$(opt_shape -N cmd_mid)" = "main() {   cmd_top() {     cmd_leaf();     cmd_leaf();   }   cmd_leaf(); } " ] ||
	fail "-N: $(opt_shape -N cmd_mid)"
[ "$(opt_shape -F 'lib:w:cmd_[lm]*')" = "cmd_mid() {   cmd_leaf();   cmd_leaf(); } cmd_leaf(); " ] ||
	fail "-F lib:: $(opt_shape -F 'lib:w:cmd_[lm]*')"
# A threshold: whole calls, written as they end.
opt_shape --thresh 1ns | grep -q "cmd_mid(); cmd_top(); .*main(); $" ||
	fail "--thresh: $(opt_shape --thresh 1ns)"
[ -z "$(opt_shape --thresh 10s)" ] || fail "--thresh 10s: $(opt_shape --thresh 10s)"
dft record -f -o tr --thresh 10parsecs -- ./w calls 2>err && fail "bad duration accepted"
grep -q "takes a duration like 10us" err || fail "bad duration: $(cat err)"

# list, offline.
dft list ./w >out 2>err || fail "list"
grep -qx cmd_leaf out || fail "list: no cmd_leaf: $(cat out)"
grep -qx cmd_nosite out && fail "list: a function without a site"
grep -q "functions with call sites in ./w" err || fail "list summary: $(cat err)"
dft list true >out 2>err && fail "list of a program without sites: exit 0"
grep -q "has no call sites: build it with -fpatchable-function-entry=[0-9]" err ||
	fail "list no sites: $(cat err)"

# live: the graph at the end, the temporary trace removed.
mkdir tmp
TMPDIR=$T/tmp dft live -- ./w calls >out 2>/dev/null || fail "live"
grep -q "|      cmd_mid() {" out || fail "live graph: $(cat out)"
[ -z "$(ls tmp)" ] || fail "live left $(ls tmp)"
dft live -t profile -- ./w exit 5 >out 2>/dev/null
[ $? = 5 ] || fail "live: exit status"
grep -q "cmd_leaf" out || fail "live profile: $(cat out)"

# --help everywhere.
for c in record report live list; do
	dft $c --help >out || fail "$c --help"
	grep -q "^usage: dynftrace $c" out || fail "$c --help: $(cat out)"
done
dft --help | grep -q "^usage: dynftrace COMMAND" || fail "--help"
dft frobnicate 2>err && fail "unknown command accepted"
grep -q "unknown command 'frobnicate'" err || fail "unknown command: $(cat err)"
pass "bad input and edges"
