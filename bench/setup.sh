#!/bin/bash
# Install what the benchmarks need and fetch the Lua and Redis sources into
# bench/work/src. As root it installs packages and adds a deb-src line when
# apt has none; otherwise it prints what is missing and carries on (the
# workloads that lack something are skipped, and the report says so).
set -u
W=${BENCH_WORK:?}
mkdir -p "$W/src"

PKGS="uftrace redis-tools dpkg-dev valgrind clang llvm libclang-rt-14-dev python3"
missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if [ "$(id -u)" = 0 ]; then
	# Source entries mirroring the configured binary ones (names no host).
	"$(dirname "$0")/../scripts/deb-src.sh" >&2 || echo "setup: no deb-src entries" >&2
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get update -qq >&2
		echo "setup: apt-get install ${missing[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 ||
			echo "setup: some packages failed to install" >&2
	fi
else
	[ ${#missing[@]} -eq 0 ] || echo "setup: not root; install: apt-get install ${missing[*]}" >&2
	"$(dirname "$0")/../scripts/deb-src.sh" 2>&1 | sed 's/^/setup: /' >&2
fi

# apt-get source unpacks (and patches) into the current directory.
fetch() { # fetch SRCPKG DIRGLOB
	local d
	d=$(ls -d "$W/src/"$2 2>/dev/null | head -1)
	if [ -n "$d" ] && [ -d "$d" ]; then return 0; fi
	(cd "$W/src" && apt-get source -qq "$1" >/dev/null 2>&1) ||
		{ echo "setup: apt-get source $1 failed (deb-src line? dpkg-dev?)" >&2; return 1; }
}
fetch lua5.4 'lua5.4-*/'
fetch redis 'redis-*/'
exit 0
