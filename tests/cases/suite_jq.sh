#!/bin/bash
# A real program's own test suite, traced, also under emulation: jq from
# Debian's source, built with the installed dynftrace's instrument_cflags,
# runs the tests of its four `--run-tests` files (jq.test, base64.test,
# optional.test, onig.test: those of tests/*test that `make check` runs
# through one jq process each) once plainly and once each under `dynftrace
# record -t function_graph`. The traced runs must print exactly what the
# plain runs print (so fail exactly the same tests), exit the same, and
# `dynftrace report` must read every trace.
#
# Every function of jq is patched and traced, but nothing below
# builtins_bind is recorded (--graph-notrace): jq 1.6 compiles its whole
# builtin library again for each test, the same ~13 M calls every time,
# 99.9% of the events (4 G events, 25 GB for jq.test alone, natively).
#
# jq is built without Oniguruma (the target's libonig is not installed
# for a cross build): onig.test's 22 regular expression tests then fail,
# plainly and traced alike; the comparison covers failing tests too.
# tests/shtest and tests/mantest are left out: they run the host's shell,
# which under emulation would inherit the target's LD_PRELOAD, and
# mantest needs the documentation's tools. Each run is one guest process,
# so no guest root is needed (suite_m4 has one, and is too slow emulated).
#
# Under emulation a jq test costs about a second plainly and five traced
# (each compiles the builtins): there SUITE_JQ_TESTS (default 40; "all"
# with make check-long) limits jq.test to its first tests; the other files
# run whole.
#
# It runs when DFT_SUITES=1 (.ci/run sets it) on SUITE_ARCHES (default
# "x86_64 arm": CI traces the suite on x86-64 and armhf, Thumb-2); make
# check-long runs every target.
# timeout: 2400
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/suite_lib.sh"
cd "$T" || fail "no test dir"

suite_select jq "x86_64 arm"
command -v autoreconf >/dev/null && command -v libtoolize >/dev/null ||
	loud_skip "jq's source needs autoreconf and libtoolize (apt-get install autoconf automake libtool)"

now() { date +%s; }
times=
step() { times="$times $1 $(($(now) - t0))s"; t0=$(now); }
t0=$(now)

suite_source jq "$T/src"
[ -f "$srcdir/configure.ac" ] || fail "no configure.ac in jq's source"
suite_install
step source+install

# The build, in a copy of the source: jq's Makefile generates
# src/builtin.inc relative to the source directory, so it builds in its
# tree only. Static: the jq program itself holds every call site (no
# libtool wrapper script, no libjq.so).
b=$T/build
if [ ! -f "$b/.done" ] || [ "$(cat "$b/.done")" != "$CC $flags" ]; then
	rm -rf "$b" && cp -a "$srcdir" "$b" || fail "copy jq's source"
	host=
	[ -z "$CROSS_COMPILE" ] || host=--host=$triple
	(cd "$b" && autoreconf -fi >autoreconf.log 2>&1) || { tail -20 "$b/autoreconf.log"; fail "autoreconf jq"; }
	(cd "$b" && ./configure $host --disable-shared --disable-docs --disable-maintainer-mode \
		--without-oniguruma CC="$CC" CFLAGS="-O2 -g $flags" >configure.log 2>&1) ||
		{ tail -20 "$b/configure.log"; fail "configure jq"; }
	make -C "$b" -j2 >"$b/make.log" 2>&1 || { tail -20 "$b/make.log"; fail "build jq"; }
	echo "$CC $flags" >"$b/.done"
fi
jq=$b/jq
[ "$(head -c4 "$jq")" = $'\x7fELF' ] || fail "$jq is not a program (a libtool wrapper?)"
"$DFT" list "$jq" >list.out 2>&1 || { cat list.out; fail "dynftrace list: no sites in jq built with $flags"; }
step build

