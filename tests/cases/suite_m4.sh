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
cd "$T" || fail "no test dir"

loud_skip() {
	echo "######## SKIPPED: $* ########" >&2
	skip "$*"
}

[ "${DFT_SUITES:-}" = 1 ] ||
	skip "the real test suites run with DFT_SUITES=1 (.ci/run and make check-long set it)"
arch=$(arch_dir)
case " ${SUITE_ARCHES:-x86_64} " in *" $arch "*) ;; *)
	skip "the m4 suite runs on ${SUITE_ARCHES:-x86_64} (make check-long runs every target)" ;;
esac
[ -z "$RUN" ] || skip "no binfmt_misc: the suite's make and shells cannot run the target's programs"
triple=$($CC -dumpmachine)

# Emulated: the guest's root, with the runtime and the suite inside at the
# same absolute paths as outside (a link from $root$root to /).
root=
if [ -n "$EMULATED" ]; then
	command -v debootstrap >/dev/null || loud_skip "debootstrap is not installed"
	root=$T/root
	if [ ! -f "$root/.done" ]; then
		rm -rf "$root"
		mirror=$(sed -n 's/^URIs: *//p; s/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' \
			/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
			grep -v security | head -1)
		[ -n "$mirror" ] || loud_skip "no Debian mirror in apt's sources"
		dpkg_arch=$(case $arch in arm) echo armhf ;; aarch64) echo arm64 ;; esac)
		debootstrap --foreign --arch="$dpkg_arch" --variant=minbase --include=make bookworm \
			"$root" "$mirror" >debootstrap.log 2>&1 ||
			{ tail -5 debootstrap.log; loud_skip "debootstrap of $dpkg_arch failed"; }
		# The first stage extracts the essential packages; make is
		# only downloaded.
		for deb in "$root"/var/cache/apt/archives/make_*.deb; do
			dpkg-deb -x "$deb" "$root" || fail "extract $deb"
		done
		mkdir -p "$root$(dirname "$root")" && ln -s / "$root$root"
		touch "$root/.done"
	fi
	# A board has /proc and /dev: the runtime reads /proc/thread-self/maps,
	# the suite's shells write to /dev/null. debootstrap's first stage
	# leaves /proc a link to /proc: inside the root that is a loop (every
	# /proc path fails with ELOOP), and outside it names the host's /proc,
	# which is already mounted. It becomes the directory a board has.
	if [ -L "$root/proc" ]; then
		rm -f "$root/proc" && mkdir "$root/proc" || fail "cannot make the guest's /proc"
	fi
	for fs in proc dev; do
		mountpoint -q "$root/$fs" && continue
		if [ $fs = proc ]; then
			mount -t proc proc "$root/proc"
		else
			mount --bind /dev "$root/dev"
		fi || fail "cannot mount $fs in the guest's root"
	done
	trap 'umount "$root/proc" "$root/dev" 2>/dev/null' EXIT
	in_target() { chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/ \
		LANG=C "$@"; }
else
	in_target() { env "$@"; }
fi

# The work tree: inside the root when emulated, where the link makes its
# path the same inside and outside.
w=${root:+$root/suite}
w=${w:-$T}
mkdir -p "$w"

# The source, once.
if [ ! -f "$w/src/.done" ]; then
	rm -rf "$w/src" && mkdir -p "$w/src"
	(cd "$w/src" && apt-get source -qq m4 >/dev/null 2>&1) ||
		loud_skip "cannot fetch m4's source: 'apt-get source m4' failed (scripts/deb-src.sh adds deb-src entries; dpkg-dev is needed)"
	touch "$w/src/.done"
fi
m4src=$(echo "$w"/src/m4-*/)
[ -x "$m4src/configure" ] || fail "no configure in m4's source"

# The installed dynftrace (the README's way: make install, then the flags
# from pkg-config).
if [ -n "$root" ]; then
	destdir=$root prefix=/usr/local
else
	destdir= prefix=$T/inst
fi
make -s -C "$TOP" O="$O" CROSS_COMPILE="$CROSS_COMPILE" PREFIX=$prefix DESTDIR="$destdir" install \
	>install.log 2>&1 || { cat install.log; fail "make install"; }
flags=$(PKG_CONFIG_PATH=$destdir$prefix/lib/pkgconfig pkg-config --variable=instrument_cflags dynftrace) ||
	fail "pkg-config"
dft_bin=$prefix/bin/dynftrace

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
summary=$(grep '^dynftrace: [0-9]* events' traced.log) || fail "no summary: $(tail traced.log)"
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
