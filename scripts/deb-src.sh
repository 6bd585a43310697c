#!/bin/bash
# Makes `apt-get source` work: when apt has no source entries, adds them,
# mirroring the binary entries already configured (so no host is named
# here). Run as root; exits 0 if source entries exist afterwards.
set -u
have() { grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; }
have && exit 0
[ "$(id -u)" = 0 ] || { echo "deb-src.sh: not root: add deb-src entries to apt's sources" >&2; exit 1; }
out=/etc/apt/sources.list.d/dynftrace-src
# One-line format: each "deb ..." becomes "deb-src ...".
grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
	sed 's/^deb /deb-src /' >"$out.list"
[ -s "$out.list" ] || rm -f "$out.list"
# deb822 format: each enabled stanza of Types: deb, as deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -qE '^Types:.*\bdeb\b' "$f" || continue
	sed -E 's/^Types:.*/Types: deb-src/' "$f"
	echo
done >"$out.sources"
[ -s "$out.sources" ] || rm -f "$out.sources"
apt-get update -qq
have
