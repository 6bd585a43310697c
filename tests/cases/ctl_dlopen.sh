#!/bin/bash
# A library dlopen()ed after an attach is traced: tests/prog/ctl_dlopen.c,
# started without dynftrace, is recorded with `record -p`; only then does it
# dlopen() an instrumented library, call it, dlclose() it, load it again and
# call it again. The trace has every call, exactly: the runtime, loaded with
# ptrace, does not interpose dlopen as a preloaded one does, and takes the
# modules' GOT slots of dlopen and dlclose instead (core/dlhook.c). Then,
# the runtime dormant after the detach, the program loads the library again;
# a second record -p (a wake-up, not an attach) has the calls it makes into
# it, exactly. Last, it loads a copy through a pointer to dlopen it took
# at its start (no GOT slot of ours on that way): the next control request
# rescans the modules and counts the copy's sites. Lazy and immediate (-z
# now, read-only GOT) binding, PIE and not. Native only.
. "$(dirname "$0")/../lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
[ "$(arch_dir)" = x86_64 ] || skip "ptrace attach is tested on x86-64 only (see README)"

rounds=250
n=0

wait_file() { # FILE WHAT
	for _ in $(seq 200); do
		[ -s "$1" ] && return
		sleep 0.05
	done
	cat "$d/prog.err"
	fail "$v: the program did not $2"
}
# start_rec NAME OPTIONS...: record -p in the background (REC), once it
# records.
start_rec() {
	local name=$1
	shift
	$DFT record -p $pid "$@" -o "$d/$name" -f 2>"$d/$name.err" &
	rec=$!
	for _ in $(seq 200); do
		grep -q 'recording process' "$d/$name.err" && break
		kill -0 $rec 2>/dev/null || break
		sleep 0.05
	done
	grep -q 'recording process' "$d/$name.err" || { cat "$d/$name.err"; fail "$v: $name: record -p"; }
}
# stop_rec NAME: SIGTERM, then the report in $d/NAME.report.
stop_rec() {
	kill -TERM $rec
	wait $rec || { cat "$d/$1.err"; fail "$v: $1: record -p"; }
	$DFT report -i "$d/$1" >"$d/$1.report" 2>"$d/$1.report.err" ||
		{ cat "$d/$1.report.err"; fail "$v: $1: report"; }
}
# count NAME CALLS: dlib_outer was called CALLS times, dlib_leaf twice that.
count() {
	local outer leaf
	case $opts in
	*function_graph*)
		outer=$(grep -c 'dlib_outer() {' "$d/$1.report")
		leaf=$(grep -c 'dlib_leaf();' "$d/$1.report") ;;
	*)
		outer=$(grep -c ' dlib_outer <-' "$d/$1.report")
		leaf=$(grep -c ' dlib_leaf <-dlib_outer' "$d/$1.report") ;;
	esac
	[ "$outer" = "$2" ] && [ "$leaf" = $((2 * $2)) ] ||
		fail "$v ($opts): $1: dlib_outer $outer times (want $2), dlib_leaf $leaf times (want $((2 * $2)))"
}
# VARIANT|LINK FLAGS|record options
for spec in "gcc-pfe-cet-O2||-t function" \
	"gcc-fentry-O2||-t function -F lib:libdlib.so" \
	"gcc-pfe-O2|-Wl,-z,relro,-z,now|-t function_graph"; do
	IFS='|' read -r v ld opts <<<"$spec"
	line=$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | grep "^$v|") || continue
	IFS='|' read -r _ cc flags <<<"$line"
	d=$T/$v
	mkdir -p "$d"
	build_variant "$d/prog" "$cc" "$flags" "$TOP/tests/prog/ctl_dlopen.c" -- -lpthread -ldl $ld
	# A library is position-independent, whatever the program is.
	build_variant "$d/libdlib.so" "$cc" "${flags//-fno-pie -no-pie/} -fPIC" "$TOP/tests/prog/ctl_dlopen_lib.c" -- -shared
	rm -f "$d"/go* "$d"/done*
	"$d/prog" "$d/libdlib.so" "$d/go" "$d/done" $rounds 2>"$d/prog.err" &
	pid=$!
	trap 'kill $pid 2>/dev/null' EXIT
	sleep 0.3
	grep -q libdynftrace /proc/$pid/maps && fail "$v: the runtime is loaded already"
	# shellcheck disable=SC2086
	start_rec trace $opts
	grep -q 'recording process .*attached' "$d/trace.err" || { cat "$d/trace.err"; fail "$v: record -p did not attach"; }
	grep -q libdlib /proc/$pid/maps && fail "$v: the library was loaded before the attach"
	touch "$d/go"
	wait_file "$d/done" "finish its calls"
	stop_rec trace
	count trace $((2 * rounds))
	case $opts in
	*lib:*) grep -q ': prog_' "$d/trace.report" && fail "$v: the lib: filter was not applied" ;;
	*) grep -q 'prog_use' "$d/trace.report" || fail "$v: the program's own functions are not traced" ;;
	esac

	# Loaded while the runtime is dormant, called while recorded again.
	touch "$d/go.load"
	wait_file "$d/done.load" "load the library again"
	# shellcheck disable=SC2086
	start_rec again $opts
	grep -q 'attached' "$d/again.err" && fail "$v: the runtime was loaded twice"
	touch "$d/go.call"
	wait_file "$d/done.call" "make its last calls"
	stop_rec again
	count again $rounds

	cp "$d/libdlib.so" "$d/libdlib.so.2"
	$DFT ctl $pid status >"$d/status1" || fail "$v: status"
	touch "$d/go.ptr"
	wait_file "$d/done.ptr" "load the copy"
	grep -q libdlib.so.2 /proc/$pid/maps || fail "$v: the copy is not loaded"
	$DFT ctl $pid status >"$d/status2" || fail "$v: status"
	s1=$(sed -n 's/^sites=//p' "$d/status1")
	s2=$(sed -n 's/^sites=//p' "$d/status2")
	[ "$s2" = $((s1 + 2)) ] || fail "$v: $s1 sites before the copy was loaded, $s2 after (want $((s1 + 2)))"
	$DFT ctl $pid detach || fail "$v: detach"
	kill $pid
	wait $pid 2>/dev/null
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for an entry-site variant"
pass "dlopen after attach traced exactly in $n variants"
