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
			*.cc)
				cc="$cc "
				cc=${cc/gcc /g++ }
				cc=${cc/clang /clang++ }
				;;
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

# size_bytes 4M: the bytes of a size as record takes it (K, M, G).
size_bytes() {
	local n=${1%[KMG]}
	case $1 in
	*K) echo $((n << 10)) ;;
	*M) echo $((n << 20)) ;;
	*G) echo $((n << 30)) ;;
	*) echo "$n" ;;
	esac
}

# record_env DIR [record options] -- CMD...: what `dynftrace record` does,
# by hand, for an emulator (which cannot follow the exec of a foreign
# program): the runtime's environment (docs/trace-format.md) is set here,
# and only LD_PRELOAD goes through the emulator's -E.
record_env() {
	local dir=$1 v
	local -A env=([TRACER]=function_graph)
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		v=$2
		case $1 in
		-t) env[TRACER]=$v ;;
		-F) env[FILTER]=${env[FILTER]:+${env[FILTER]},}$v ;;
		-N) env[NOTRACE]=${env[NOTRACE]:+${env[NOTRACE]},}$v ;;
		-G) env[GRAPH_FUNCS]=$v ;;
		--graph-notrace) env[GRAPH_NOTRACE]=$v ;;
		-D) env[DEPTH]=$v ;;
		--thresh) env[THRESH]=$((${v%ms} * 1000000)) ;;
		-A) env[ARGS]=${env[ARGS]:+${env[ARGS]};}$v ;;
		-R) env[RETVAL]=${env[RETVAL]:+${env[RETVAL]};}$v ;;
		--ring) env[RING]=$(size_bytes "$v") ;;
		--max-size) env[MAX_SIZE]=$(size_bytes "$v") ;;
		*) fail "record_env: option $1" ;;
		esac
		shift 2
	done
	shift
	mkdir -m 700 "$dir" || fail "mkdir $dir"
	printf 'version=0\ntracer=%s\nargv=%s\noptions=\nstart=0\npid=0\n' \
		"${env[TRACER]}" "$*" >"$dir/info"
	(
		for v in "${!env[@]}"; do export "DYNFTRACE_$v=${env[$v]}"; done
		export DYNFTRACE_DIR=$(cd "$dir" && pwd)
		$RUN -E LD_PRELOAD="$LIBDIR/libdynftrace.so" "$@"
	)
}

# record_run DIR [record options] -- CMD...: records into DIR, with CMD's
# output in DIR.out and DIR.err; returns CMD's exit status.
record_run() {
	local dir=$1 rc try
	shift
	for try in 1 2 3; do
		rm -rf "$dir"
		if [ -n "$RUN" ]; then
			record_env "$dir" "$@" >"$dir.out" 2>"$dir.err"
		else
			# Library calls have cases of their own (trace_libcall).
			"$DFT" record --no-libcall -o "$dir" "$@" >"$dir.out" 2>"$dir.err"
		fi
		rc=$?
		# 126: the command was being relinked by a parallel make.
		[ $rc = 126 ] || break
		sleep 1
	done
	return $rc
}

# record DIR [record options] -- CMD...: the same, for a CMD that succeeds.
record() {
	record_run "$@" || { cat "$1.out" "$1.err"; fail "record ${*:2}"; }
}

# tree DIR: the calls of every thread, read from the raw streams.
tree() {
	"$PYTHON" "$TOP/tests/prog/trace_read.py" "$1" || fail "malformed trace in $1"
}

# expect_tree DIR WHAT: compares tree DIR with the expected text on stdin.
# qemu-user does not translate the addresses process_vm_readv() reads
# strings at: under it they come out empty.
expect_tree() {
	local dir=$1 what=$2
	tree "$dir" >"$dir.tree"
	if [ -n "$EMULATED" ]; then sed 's/"[^"]*"/""/g'; else cat; fi |
		diff -u - "$dir.tree" >"$dir.diff" || { cat "$dir.diff"; fail "$what"; }
}

# report_ok DIR: the report formats run clean on the trace.
report_ok() {
	local f
	for f in graph chrome folded; do
		run "$DFT" report -i "$1" --format $f >"$1.$f" 2>"$1.$f.err" ||
			{ cat "$1.$f.err"; fail "report --format $f on $1"; }
	done
}
