#!/bin/bash
# A real program's own test suite, traced: GNU m4 from Debian's source,
# built with the installed dynftrace's instrument_cflags, runs the 237
# checks of `make -C checks check` once plainly and once entirely under
# `dynftrace record -t function_graph` (make, the shells, every m4 process).
# The traced run must fail exactly the checks the plain run fails, and
# `dynftrace report` must read the whole trace.
#
# Under emulation the suite runs in a chroot of the target's own Debian
# (debootstrap's first stage, plus make): every process of the suite is
# then a guest process, as on a board, and none is a host program that
# inherits a foreign LD_PRELOAD ("wrong ELF class" noise).
#
# It runs when DFT_SUITES=1 (.ci/run sets it). SUITE_ARCHES (default
# "x86_64") lists the targets; make check-long runs every one.
# timeout: 2700
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
. "$TOP/tests/prog/suite_lib.sh"
cd "$T" || fail "no test dir"

suite_select m4 x86_64

# Emulated: the guest's root, with the runtime and the suite inside at the
# same absolute paths as outside.
guest_root make

# The work tree: inside the root when emulated, where the link makes its
# path the same inside and outside.
w=${root:+$root/suite}
w=${w:-$T}
mkdir -p "$w"

suite_source m4 "$w/src"
m4src=$srcdir
[ -x "$m4src/configure" ] || fail "no configure in m4's source"

# The installed dynftrace (the README's way: make install, then the flags
# from pkg-config).
suite_install "$root"

# The build, in the tree the suite runs from.
b=$w/build
if [ ! -f "$b/.done" ] || [ "$(cat "$b/.done")" != "$flags" ]; then
	rm -rf "$b" && mkdir -p "$b"
	host=
	[ -z "$CROSS_COMPILE" ] || host=--host=$triple
	(cd "$b" && "$m4src/configure" $host --disable-nls CC="$CC" CFLAGS="-O2 -g $flags" \
		>configure.log 2>&1) || { tail -20 "$b/configure.log"; fail "configure m4"; }
	# The documentation needs makeinfo, which the suite does not.
	make -C "$b" -j2 MAKEINFO=true >"$b/make.log" 2>&1 || { tail -20 "$b/make.log"; fail "build m4"; }
	echo "$flags" >"$b/.done"
fi
"$DFT" list "$b/src/m4" >list.out 2>&1 || { cat list.out; fail "dynftrace list: no sites in m4 built with $flags"; }

# The failed checks of one run, from the suite's own summary.
failed_checks() {
	sed -n '/^Failed checks were:/,/^make/{s/^ *\([^ ]*[0-9][0-9][0-9][^ ]*\).*/\1/p}' "$1" |
		sed 's|.*/||' | sort
}

make_check=(make -C "$b/checks" check MAKEINFO=true)
in_target "${make_check[@]}" >plain.log 2>&1
plain_st=$?
nchecks=$(grep -c '^Checking ' plain.log)
[ "$nchecks" -gt 200 ] || { tail -20 plain.log; fail "the plain run ran $nchecks checks"; }

rm -rf "$w/tr"
# --force: make itself has no call sites; the m4 it runs has.
in_target "$dft_bin" record --force -t function_graph -o "$w/tr" -- "${make_check[@]}" >traced.log 2>&1
traced_st=$?
[ "$(grep -c '^Checking ' traced.log)" = "$nchecks" ] || fail "the traced run ran another number of checks"
grep -q "wrong ELF class" traced.log && fail "a host program inherited the target's LD_PRELOAD"
failed_checks plain.log >plain.failed
failed_checks traced.log >traced.failed
diff -u plain.failed traced.failed || fail "the traced run failed other checks than the plain one"
[ "$plain_st" = "$traced_st" ] || fail "exit status $plain_st plainly, $traced_st traced"
summary=$(record_summary traced.log) || exit 1
events=$(echo "$summary" | sed 's/^dynftrace: \([0-9]*\) events.*/\1/')
[ "$events" -gt 1000000 ] || fail "only $events events: $summary"

# The report reads the whole trace: every m4 process, and m4's own
# functions (expand_token drives every expansion).
in_target "$dft_bin" report -i "$w/tr" --format profile >profile.out 2>profile.err ||
	{ cat profile.err; fail "report --format profile"; }
grep -q ' expand_token$' profile.out || fail "expand_token is not in the profile"
in_target "$dft_bin" report -i "$w/tr" --format graph >/dev/null 2>graph.err ||
	{ cat graph.err; fail "report --format graph"; }
pass "m4 suite on $arch: $nchecks checks, $(wc -l <plain.failed) failing plainly and traced" \
	"($(tr '\n' ' ' <plain.failed)); $summary"
