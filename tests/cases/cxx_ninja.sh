#!/bin/bash
# A real C++ program: ninja from Debian's source package, built with g++
# and the documented C++ flags (INSTRUMENT_CXXFLAGS), links, works, and
# `dynftrace record -- ninja -n` on a 200-edge manifest traces it: the
# functions the runtime found are exactly those `dynftrace list` shows, and
# the parser's calls are counted exactly.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
cd "$T" || fail "no test dir"

loud_skip() {
	echo "######## SKIPPED: $* ########" >&2
	skip "$*"
}
# Native only: compiling ninja under qemu would cost minutes, and
# cxx_multifile.sh covers the C++ flags on every target.
[ -z "$EMULATED" ] || skip "native only: ninja would be compiled and run under an emulator"
flags=$(sed -n 's/^INSTRUMENT_CXXFLAGS := //p' "$TOP/arch/$(arch_dir)/arch.mk")
[ -n "$flags" ] || fail "arch/$(arch_dir)/arch.mk sets no INSTRUMENT_CXXFLAGS"
command -v g++ >/dev/null || skip "no g++"

# Built once per build tree (the case's directory stays between runs).
if [ ! -x bin/ninja ] || [ bin/ninja -ot "$TOP/arch/$(arch_dir)/arch.mk" ]; then
	rm -rf src bin && mkdir src bin
	(cd src && apt-get source -qq --download-only ninja-build >/dev/null 2>&1) ||
		loud_skip "cannot fetch ninja's source: 'apt-get source ninja-build' failed (run scripts/deb-src.sh as root; dpkg-dev is needed)"
	tar -C src -xzf src/ninja-build_*.orig.tar.gz || fail "unpack ninja"
	nsrc=$(echo src/ninja-*/src)
	[ -f "$nsrc/ninja.cc" ] || loud_skip "no src/ninja.cc in ninja's source package"
	# configure.py's list for Linux (ninja 1.11).
	objs=()
	for f in build build_log clean clparser debug_flags depfile_parser deps_log \
		disk_interface dyndep dyndep_parser edit_distance eval_env graph graphviz json \
		lexer line_printer manifest_parser metrics missing_deps parser state status \
		string_piece_util util version subprocess-posix ninja; do
		# shellcheck disable=SC2086
		nice g++ -O2 $flags -fno-rtti -fno-exceptions -DNINJA_PYTHON='"python3"' \
			-c "$nsrc/$f.cc" -o "bin/$f.o" || fail "g++ $flags: compile $f.cc"
		objs+=("bin/$f.o")
	done
	# Linked without -pg (README).
	g++ "${objs[@]}" -o bin/ninja || fail "g++ $flags: link ninja"
fi

# A manifest of 200 edges; -n plans them all and runs none.
{
	echo "rule cc"
	echo "  command = cc -c \$in -o \$out"
	for i in $(seq 1 200); do echo "build o$i.o: cc s$i.c"; done
	echo "build all: phony $(seq -f 'o%g.o' 1 200 | tr '\n' ' ')"
} >build.ninja
touch $(seq -f 's%g.c' 1 200)
bin/ninja -n all >plain.out 2>&1 || fail "ninja itself: $(cat plain.out)"
grep -q '^\[200/200\] cc -c s200.c -o o200.o$' plain.out || fail "ninja -n: $(tail -2 plain.out)"

dft list -r bin/ninja 2>list.err | sort -u >list.out || fail "list: $(cat list.err)"
[ "$(wc -l <list.out)" -gt 300 ] || fail "list found only $(wc -l <list.out) functions"
dft record --no-libcall -f -o tr -t function -- bin/ninja -n all >rec.out 2>rec.err ||
	fail "record ninja -n: $(cat rec.err)"
diff plain.out rec.out >/dev/null || fail "ninja's output differs under record"
awk '$2 == 0 { print $5 }' tr/sites-* | sort -u >found.out
diff list.out found.out >/dev/null ||
	fail "list ($(wc -l <list.out)) and the runtime ($(wc -l <found.out)) disagree"
dft report -i tr >rep.out || fail "report"
c=$(sed 's/ <-.*//' rep.out | grep -cE ': ManifestParser::ParseEdge(\(|$)')
[ "$c" = 201 ] || fail "$c calls of ManifestParser::ParseEdge, not 201"
dft record -f -o tr2 -- bin/ninja -n all >/dev/null 2>rec2.err || fail "graph: $(cat rec2.err)"
dft report -i tr2 | grep -qE 'ManifestParser::Parse\(.*\{$' || fail "graph: no ManifestParser::Parse"
pass "ninja: $(wc -l <list.out) functions, $c edges parsed"
