# Helpers of the trace_* cases (source tests/lib.sh first).

# build_trace NAME SRC [FLAGS]: builds tests/prog/SRC in every variant, once
# for all cases (they run in parallel: the first builds, under a lock), and
# prints the variant names. The binary is $O/tests/trace/<variant>/NAME.
build_trace() {
	local name=$1 src=$2 extra=${3:-} dir=$O/tests/trace
	mkdir -p "$dir"
	(
		flock 9
		variants | while IFS='|' read -r v cc flags; do
			local d=$dir/$v
			[ -x "$d/$name" ] && [ "$d/$name" -nt "$TOP/tests/prog/$src" ] &&
				[ "$d/$name" -nt "$TOP/tests/prog/trace_prog.h" ] && continue
			mkdir -p "$d"
			case $src in
			*.cc) cc=${cc/%gcc/g++}; cc=${cc/%clang/clang++} ;;
			esac
			# -mnop-mcount cannot make PIC: a library gets the call form.
			case $extra in
			*-fPIC*) flags=${flags/-mnop-mcount/}; flags=${flags/-fno-pie -no-pie/} ;;
			esac
			build_variant "$d/$name" "$cc" "$flags $extra" "$TOP/tests/prog/$src" -- \
				-lpthread -ldl
		done
	) 9>"$dir/.lock.$name"
	local v n=0
	for v in $(variants | cut -d'|' -f1); do
		[ -x "$dir/$v/$name" ] || fail "$name was not built in variant $v"
		echo "$v"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || skip "no compiler for any variant"
}

# record DIR [record options] -- CMD...: dynftrace record, quietly.
record() {
	local dir=$1 rc try
	shift
	for try in 1 2 3; do
		rm -rf "$dir"
		run "$DFT" record -o "$dir" "$@" >"$dir.out" 2>"$dir.err"
		rc=$?
		# 126: the command was being relinked by a parallel make.
		[ $rc = 126 ] || break
		sleep 1
	done
	[ $rc = 0 ] || { cat "$dir.out" "$dir.err"; fail "record $*"; }
}

# tree DIR: the calls of every thread, read from the raw streams.
tree() {
	python3 "$TOP/tests/prog/trace_read.py" "$1" || fail "malformed trace in $1"
}

# expect_tree DIR WHAT: compares tree DIR with the expected text on stdin.
expect_tree() {
	local dir=$1 what=$2
	tree "$dir" >"$dir.tree"
	diff -u /dev/stdin "$dir.tree" >"$dir.diff" || { cat "$dir.diff"; fail "$what"; }
}

# report_ok DIR: the report formats run clean on the trace.
report_ok() {
	local f
	for f in graph chrome folded; do
		run "$DFT" report -i "$1" --format $f >"$1.$f" 2>"$1.$f.err" ||
			{ cat "$1.$f.err"; fail "report --format $f on $1"; }
	done
}
