#!/bin/bash
# The recorder's direct trampolines (arch/<arch>/rec_fast.S, where the
# architecture has HAVE_DFT_DIRECT) write the same trace as the generic
# path (DYNFTRACE_NO_DIRECT=1), in every variant, for the function and the
# function_graph tracers (and the same calls counted for the profile
# tracer): call order, nesting and callers (with their offsets); threads;
# fork; a SIGKILL (committed events read back); a library loaded later
# (outside the direct map: the C path); a non-PIE program (the direct
# stubs); argument specs (the C path); a filter; longjmp, siglongjmp,
# signals, tail calls, pthread_exit, deep recursion (the shadow stack grows
# in C), and C++ exceptions.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

grep -q '^#define HAVE_DFT_DIRECT' "$TOP/arch/$ARCH/arch.h" ||
	skip "no direct trampoline on $ARCH"

# same V NAME [record options] -- CMD...: the trees with and without them agree.
same() {
	local v=$1 name=$2 a=$T/$1-$2-direct b=$T/$1-$2-generic
	shift 2
	DYNFTRACE_LOG=debug,file=$a.log record_run "$a" "$@"
	DYNFTRACE_NO_DIRECT=1 record_run "$b" "$@"
	grep -q 'sites call the direct trampoline' "$a.log" ||
		fail "$v: $name: the direct trampoline was not used"
	# Callers with their offsets: the exact parent ip each path wrote.
	TRACE_PARENT_OFFSETS=1 tree "$a" >"$a.tree"
	TRACE_PARENT_OFFSETS=1 tree "$b" >"$b.tree"
	[ -s "$a.tree" ] || fail "$v: $name: empty trace"
	# Threads and processes come in any order: compare sorted blocks.
	diff -u <(sort "$b.tree") <(sort "$a.tree") >"$a.diff" ||
		{ head -40 "$a.diff"; fail "$v: $name: trees differ"; }
}

# same_profile V NAME -- CMD...: the profiles count the same calls.
same_profile() {
	local v=$1 name=$2 a=$T/$1-$2-direct b=$T/$1-$2-generic
	shift 2
	DYNFTRACE_LOG=debug,file=$a.log record_run "$a" -t profile "$@"
	DYNFTRACE_NO_DIRECT=1 record_run "$b" -t profile "$@"
	grep -q 'sites call the direct trampoline' "$a.log" ||
		fail "$v: $name: the direct trampoline was not used"
	run "$DFT" report -i "$a" | awk '!/^#/ { print $1, $NF }' | sort >"$a.hits"
	run "$DFT" report -i "$b" | awk '!/^#/ { print $1, $NF }' | sort >"$b.hits"
	[ -s "$a.hits" ] || fail "$v: $name: empty profile"
	diff -u "$b.hits" "$a.hits" >"$a.diff" ||
		{ head -40 "$a.diff"; fail "$v: $name: profiles differ"; }
}

build_trace libtrace_dl.so trace_dl.c "-fPIC -shared" >/dev/null
# Every site form with a few scenarios; all of them on the first variant of
# each compiler (the trampolines do not depend on the compiler beyond that).
all= seen=
for v in $(ENTRY_ONLY=1 build_trace trace_graph trace_graph.c); do
	prog=$O/tests/trace/$v/trace_graph
	scen="basic tail"
	case " $seen " in
	*" ${v%%-*} "*) ;;
	*) seen="$seen ${v%%-*}" scen="basic threads fork crash longjmp siglongjmp signal tail threadexit deep" all=1 ;;
	esac
	for t in function function_graph; do
		for s in $scen; do
			same "$v" $t-$s -t $t -- "$prog" $s
		done
		[ -n "$all" ] || continue
		same "$v" $t-dlopen -t $t -- "$prog" dlopen "$O/tests/trace/$v/libtrace_dl.so"
		same "$v" $t-args -t $t -A 'leaf@arg1' -- "$prog" basic
		same "$v" $t-filter -t $t -F 'leaf,rec' -- "$prog" basic
	done
	for s in basic ${all:+threads longjmp tail deep}; do
		same_profile "$v" profile-$s -- "$prog" $s
	done
	[ -n "$all" ] || continue
	all=
	# Signal handlers land anywhere, also inside the trampolines.
	a=$T/$v-sig-function
	record_run "$a" -t function -- "$prog" sigstress
	tree "$a" >"$a.tree"
	[ "$(grep -c '^mid <- ' "$a.tree")" = 60000 ] || fail "$v: sigstress: not 60000 mid"
	grep -q '^on_tick <- ' "$a.tree" || fail "$v: sigstress: no handler call traced"
	a=$T/$v-sig-graph
	record_run "$a" -t function_graph -- "$prog" sigstress
	tree "$a" >"$a.tree"
	[ "$(grep -cx '    mid' "$a.tree")" = 60000 ] || fail "$v: sigstress: not 60000 mid"
	grep -q 'on_tick' "$a.tree" || fail "$v: sigstress: no handler call traced"
done
# A program linked far from the runtime (non-PIE): its sites reach the
# direct trampolines through the module's direct stub.
for v in $(ENTRY_ONLY=1 build_trace trace_graph_nopie trace_graph.c "-fno-pie -no-pie"); do
	prog=$O/tests/trace/$v/trace_graph_nopie
	for t in function function_graph; do
		same "$v" nopie-$t -t $t -- "$prog" basic
		grep -q 'trace_graph_nopie: branch stubs near the module' "$T/$v-nopie-$t-direct.log" ||
			fail "$v: nopie: no branch stubs: the test needs a program out of the runtime's reach"
	done
	same_profile "$v" nopie-profile -- "$prog" basic
done
for v in $(ENTRY_ONLY=1 build_trace trace_cxx trace_cxx.cc); do
	for t in function function_graph; do
		same "$v" cxx-$t -t $t -- "$O/tests/trace/$v/trace_cxx" exceptions
	done
done
pass "direct trampolines"
