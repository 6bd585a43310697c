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

have_debsrc() {
	grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
}
KEY=/usr/share/keyrings/debian-archive-keyring.gpg
OPT=; [ -f $KEY ] && OPT="[signed-by=$KEY] "
SRCLINE="deb-src ${OPT}http://deb.debian.org/debian $(. /etc/os-release; echo "$VERSION_CODENAME") main"
SECLINE="deb-src ${OPT}http://deb.debian.org/debian-security $(. /etc/os-release; echo "$VERSION_CODENAME")-security main"

if [ "$(id -u)" = 0 ]; then
	updated=
	if ! have_debsrc; then
		echo "setup: adding deb-src lines to /etc/apt/sources.list.d/dynftrace-bench-src.list" >&2
		printf '%s\n%s\n' "$SRCLINE" "$SECLINE" >/etc/apt/sources.list.d/dynftrace-bench-src.list
		apt-get update -qq >&2 && updated=1
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		[ -n "$updated" ] || apt-get update -qq >&2
		echo "setup: apt-get install ${missing[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 ||
			echo "setup: some packages failed to install" >&2
	fi
else
	[ ${#missing[@]} -eq 0 ] || echo "setup: not root; install: apt-get install ${missing[*]}" >&2
	have_debsrc || echo "setup: not root; add to /etc/apt/sources.list: $SRCLINE" >&2
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
