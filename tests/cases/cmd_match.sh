#!/bin/bash
# One matcher for record -F/-N (the runtime's dft_set_filter()), report -F
# and list: a C++ function is selected by its demangled name with or
# without the parameter list, or by its mangled name, and all select the
# same calls (counted exactly); a parameter list may hold ", "; a pattern
# that selects nothing is warned about with the closest names.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
cd "$T" || fail "no test dir"

prog=
while IFS='|' read -r name cc flags; do
	case $cc in
	*gcc*) cxx=${cc%gcc}g++ ;;
	*clang*) cxx=${cc/clang/clang++} ;;
	*) continue ;;
	esac
	command -v "${cxx%% *}" >/dev/null || continue
	build_variant "$name" "$cxx" "$flags" "$TOP/tests/prog/match_cxx.cc" 2>/dev/null || continue
	prog=$name
	break
done < <(OPT_LEVELS=-O2 variants)
[ -n "$prog" ] || skip "no C++ compiler"

# calls DIR: "COUNT NAME" (names as the sites file has them: mangled) of
# every call in the trace, read by the independent decoder.
calls() {
	$PYTHON "$TOP/tests/prog/trace_read.py" "$1" | grep -v '^==' |
		sed -e 's/^ *//' -e 's/[ (].*//' | sort | uniq -c | awk '{ print $1, $2 }'
}

# sel NAME EXPECTED RECORD-OPTIONS...: records with them, checks the calls.
sel() {
	local what=$1 want=$2
	shift 2
	record_to "$what" -t function "$@" -- "./$prog" >/dev/null 2>"$what.err" ||
		fail "$what: record failed: $(cat "$what.err")"
	calls "$what" >"$what.calls"
	diff -u <(printf '%s\n' "$want") "$what.calls" || fail "$what: other calls selected"
}

bar_int='3 _ZN2ns3Foo3barEi'
bar_dbl='2 _ZN2ns3Foo3barEd'
sel demangled "$bar_dbl
$bar_int" -F 'ns::Foo::bar'
sel params "$bar_int" -F 'ns::Foo::bar(int)'
sel mangled "$bar_int" -F '_ZN2ns3Foo3barEi'
sel blanks "$bar_int" -F 'ns::Foo::bar( int )'
sel comma "$bar_int
4 _ZN2ns4pairEic" -F 'ns::Foo::bar(int),ns::pair(int, char)'
sel template "5 _ZN2ns5twiceIiEET_S1_" -F 'ns::twice<int>'
sel notrace "1 _ZN2ns3Foo3bazEi
4 _ZN2ns4pairEic
5 _ZN2ns5twiceIiEET_S1_" -F 'ns::*' -N 'ns::Foo::bar'

# report -F on an unfiltered trace: the same selection either way.
record_to all -t function -- "./$prog" >/dev/null 2>all.err || fail "record: $(cat all.err)"
for f in 'ns::Foo::bar(int)' '_ZN2ns3Foo3barEi' 'ns::Foo::bar( int )'; do
	dft report -i all -F "$f" --format profile 2>&1 | grep -v '^#' |
		awk '$1 ~ /^[0-9]+$/ { print $1, $NF }' >rep.out
	[ "$(cat rep.out)" = "3 ns::Foo::bar(int)" ] || fail "report -F '$f': $(cat rep.out)"
done

# list: the same patterns, and the closest names when none is selected.
dft list "./$prog" 'ns::Foo::bar' 2>/dev/null >list.out || fail "list ns::Foo::bar"
[ "$(sort list.out | tr '\n' ' ')" = "ns::Foo::bar(double) ns::Foo::bar(int) " ] ||
	fail "list ns::Foo::bar: $(cat list.out)"
[ "$(dft list "./$prog" _ZN2ns3Foo3barEi 2>/dev/null)" = "ns::Foo::bar(int)" ] || fail "list mangled"
dft list "./$prog" 'ns::Foo::bax' >/dev/null 2>list.err && fail "list: a pattern that selects nothing"
grep -q "warning: 'ns::Foo::bax' matches no function; close names: .*ns::Foo::bar(int)" list.err ||
	fail "list: no close names: $(cat list.err)"

# The warning with the closest names: from the command once for all
# processes when it records, from the runtime when run without it.
DYNFTRACE_LOG=warn record_to typo -t function -F 'ns::Foo::bax' -F 'ns::Foo::baz' -- "./$prog" \
	>/dev/null 2>typo.err || fail "typo: record failed: $(cat typo.err)"
grep -qE "'ns::Foo::bax' matches no function( with a call site)?; close names:.*ns::Foo::baz" typo.err ||
	fail "no close names: $(cat typo.err)"
[ "$(grep -c "ns::Foo::bax" typo.err)" = 1 ] || fail "the warning is not said once: $(cat typo.err)"
[ "$(calls typo)" = "1 _ZN2ns3Foo3bazEi" ] || fail "typo: the valid pattern was not kept: $(calls typo)"
pass "demangled, with parameters, mangled: the same calls ($prog)"
