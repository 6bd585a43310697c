#!/bin/bash
# Multi-file C++ built with the documented C++ flags (INSTRUMENT_CXXFLAGS,
# pkg-config's instrument_cxxflags) links with g++ (12 puts the site table
# entries of COMDAT functions outside their group: a table does not link)
# and clang++, and is traced: every template and inline function shared by
# both files has its sites found once, `dynftrace list` and the recorded
# process agree on the functions, and the call counts are exact.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
cd "$T" || fail "no test dir"
flags=$(sed -n 's/^INSTRUMENT_CXXFLAGS := //p' "$TOP/arch/$(arch_dir)/arch.mk")
[ -n "$flags" ] || fail "arch/$(arch_dir)/arch.mk sets no INSTRUMENT_CXXFLAGS"
compilers=("${CROSS_COMPILE}g++")
# clang++ takes the same flags on x86-64 only: on ARM its -pg also needs
# -meabi gnu, and on AArch64 its -pg passes no return address (README).
[ "$(arch_dir)" = x86_64 ] && compilers+=(clang++)
src="$TOP/tests/prog/cxx_multi_a.cc $TOP/tests/prog/cxx_multi_b.cc"
n=0
for cxx in "${compilers[@]}"; do
	command -v "$cxx" >/dev/null || continue
	for opt in -O0 -O2; do
		name=${cxx##*-}$opt
		# shellcheck disable=SC2086
		build_variant "$name" "$cxx" "$flags $opt" $src
		[ "$(run "./$name" 10)" = "20 12 180" ] || fail "$name: wrong output"
		dft list -r "./$name" >"$name.list" 2>/dev/null || fail "$name: list found no functions"
		for f in _ZN9cxx_words3addERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE \
			_Z9cxx_twiceIiET_S0_ main; do
			[ "$(grep -cx "$f" "$name.list")" = 1 ] || fail "$name: $f listed $(grep -cx "$f" "$name.list") times"
		done
		record_to "$name.tr" -t function -- "./$name" 10 >"$name.out" 2>"$name.err" ||
			fail "$name: record: $(cat "$name.err")"
		[ "$(cat "$name.out")" = "20 12 180" ] || fail "$name: wrong output under record"
		# The executable's functions (module 0) as the runtime found them.
		awk '$2 == 0 { print $5 }' "$name.tr"/sites-* | sort -u >"$name.found"
		sort -u "$name.list" | diff - "$name.found" >/dev/null ||
			fail "$name: list ($(wc -l <"$name.list")) and the runtime ($(wc -l <"$name.found")) disagree"
		dft report -i "$name.tr" >"$name.rep" || fail "$name: report"
		# Names with their parameters, or short as the report shows them.
		for f in 'cxx_words::add' 'cxx_twice(<int>)?'; do
			c=$(sed 's/ <-.*//' "$name.rep" | grep -cE ": (int )?$f(\(|\$)")
			[ "$c" = 20 ] || fail "$name: $c calls of $f, not 20"
		done
		n=$((n + 1))
	done
done
[ $n -gt 0 ] || skip "no C++ compiler for this target"
pass "$n builds link and trace"
