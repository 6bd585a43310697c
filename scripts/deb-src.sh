#!/bin/bash
# Makes `apt-get source` work: when apt has no source entries, adds them,
# mirroring the binary entries already configured (so no host is named
# here). Run as root; exits 0 if source entries exist afterwards. Running
# it again changes nothing: it writes only when no source entry exists, and
# never reads its own output.
set -u
dir=${APT_SOURCES_DIR:-/etc/apt/sources.list.d}
main=${APT_SOURCES_LIST:-/etc/apt/sources.list}
out=$dir/dynftrace-src
# A deb822 Types: line listing deb-src, or a one-line deb-src entry.
have() {
	grep -qsE '^(deb-src[[:space:]]|Types:(.*[[:space:]])?deb-src([[:space:]]|$))' \
		"$main" "$dir"/*.list "$dir"/*.sources
}
have && exit 0
[ "$(id -u)" = 0 ] || [ -n "${APT_SOURCES_DIR:-}" ] ||
	{ echo "deb-src.sh: not root: add deb-src entries to apt's sources" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# The inputs, listed before anything is written, without our own files.
lists=() sources=()
for f in "$main" "$dir"/*.list; do
	[ -f "$f" ] && [ "$f" != "$out.list" ] && lists+=("$f")
done
for f in "$dir"/*.sources; do
	[ -f "$f" ] && [ "$f" != "$out.sources" ] && sources+=("$f")
done
# One-line format: each "deb ..." (the word deb alone) becomes "deb-src ...".
[ ${#lists[@]} -gt 0 ] &&
	grep -hE '^deb[[:space:]]' "${lists[@]}" | sed -E 's/^deb[[:space:]]/deb-src /' | sort -u >"$tmp/list"
# deb822 format: each stanza whose Types: has the word deb (not deb-src),
# copied once as deb-src. Stanzas are separated by blank lines.
for f in "${sources[@]}"; do
	awk 'function flush() { if (deb && !off && text != "") printf "%s\n", text; text = ""; deb = off = 0 }
	     /^[[:space:]]*$/ { flush(); next }
	     /^Types:/ { n = split(substr($0, 7), t, /[[:space:]]+/)
			 for (i = 1; i <= n; i++) if (t[i] == "deb") deb = 1
			 $0 = "Types: deb-src" }
	     /^Enabled:[[:space:]]*no/ { off = 1 }
	     { text = text $0 "\n" }
	     END { flush() }' "$f"
done >"$tmp/sources"
[ -s "$tmp/list" ] && cp "$tmp/list" "$out.list"
[ -s "$tmp/sources" ] && cp "$tmp/sources" "$out.sources"
[ -n "${APT_SOURCES_DIR:-}" ] || apt-get update -qq
have
