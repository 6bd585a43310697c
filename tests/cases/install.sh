#!/bin/bash
# make install into a staging root gives the headers, both libraries, the
# pkg-config file (with instrument_cflags), the command, the man page and
# the completion; a program built only from pkg-config's answers traces and
# live-patches itself with the installed runtime.
. "$(dirname "$0")/../lib.sh"
[ -z "$RUN" ] || skip "no binfmt_misc: the installed cross-built programs cannot run"
command -v pkg-config >/dev/null || skip "pkg-config is not installed"
root=$T/root prefix=/opt/dft
rm -rf "$root"
make -s -C "$TOP" O="$O" CROSS_COMPILE="$CROSS_COMPILE" PREFIX=$prefix DESTDIR="$root" install >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "make install"; }
for f in include/dynftrace.h include/dynftrace/format.h include/dynftrace/livepatch.h lib/libdynftrace.so lib/libdynftrace.a lib/pkgconfig/dynftrace.pc \
	bin/dynftrace share/man/man1/dynftrace.1 share/bash-completion/completions/dynftrace; do
	[ -f "$root$prefix/$f" ] || fail "not installed: $prefix/$f"
done
[ "$(cd "$root$prefix/include" && find . -type f | sort | tr '\n' ' ')" = \
	"./dynftrace.h ./dynftrace/format.h ./dynftrace/livepatch.h " ] ||
	fail "the public headers are dynftrace.h, dynftrace/format.h and dynftrace/livepatch.h"
# The format header stands alone: a reader of traces needs nothing else.
printf '#include <dynftrace/format.h>\nint main(void) { return sizeof(struct dft_stream_hdr) != 64; }\n' \
	>"$T/fmt.c"
$CC -std=c11 -Wall -Werror -I"$root$prefix/include" "$T/fmt.c" -o "$T/fmt" && "$T/fmt" ||
	fail "dynftrace/format.h does not build alone"
export PKG_CONFIG_PATH=$root$prefix/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
flags=$(pkg-config --variable=instrument_cflags dynftrace) || fail "no instrument_cflags"
[ -n "$flags" ] || fail "empty instrument_cflags"
# shellcheck disable=SC2046
$CC -O2 $flags "$TOP/examples/livepatch.c" -o "$T/livepatch" $(pkg-config --cflags --libs dynftrace) \
	-Wl,-rpath,"$root$prefix/lib" || fail "build with pkg-config"
out=$("$T/livepatch") || fail "livepatch example failed"
grep -q "^with the fix: *0$" <<<"$out" || { echo "$out"; fail "the live patch did not take"; }
grep -q "^fix removed: *-5$" <<<"$out" || { echo "$out"; fail "the patch was not removed"; }
[ "$(grep -c "traced: price_after_discount(10, 15)" <<<"$out")" = 3 ] || { echo "$out"; fail "tracing"; }
# A live patch builds with the installed header alone, and does not link
# the runtime.
# shellcheck disable=SC2046
$CC -shared -fPIC -O2 $(pkg-config --cflags dynftrace) "$TOP/examples/shop_fix.c" -o "$T/shop_fix.so" ||
	fail "build a live patch with pkg-config --cflags"
readelf -d "$T/shop_fix.so" | grep -q "NEEDED.*libdynftrace" && fail "the live patch links the runtime"
# Only the API and the interposers (docs/internals.md) are exported.
"${CROSS_COMPILE}nm" -D --defined-only "$root$prefix/lib/libdynftrace.so" | awk '{ print $3 }' |
	grep -vE '^(dft_[a-z_]+(@@DYNFTRACE_0\.1)?|DYNFTRACE_0\.1|dlopen|dlclose|(__)?sigaction|signal|bsd_signal|ssignal|(__)?sysv_signal|sigset|pthread_create|pthread_sigmask|sigprocmask|signalfd|_Unwind_[A-Za-z_]+|__cxa_[a-z_]+|__gxx_personality_v0|pthread_exit|pthread_cancel|_dl_find_object|__gnu_Unwind_Find_exidx|backtrace|pthread_setname_np|_exit|_Exit|(_|__|sig)?longjmp|__longjmp_chk)$' \
	>"$T/extra" && { cat "$T/extra"; fail "unexpected exported symbols"; }
# The exported API is exactly what the header declares, and what the
# version script lists, all in the DYNFTRACE_0.1 node.
grep -ohE '\b(dft_[a-z_]+)\(' "$root$prefix/include/dynftrace.h" "$root$prefix/include/dynftrace/livepatch.h" | tr -d '(' | sort -u >"$T/declared"
grep -oE '^[[:space:]]+dft_[a-z_]+;' "$TOP/core/dynftrace.map" | tr -d ' \t;' | sort >"$T/mapped"
"${CROSS_COMPILE}nm" -D --defined-only "$root$prefix/lib/libdynftrace.so" | awk '$3 ~ /^dft_/ { print $3 }' | sort >"$T/exported"
grep -v '@@DYNFTRACE_0\.1$' "$T/exported" && fail "API symbols outside the DYNFTRACE_0.1 node"
sed -i 's/@@DYNFTRACE_0\.1$//' "$T/exported"
diff -u "$T/declared" "$T/exported" || fail "exported symbols differ from the public headers"
diff -u "$T/declared" "$T/mapped" || fail "core/dynftrace.map differs from the public headers"
[ "$(wc -l <"$T/declared")" -ge 25 ] || fail "too few API functions found: $(cat "$T/declared")"
pass "install, pkg-config and the livepatch example"
