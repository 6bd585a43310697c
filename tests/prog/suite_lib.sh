# Helpers of the real programs' test suites (tests/cases/suite_*.sh): which
# targets run them, the program's Debian source, the installed dynftrace
# and, under emulation, a root of the target's own Debian.
# Source after tests/lib.sh.

loud_skip() {
	echo "######## SKIPPED: $* ########" >&2
	skip "$*"
}

# suite_select NAME DEFAULT_ARCHES: skips unless DFT_SUITES=1 and this
# target is in SUITE_ARCHES (default DEFAULT_ARCHES). Sets arch and triple.
suite_select() {
	local name=$1 arches=${SUITE_ARCHES:-$2}
	[ "${DFT_SUITES:-}" = 1 ] ||
		skip "the real test suites run with DFT_SUITES=1 (.ci/run and make check-long set it)"
	arch=$(arch_dir)
	case " $arches " in *" $arch "*) ;; *)
		skip "the $name suite runs on $arches (make check-long runs every target)" ;;
	esac
	[ -z "$RUN" ] || skip "no binfmt_misc: the suite's processes cannot exec the target's programs"
	triple=$($CC -dumpmachine)
}

# suite_source PKG DIR: PKG's Debian source, unpacked once in DIR; sets
# srcdir to its directory. A mirror may lack the newest version (security updates):
# then every other version apt knows is tried.
suite_source() {
	local pkg=$1 dir=$2 v
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir" && mkdir -p "$dir"
		if ! (cd "$dir" && apt-get source -qq "$pkg" >/dev/null 2>&1); then
			for v in $(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p'); do
				(cd "$dir" && apt-get source -qq "$pkg=$v" >/dev/null 2>&1) && break
			done
		fi
		ls -d "$dir/$pkg"-*/ >/dev/null 2>&1 ||
			loud_skip "cannot fetch $pkg's source: 'apt-get source $pkg' failed (scripts/deb-src.sh adds deb-src entries; dpkg-dev is needed)"
		touch "$dir/.done"
	fi
	srcdir=$(echo "$dir/$pkg"-*/)
}

# suite_install [DESTDIR]: make install of this build, the README's way;
# sets prefix, flags (pkg-config's instrument_cflags) and dft_bin.
suite_install() {
	local destdir=${1:-}
	if [ -n "$destdir" ]; then prefix=/usr/local; else prefix=$T/inst; fi
	make -s -C "$TOP" O="$O" CROSS_COMPILE="$CROSS_COMPILE" PREFIX="$prefix" DESTDIR="$destdir" \
		install >install.log 2>&1 || { cat install.log; fail "make install"; }
	flags=$(PKG_CONFIG_PATH=$destdir$prefix/lib/pkgconfig pkg-config --variable=instrument_cflags dynftrace) ||
		fail "pkg-config"
	dft_bin=$prefix/bin/dynftrace
}

# guest_root [PKG...]: under emulation, the target's own Debian in $T/root
# (debootstrap's first stage, plus PKGs), with /proc and /dev, so that every
# process of a suite that runs the system's shells and tools is a guest
# process, as on a board, and none is a host program that inherits a foreign
# LD_PRELOAD ("wrong ELF class" noise). Sets root (empty natively) and
# in_target CMD...: runs CMD in it. $root$root links to /, so that paths
# under $root are the same inside and outside.
guest_root() {
	local include=${*:-}
	root=
	if [ -z "$EMULATED" ]; then
		in_target() { env "$@"; }
		return
	fi
	command -v debootstrap >/dev/null || loud_skip "debootstrap is not installed"
	root=$T/root
	if [ ! -f "$root/.done" ]; then
		rm -rf "$root"
		local mirror dpkg_arch deb p
		mirror=$(sed -n 's/^URIs: *//p; s/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' \
			/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
			grep -v security | head -1)
		[ -n "$mirror" ] || loud_skip "no Debian mirror in apt's sources"
		dpkg_arch=$(case $arch in arm) echo armhf ;; aarch64) echo arm64 ;; esac)
		debootstrap --foreign --arch="$dpkg_arch" --variant=minbase ${include:+--include=${include// /,}} \
			bookworm "$root" "$mirror" >debootstrap.log 2>&1 ||
			{ tail -5 debootstrap.log; loud_skip "debootstrap of $dpkg_arch failed"; }
		# The first stage extracts the essential packages; the others
		# are only downloaded.
		for p in $include; do
			for deb in "$root"/var/cache/apt/archives/"${p}"_*.deb; do
				dpkg-deb -x "$deb" "$root" || fail "extract $deb"
			done
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
	local fs
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
}

# record_summary LOG: the recorder's "dynftrace: N events ..." line.
record_summary() {
	grep '^dynftrace: [0-9]* events' "$1" || fail "no summary in $1: $(tail -5 "$1")"
}
