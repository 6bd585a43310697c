# Shared helpers for tests/cases/*.sh. Source it first.
#
# Test programs are built in every variant the target's compilers support:
# compiler x site form x optimisation x CET. `variants` prints them as
# "name|cc|cflags" lines; `build_variant` compiles sources in one.
set -u
: "${TOP:?run through tests/run.sh}"
: "${O:?}"
RUN=${RUN:-}
# The emulator running this target (binfmt_misc or RUN), empty natively.
EMULATED=${EMULATED:-}
ARCH=${ARCH:-$(uname -m)}
CC=${CC:-gcc}
CROSS_COMPILE=${CROSS_COMPILE:-}
LIBDIR=${LIBDIR:-$O}
DFT=$O/dynftrace
T=$O/tests/$(basename "${BASH_SOURCE[1]:-$0}" .sh)
mkdir -p "$T"

# The system's python3, not a version manager's shim (which costs tens of
# milliseconds a call, and tests call it often).
PYTHON=$(command -v /usr/bin/python3 || command -v python3) || PYTHON=python3

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
pass() { echo "ok: $*"; }

# The site forms of this target: lines "name|compiler|flags".
# A compiler that is not installed is left out. In arch/*/variants a fourth
# field "nonentry" marks forms whose sites may follow the prologue (trace
# only: no arguments, redirect or graph); ENTRY_ONLY=1 leaves them out.
# OPT_LEVELS (default "-O0 -O2") lists the optimisation levels to build.
# With make check SAN=..., only the forms of clang (see below).
variants() {
	local file=$TOP/arch/$(arch_dir)/variants
	local line name cc flags kind
	while IFS='|' read -r name cc flags kind; do
		case $name in ''|\#*) continue ;; esac
		[ "${ENTRY_ONLY:-}" = 1 ] && [ "$kind" = nonentry ] && continue
		# make check SAN=...: clang's forms only. gcc's ASan constructor
		# (_sub_I_00099_*) has a call site, so it would show in every
		# trace; clang's (asan.module_ctor) has none.
		[ -n "${SAN_FLAGS:-}" ] && [ "${cc#clang}" = "$cc" ] && continue
		cc=${cc//@CROSS@/$CROSS_COMPILE}
		command -v "${cc%% *}" >/dev/null 2>&1 || continue
		for opt in ${OPT_LEVELS:--O0 -O2}; do
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

# arm_pfe_eh CC FLAGS SRC: whether SRC is C++ (or C with -fexceptions) that
# gcc would miscompile for ARM with -fpatchable-function-entry. gcc 12 puts
# .fnstart (where EHABI's region, the base of the LSDA's offsets, begins)
# before the NOP sled and computes the offsets from after it: every catch
# and cleanup is missed, and the program terminates, traced or not. The program is compiled through
# tests/prog/arm_fnstart.awk, which moves .fnstart past the sled.
arm_pfe_eh() {
	[ "$(arch_dir)" = arm ] && [ "${2#*-fpatchable-function-entry}" != "$2" ] &&
		{ { [ "${1#*g++}" != "$1" ] && [ "${3%.cc}" != "$3" ]; } ||
			{ [ "${1#*gcc}" != "$1" ] && [ "${2#*-fexceptions}" != "$2" ]; }; }
}

# build_variant OUT "cc" "flags" SRC... [-- LDFLAGS...]
# With make check SAN=..., the program is built with SAN_FLAGS too, but for
# clang's -fsanitize=function (C++): it puts 8 bytes of type data at the
# function's entry, before the site, which then is no entry site. A static
# program is not: the sanitizers' runtimes do not link statically.
build_variant() {
	local out=$1 cc=$2 flags=$3
	shift 3
	local srcs=() ld=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$1"); shift; done
	[ $# -gt 0 ] && shift && ld=("$@")
	case " ${ld[*]} " in *" -static "*) ;; *) flags="$flags ${SAN_FLAGS:-}" ;; esac
	case "$cc $flags" in *clang*-fsanitize=*undefined*) flags="$flags -fno-sanitize=function" ;; esac
	# Compile with the site flags, link without -pg: linking with it pulls
	# in gcrt1 and gmon.
	local objs=() s obj
	for s in "${srcs[@]}"; do
		obj=$out.$(basename "${s%.*}").o
		if arm_pfe_eh "$cc" "$flags" "$s"; then
			# shellcheck disable=SC2086
			$cc $flags -g -fno-inline -I"$TOP/include" -I"$TOP/tests/prog" -S "$s" -o - |
				awk -f "$TOP/tests/prog/arm_fnstart.awk" >"$obj.s" &&
				$cc $flags -c "$obj.s" -o "$obj" || fail "compile $s with $cc $flags"
		else
			# shellcheck disable=SC2086
			$cc $flags -g -fno-inline -I"$TOP/include" -I"$TOP/tests/prog" -c "$s" -o "$obj" ||
				fail "compile $s with $cc $flags"
		fi
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

# build_core: the core test program and its dlopen library, once per variant
# (cases run in parallel: the first one builds, under a lock). Prints the
# variant names; the binaries are $O/tests/core/<variant>/{core,libcore_lib.so}.
build_core() {
	local dir=$O/tests/core
	mkdir -p "$dir"
	(
		flock 9
		variants | while IFS='|' read -r name cc flags; do
			local d=$dir/$name
			[ -x "$d/core" ] && [ "$d/core" -nt "$LIBDIR/libdynftrace.so" ] && continue
			mkdir -p "$d"
			# A library is position independent whatever the program is.
			local libflags=" $flags " f
			for f in -mnop-mcount -fno-pie -no-pie; do libflags=${libflags// $f / }; done
			build_variant "$d/libcore_lib.so" "$cc" "$libflags -fPIC -shared" \
				"$TOP/tests/prog/core_lib.c"
			build_variant "$d/core" "$cc" "$flags" "$TOP/tests/prog/core.c" \
				"$TOP/tests/prog/core_funcs.c" "$TOP/tests/prog/core_api.c" \
				-- -L"$LIBDIR" -ldynftrace \
				-Wl,--enable-new-dtags -Wl,-rpath,"$LIBDIR:\$ORIGIN" -ldl -lpthread
		done
	) 9>"$dir/.lock"
	variants | cut -d'|' -f1
}

# core_test TEST [ARGS]: runs `core TEST` in every variant (whose name
# matches $VARIANTS, a regex, if set).
core_test() {
	local v n=0
	for v in $(build_core | grep -E -e "${VARIANTS:-.}"); do
		(cd "$O/tests/core/$v" && run ./core "$@") >"$T/$v.out" 2>&1 ||
			{ cat "$T/$v.out"; fail "core $* in variant $v"; }
		n=$((n + 1))
	done
	[ $n -gt 0 ] || skip "no compiler for any variant"
	pass "core $* in $n variants"
}

# build_merge DIR CC FLAGS PROG: tests/prog/merge_lib.c as DIR/libmerge.so
# (a library whose threads run its own sites) and tests/prog/PROG.c, linked
# with the runtime, as DIR/PROG.
build_merge() {
	local d=$1 cc=$2 flags=$3 prog=$4 libflags=" $3 " f
	for f in -mnop-mcount -fno-pie -no-pie; do libflags=${libflags// $f / }; done
	mkdir -p "$d"
	build_variant "$d/libmerge.so" "$cc" "$libflags -fPIC -shared" \
		"$TOP/tests/prog/merge_lib.c" -- -lpthread
	build_variant "$d/$prog" "$cc" "$flags" "$TOP/tests/prog/$prog.c" -- \
		-L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR" -ldl -lpthread
}

# build_redis CC FLAGS: Redis from Debian's source package (apt-get source
# redis), built once per build directory with call sites (the make line of
# bench/redisbench.py) into $O/tests/redis, under a lock: the cases that
# drive Redis (ctl_redis, livepatch_redis) share it. Sets REDIS_SRC (the
# source tree) and REDIS_SERVER. The benchmarks' instrumented build is used
# when it exists. Exits the case with 77 (and a loud message) when the
# source cannot be fetched.
build_redis() {
	local cc=$1 flags=$2 dir=$O/tests/redis
	local bench=${BENCH_WORK:-$TOP/bench/work}/redis/patch
	mkdir -p "$dir"
	if [ ! -x "$dir/src/src/redis-server" ] && [ -x "$bench/src/redis-server" ]; then
		REDIS_SRC=$bench REDIS_SERVER=$bench/src/redis-server
		return 0
	fi
	(
		flock 9
		[ -x "$dir/src/src/redis-server" ] && exit 0
		rm -rf "$dir/fetch" "$dir/src"
		mkdir -p "$dir/fetch"
		if ! (cd "$dir/fetch" && apt-get source -qq redis >/dev/null 2>&1); then
			echo "######## SKIPPED: cannot fetch Redis's source ########" >&2
			skip "cannot fetch Redis's source: 'apt-get source redis' failed (scripts/deb-src.sh adds a deb-src line; dpkg-dev is needed)"
		fi
		cp -a "$(ls -d "$dir"/fetch/redis-*/ | head -1)" "$dir/src.tmp"
		# shellcheck disable=SC2086
		nice make -s -j"$(nproc)" -C "$dir/src.tmp/src" redis-server MALLOC=libc \
			OPTIMIZATION=-O2 DEBUG=-g1 CC="$cc" REDIS_CFLAGS="$flags" >"$dir/build.log" 2>&1 ||
			{ tail -20 "$dir/build.log"; fail "building Redis (log: $dir/build.log)"; }
		rm -rf "$dir/fetch"
		mv "$dir/src.tmp" "$dir/src"
	) 9>"$dir/.lock" || exit $?
	REDIS_SRC=$dir/src REDIS_SERVER=$dir/src/src/redis-server
}
