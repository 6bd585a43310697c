#!/bin/bash
# Library calls, on by default: the calls traced code makes through its PLT
# into libraries without call sites are recorded with their returns and
# durations (malloc, read, pthread_mutex_lock in threads), with lazy and
# immediate binding (-z now -z relro); -F/-N select them by name;
# --no-libcall leaves them out; the program's behaviour is unchanged. A GOT
# slot points to its stub only while traced, and unregistering puts back
# exactly what every slot held.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
grep -q 'HAVE_DFT_LIBCALL' "$TOP/arch/$(arch_dir)/arch.h" ||
	skip "library calls are not implemented for $(arch_dir) yet (HAVE_DFT_LIBCALL)"
case "${SAN_FLAGS:-}" in *address*)
	skip "make check SAN=address: ASan defines malloc in the program itself, so its calls are no library calls" ;;
esac
cd "$T" || fail "no test dir"
want=1050

# lrec DIR [--no-libcall] [OPTIONS] -- PROG: record; under an emulator,
# which cannot follow the exec, with the environment record would set.
lrec() {
	local dir=$1 lc=1
	shift
	if [ -z "$RUN" ]; then
		dft record -f -o "$dir" "$@"
		return
	fi
	[ "$1" = --no-libcall ] && lc=0 && shift
	DYNFTRACE_LIBCALL=$lc LD_BIND_NOW=1 record_to "$dir" "$@"
}

# calls DIR NAME: how many times NAME was called (graph layout).
calls() { dft report -i "$1" | grep -cE "\| +$2(\.[a-z0-9.]+)?\(\)(;| \{)\$"; }

# Under an emulator, two site forms (qemu is slow).
max=99
[ -z "$RUN" ] || max=2
n=0
while IFS='|' read -r name cc flags; do
	for bind in "-Wl,-z,lazy" "-Wl,-z,now -Wl,-z,relro"; do
		v=$name${bind//[^a-z]/}
		# shellcheck disable=SC2086
		build_variant "$v" "$cc" "$flags" "$TOP/tests/prog/libcall.c" -- -lpthread $bind
		[ "$(run "./$v")" = $want ] || fail "$v: wrong output"
		lrec "$v.tr" -- "./$v" >out 2>err || fail "$v: record: $(cat err)"
		[ "$(cat out)" = $want ] || fail "$v: wrong output under record"
		for f in malloc free read pthread_mutex_lock pthread_mutex_unlock; do
			c=$(calls "$v.tr" $f)
			[ "$c" = 10 ] || fail "$v: $c calls of $f, not 10: $(dft report -i "$v.tr" | head -20)"
		done
		# Inside work(), with durations; in both threads.
		dft report -i "$v.tr" | grep -A6 -E 'work(\.[a-z0-9.]+)?\(\) \{' | grep -qE '[0-9.]+ us +\|  +read\(\);' ||
			fail "$v: read() not under work() with a duration"
		[ "$(dft report -i "$v.tr" | grep -c 'thread_main() {')" = 2 ] || fail "$v: threads"
		# -N and -F name library calls like functions.
		lrec "$v.n" -N 'pthread_*' -- "./$v" >/dev/null 2>err || fail "$v: -N"
		[ "$(calls "$v.n" pthread_mutex_lock)" = 0 ] && [ "$(calls "$v.n" malloc)" = 10 ] ||
			fail "$v: -N 'pthread_*'"
		lrec "$v.f" -t function -F read -- "./$v" >/dev/null 2>err || fail "$v: -F"
		[ "$(dft report -i "$v.f" | grep -c ': read <-work')" = 10 ] &&
			[ "$(dft report -i "$v.f" | grep -vc '^#')" = 10 ] || fail "$v: -F read: $(dft report -i "$v.f")"
		# Arguments of a library call.
		lrec "$v.a" -A 'read@arg3' -- "./$v" >/dev/null 2>err || fail "$v: -A: $(cat err)"
		[ "$(dft report -i "$v.a" | grep -c 'read(1);')" = 10 ] || fail "$v: read's third argument"
		# --no-libcall: none.
		lrec "$v.no" --no-libcall -- "./$v" >/dev/null 2>err || fail "$v: --no-libcall"
		[ "$(calls "$v.no" malloc)" = 0 ] && [ "$(calls "$v.no" work)" = 10 ] || fail "$v: --no-libcall"
		# Through the API: a slot points to its stub only while traced;
		# unregistering puts back exactly what every slot held.
		build_variant "$v-got" "$cc" "$flags" "$TOP/tests/prog/libcall_got.c" -- \
			-L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR" $bind
		DYNFTRACE_LIBCALL=1 LD_BIND_NOW=1 run "./$v-got" >got.out 2>&1 ||
			fail "$v: GOT slots: $(cat got.out)"
		n=$((n + 1))
	done
done < <(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -n "$max")
[ $n -gt 0 ] || skip "no compiler"
pass "$n builds: library calls recorded"
