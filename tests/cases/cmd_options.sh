#!/bin/bash
# Options that the chosen tracer would ignore are errors (exit 2, naming
# the tracers that take them), before anything runs; so is an unknown log
# level. Accepted combinations still record.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
[ -z "$RUN" ] || skip "record under an emulator: the runtime's own tests cover the target"
cd "$T" || fail "no test dir"
rm -rf tr ran

# bad_opts "MESSAGE" ARGS...: exit 2, MESSAGE once, nothing run or created.
bad_opts() {
	local msg=$1
	shift
	dft record -o tr "$@" -- touch ran 2>err
	local st=$?
	[ $st = 2 ] || fail "$*: status $st, not 2"
	[ "$(grep -cF -- "$msg" err)" = 1 ] || fail "$*: wanted '$msg', got: $(cat err)"
	[ "$(wc -l <err)" = 1 ] || fail "$*: more than one line: $(cat err)"
	[ ! -e ran ] && [ ! -e tr ] || fail "$*: the command ran"
}
fg="tracer only, not to -t"
bad_opts "dynftrace: -D/--depth applies to the function_graph $fg function" -t function -D 2
bad_opts "dynftrace: -G/--graph-funcs applies to the function_graph $fg function" -t function -G 'x*'
bad_opts "dynftrace: --graph-notrace applies to the function_graph $fg profile" --graph-notrace 'x*' -t profile
bad_opts "dynftrace: -R/--retval applies to the function_graph $fg function" -t function -R 'f@retval'
bad_opts "dynftrace: --thresh applies to the function_graph $fg profile" -t profile --thresh 1ms
bad_opts "dynftrace: -A/--args applies to the function and function_graph tracers only, not to -t profile" \
	-t profile -A 'f@arg1'
bad_opts "dynftrace: unknown log level 'verbose' (use error, warn, info or debug" --log verbose
bad_opts "dynftrace: unknown log level 'warnx'" --log warnx
bad_opts "dynftrace: unknown log level 'info,file='" --log info,file=

IFS='|' read -r name cc flags <<<"$(variants | head -1)"
[ -n "$name" ] || skip "no compiler"
build_variant w "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread 2>/dev/null
dft record -f -o tr -t function -A 'cmd_*@arg1' --log info,file="$T/log" -- ./w calls >/dev/null 2>err ||
	fail "function tracer with -A: $(cat err)"
dft record -f -o tr -D 3 --thresh 0 -R 'cmd_*@retval' -G main -- ./w calls >/dev/null 2>err ||
	fail "graph options: $(cat err)"
pass "options for other tracers and bad log levels refused"
