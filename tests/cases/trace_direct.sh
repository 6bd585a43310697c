#!/bin/bash
# The function tracer's direct trampoline (arch/<arch>/rec_fast.S, where the
# architecture has HAVE_DFT_DIRECT) writes the same trace as the generic
# path (DYNFTRACE_NO_DIRECT=1), in every variant: call order and callers,
# threads, signal handlers landing anywhere, fork, a SIGKILL (committed
# events read back), a library loaded later (outside the direct map: the C
# path), argument specs (the C path) and a filter.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

grep -q '^#define HAVE_DFT_DIRECT' "$TOP/arch/$ARCH/arch.h" ||
	skip "no direct trampoline on $ARCH"

# same V NAME [record options] -- ARGS: the trees with and without it agree.
same() {
	local v=$1 name=$2 a=$T/$1-$2-direct b=$T/$1-$2-generic
	shift 2
	DYNFTRACE_LOG=debug,file=$a.log record_run "$a" "$@"
	DYNFTRACE_NO_DIRECT=1 record_run "$b" "$@"
	grep -q 'sites call the direct trampoline' "$a.log" ||
		fail "$v: $name: the direct trampoline was not used"
	tree "$a" | sort >"$a.tree"
	tree "$b" | sort >"$b.tree"
	[ -s "$a.tree" ] || fail "$v: $name: empty trace"
	diff -u "$b.tree" "$a.tree" >"$a.diff" || { head -40 "$a.diff"; fail "$v: $name: trees differ"; }
}

build_trace libtrace_dl.so trace_dl.c "-fPIC -shared" >/dev/null
for v in $(build_trace trace_graph trace_graph.c); do
	prog=$O/tests/trace/$v/trace_graph
	same "$v" basic -t function -- "$prog" basic
	same "$v" threads -t function -- "$prog" threads
	same "$v" fork -t function -- "$prog" fork
	same "$v" crash -t function -- "$prog" crash
	same "$v" dlopen -t function -- "$prog" dlopen "$O/tests/trace/$v/libtrace_dl.so"
	same "$v" args -t function -A 'leaf@arg1' -- "$prog" basic
	same "$v" filter -t function -F 'leaf,rec' -- "$prog" basic
	# Signal handlers land anywhere, also inside the trampoline: counts only.
	a=$T/$v-sig-direct
	record_run "$a" -t function -- "$prog" sigstress
	tree "$a" >"$a.tree"
	[ "$(grep -c '^mid <- ' "$a.tree")" = 60000 ] || fail "$v: sigstress: not 60000 mid"
	grep -q '^on_tick <- ' "$a.tree" || fail "$v: sigstress: no handler call traced"
done
pass "direct trampoline"