tests=(jq base64 optional onig)
limit=${SUITE_JQ_TESTS:-all}
[ -z "$EMULATED" ] || limit=${SUITE_JQ_TESTS:-40}
mkdir -p tests
for f in "${tests[@]}"; do
	cp "$b/tests/$f.test" tests/ || fail "no $f.test in jq's source"
done
# The first $limit tests of jq.test (a test: lines after a blank line,
# comments aside), at their own line numbers.
[ "$limit" = all ] || awk -v n="$limit" 'BEGIN { blank = 1 }
	/^[ \t]*$/ { blank = 1; print; next }
	/^#/ { print; next }
	{ if (blank && ++c > n) exit; blank = 0; print }' "$b/tests/jq.test" >tests/jq.test
run_tests() { (cd "$b/tests" && "$@" "$jq" -L modules --run-tests "$T/tests/$f.test"); }

# The failed tests of one run: FILE:LINE, from jq's "*** ... at line number".
failed_tests() {
	sed -n 's/^\*\*\* .* at line number \([0-9]*\).*/\1/p' "$2" | sort -un | sed "s/^/$1.test:/"
}

ntests=0
: >plain.failed
for f in "${tests[@]}"; do
	run_tests >"plain.$f.log" 2>&1
	echo $? >"plain.$f.st"
	n=$(sed -n 's/^[0-9]* of \([0-9]*\) tests passed.*/\1/p' "plain.$f.log")
	[ -n "$n" ] || { tail "plain.$f.log"; fail "$f.test: no summary"; }
	ntests=$((ntests + n))
	failed_tests "$f" "plain.$f.log" >>plain.failed
done
min=300
[ "$limit" = all ] || min=$limit
[ "$ntests" -gt "$min" ] || fail "the plain runs ran $ntests tests"
step plain

events=0
: >traced.failed
for f in "${tests[@]}"; do
	rm -rf "tr.$f"
	run_tests "$dft_bin" record -t function_graph --graph-notrace builtins_bind -o "$T/tr.$f" -- \
		>"traced.$f.log" 2>&1
	st=$?
	failed_tests "$f" "traced.$f.log" >>traced.failed
	grep -q "wrong ELF class" "traced.$f.log" && fail "a host program inherited the target's LD_PRELOAD"
	summary=$(record_summary "traced.$f.log") || exit 1
	events=$((events + $(echo "$summary" | sed 's/^dynftrace: \([0-9]*\) events.*/\1/')))
	# The suite's own output, with the recorder's lines left out, is the
	# plain run's.
	grep -v '^dynftrace: ' "traced.$f.log" | diff -u "plain.$f.log" - >"$f.diff" ||
		{ head -40 "$f.diff"; fail "$f.test: the traced run printed other results than the plain one"; }
	[ "$st" = "$(cat "plain.$f.st")" ] || fail "$f.test: exit status $(cat "plain.$f.st") plainly, $st traced"
done
diff -u plain.failed traced.failed || fail "the traced runs failed other tests than the plain ones"
[ "$events" -gt 1000000 ] || fail "only $events events"
step traced

# The report reads every trace: jq's interpreter (jq_next runs every
# program) is in each profile, and the graph of the largest reads through.
for f in "${tests[@]}"; do
	"$dft_bin" report -i "$T/tr.$f" --format profile >"profile.$f" 2>profile.err ||
		{ cat profile.err; fail "report --format profile of $f.test"; }
	grep -q ' jq_next$' "profile.$f" || fail "jq_next is not in the profile of $f.test"
done
"$dft_bin" report -i "$T/tr.jq" --format graph 2>graph.err | wc -l >graph.lines ||
	fail "report --format graph"
[ -s graph.err ] && { cat graph.err; fail "report --format graph complained"; }
step report

pass "jq suite on $arch: $ntests tests (jq.test: $limit), $(wc -l <plain.failed) failing plainly and traced" \
	"($(sed 's/:.*//' plain.failed | sort | uniq -c | tr -s ' \n' ' ')); $events events;" \
	"$(cat graph.lines) graph lines; times:$times"
