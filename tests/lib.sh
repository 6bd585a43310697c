# Shared helpers for tests/cases/*.sh. Source it first.
#
# Test programs are built in every variant the target's compilers support:
# compiler x site form x optimisation x CET. `variants` prints them as
# "name|cc|cflags" lines; `build_variant` compiles sources in one.
set -u
: "${TOP:?run through tests/run.sh}"
: "${O:?}"
RUN=${RUN:-}
ARCH=${ARCH:-$(uname -m)}
CC=${CC:-gcc}
CROSS_COMPILE=${CROSS_COMPILE:-}
LIBDIR=$O
DFT=$O/dynftrace
T=$O/tests/$(basename "${BASH_SOURCE[1]:-$0}" .sh)
mkdir -p "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
pass() { echo "ok: $*"; }

# The site forms of this target: lines "name|compiler|flags".
# A compiler that is not installed is left out.
variants() {
	local file=$TOP/arch/$(arch_dir)/variants
	local line name cc flags
	while IFS='|' read -r name cc flags; do
		case $name in ''|\#*) continue ;; esac
		cc=${cc//@CROSS@/$CROSS_COMPILE}
		command -v "${cc%% *}" >/dev/null 2>&1 || continue
		for opt in -O0 -O2; do
			echo "$name$opt|$cc|$flags $opt"
		done
	done <"$file"
}

arch_dir() {
	case $ARCH in
	x86_64) echo x86_64 ;;
	aarch64) echo aarch64 ;;
	arm*) echo arm ;;
	*) echo "$ARCH" ;;
	esac
}

# build_variant OUT "cc" "flags" SRC... [-- LDFLAGS...]
build_variant() {
	local out=$1 cc=$2 flags=$3
	shift 3
	local srcs=() ld=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$1"); shift; done
	[ $# -gt 0 ] && shift && ld=("$@")
	# Compile with the site flags, link without -pg: linking with it pulls
	# in gcrt1 and gmon.
	local objs=() s obj
	for s in "${srcs[@]}"; do
		obj=$out.$(basename "${s%.*}").o
		# shellcheck disable=SC2086
		$cc $flags -g -fno-inline -I"$TOP/include" -I"$TOP/tests/prog" -c "$s" -o "$obj" ||
			fail "compile $s with $cc $flags"
		objs+=("$obj")
	done
	local lflags=" $flags "
	lflags=${lflags// -pg / }
	# shellcheck disable=SC2086
	$cc $lflags "${objs[@]}" -o "$out" "${ld[@]}" || fail "link $out with $cc $flags"
}

# Runs a test program with the runtime preloaded (or linked).
run() { $RUN "$@"; }
run_preload() {
	if [ -n "$RUN" ]; then
		$RUN -E LD_PRELOAD="$LIBDIR/libdynftrace.so" "$@"
	else
		LD_PRELOAD="$LIBDIR/libdynftrace.so" "$@"
	fi
}
