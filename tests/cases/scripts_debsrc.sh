#!/bin/bash
# scripts/deb-src.sh on a copy of apt's sources (one-line and deb822, with
# a disabled stanza): each source gets one deb-src entry, apt's own files
# are untouched, and running it twice changes nothing.
. "$TOP/tests/lib.sh"
d=$T/apt
rm -rf "$d" "$d.orig" "$d.first" && mkdir -p "$d/sources.list.d"
cat >"$d/sources.list" <<'E'
deb http://example.org/debian bookworm main
# deb http://example.org/commented bookworm main
E
cat >"$d/sources.list.d/debian.sources" <<'E'
Types: deb
URIs: http://example.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://example.org/debian-security
Suites: bookworm-security
Components: main

Types: deb
Enabled: no
URIs: http://example.org/off
Suites: bookworm
Components: main
E
cp -r "$d" "$d.orig"
export APT_SOURCES_DIR=$d/sources.list.d APT_SOURCES_LIST=$d/sources.list
"$TOP/scripts/deb-src.sh" || fail "first run failed"
out=$d/sources.list.d/dynftrace-src
[ "$(grep -c '^deb-src ' "$out.list")" = 1 ] || { cat "$out.list"; fail "one-line entry not written once"; }
grep -qx 'deb-src http://example.org/debian bookworm main' "$out.list" || fail "wrong one-line entry"
[ "$(grep -c '^Types: deb-src$' "$out.sources")" = 2 ] || { cat "$out.sources"; fail "deb822 stanzas not written once each"; }
[ "$(grep -c '^URIs: http://example.org/debian-security$' "$out.sources")" = 1 ] || fail "security stanza count"
grep -q example.org/off "$out.sources" && fail "disabled stanza copied"
diff -r "$d.orig/sources.list.d/debian.sources" "$d/sources.list.d/debian.sources" || fail "changed apt's own file"
cp -r "$d" "$d.first"
"$TOP/scripts/deb-src.sh" || fail "second run failed"
diff -r "$d.first" "$d" || fail "a second run changed the sources"
pass "deb-src entries written once; a second run changes nothing"
