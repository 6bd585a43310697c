#!/bin/bash
# A library dlopen()ed after an attach is traced: tests/prog/ctl_dlopen.c,
# started without dynftrace, is recorded with `record -p`; only then does it
# dlopen() an instrumented library, call it, dlclose() it, load it again and
# call it again. The trace has every call, exactly: the runtime, loaded with
# ptrace, does not interpose dlopen as a preloaded one does, and takes the
# modules' GOT slots of dlopen and dlclose instead (core/dlhook.c). Lazy and
# immediate (-z now, read-only GOT) binding, PIE and not. Native only.
. "$(dirname "$0")/../lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
[ "$(arch_dir)" = x86_64 ] || skip "ptrace attach is tested on x86-64 only (see README)"

rounds=250
n=0
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
	rm -f "$d/go" "$d/done"
	"$d/prog" "$d/libdlib.so" "$d/go" "$d/done" $rounds 2>"$d/prog.err" &
	pid=$!
	trap 'kill $pid 2>/dev/null' EXIT
	sleep 0.3
	grep -q libdynftrace /proc/$pid/maps && fail "$v: the runtime is loaded already"
	# shellcheck disable=SC2086
	$DFT record -p $pid $opts -o "$d/trace" -f 2>"$d/rec.err" &
	rec=$!
	for _ in $(seq 200); do
		grep -q 'recording process' "$d/rec.err" && break
		kill -0 $rec 2>/dev/null || break
		sleep 0.05
	done
	grep -q 'recording process .*attached' "$d/rec.err" || { cat "$d/rec.err"; fail "$v: record -p did not attach"; }
	grep -q libdlib /proc/$pid/maps && fail "$v: the library was loaded before the attach"
	touch "$d/go"
	for _ in $(seq 200); do
		[ -s "$d/done" ] && break
		sleep 0.05
	done
	[ -s "$d/done" ] || { cat "$d/prog.err"; fail "$v: the program did not finish its calls"; }
	kill -TERM $rec
	wait $rec || { cat "$d/rec.err"; fail "$v: record -p"; }
	kill $pid
	wait $pid 2>/dev/null
	$DFT report -i "$d/trace" >"$d/report" 2>"$d/report.err" || { cat "$d/report.err"; fail "$v: report"; }
	case $opts in
	*function_graph*)
		outer=$(grep -c 'dlib_outer() {' "$d/report")
		leaf=$(grep -c 'dlib_leaf();' "$d/report") ;;
	*)
		outer=$(grep -c ' dlib_outer <-' "$d/report")
		leaf=$(grep -c ' dlib_leaf <-dlib_outer' "$d/report") ;;
	esac
	[ "$outer" = $((2 * rounds)) ] && [ "$leaf" = $((4 * rounds)) ] ||
		fail "$v ($opts): dlib_outer $outer times (want $((2 * rounds))), dlib_leaf $leaf times (want $((4 * rounds)))"
	case $opts in
	*lib:*) grep -q ': prog_' "$d/report" && fail "$v: the lib: filter was not applied" ;;
	*) grep -q 'prog_use' "$d/report" || fail "$v: the program's own functions are not traced" ;;
	esac
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for an entry-site variant"
pass "dlopen after attach traced exactly in $n variants"
