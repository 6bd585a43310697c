#!/bin/bash
# The trace format has one definition, include/dynftrace/format.h:
# - no reader or writer keeps a copy of it (no magic outside the header;
#   each includes it, the Python decoders parse it through format.py);
# - an event's size changed in the header alone (its _Static_assert not
#   updated) breaks the build of the runtime, the command, the generator and
#   the benchmark counter, and the Python decoders refuse the header;
# - a change made consistently (struct and assertions) reaches the generator
#   and the Python decoder together: a trace written with a 12-byte ENTRY
#   decodes exactly as the real format's does.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
cd "$T" || fail "no test dir"
hdr=$TOP/include/dynftrace/format.h

# One definition.
copies=$(cd "$TOP" && grep -rlE 'DFTTRC01|DFTPRF01' core record cmd util arch tests/prog bench/src)
[ -z "$copies" ] || fail "the magics are copied outside format.h: $copies"
for f in record/record.h cmd/trace.h tests/prog/cmd_gentrace.c bench/src/tracecount.c; do
	grep -q '#include <dynftrace/format.h>' "$TOP/$f" || fail "$f does not include dynftrace/format.h"
done
for f in tests/prog/trace_read.py tests/prog/trace_profile.py; do
	grep -q '^import format as F' "$TOP/$f" || fail "$f does not read format.py"
done
$PYTHON "$TOP/tests/prog/format.py" >layout || fail "format.py cannot read format.h"
grep -q '^struct dft_ev_func size=16 word@0 fid@4 parent_ip@8$' layout || fail "layout: $(cat layout)"

# syntax FILE INCDIR [FLAGS]: compiles FILE against the format header of INCDIR.
syntax() {
	local f=$1 inc=$2
	shift 2
	$CC -std=gnu11 -fsyntax-only -D_GNU_SOURCE -I"$inc" -I"$TOP/include" -I"$TOP/util" \
		-I"$TOP/core" -I"$TOP/record" -I"$TOP/cmd" -I"$TOP/arch/$(arch_dir)" "$@" "$TOP/$f" 2>&1
}
readers="record/buffer.c record/trace_graph.c cmd/walk.c cmd/trace.c tests/prog/cmd_gentrace.c
	bench/src/tracecount.c"
rm -rf good bad grown
mkdir -p good/dynftrace bad/dynftrace grown/dynftrace
cp "$hdr" good/dynftrace/
for f in $readers; do
	syntax "$f" good >log || { cat log; fail "$f does not build against format.h"; }
done

# An ENTRY grown to 12 bytes, its assertion left as it was.
sed -e '/^struct dft_ev_entry {/,/^};/s/^\tuint32_t fid;/&\n\tuint32_t extra;/' "$hdr" \
	>bad/dynftrace/format.h
cmp -s "$hdr" bad/dynftrace/format.h && fail "the mutation did not apply"
for f in $readers; do
	syntax "$f" bad >log && fail "$f builds with a changed ENTRY size"
	grep -q "ENTRY size" log || { cat log; fail "$f: not the size assertion"; }
done
DFT_FORMAT_H=$PWD/bad/dynftrace/format.h $PYTHON "$TOP/tests/prog/format.py" >/dev/null 2>log &&
	fail "format.py accepts a header whose ENTRY size disagrees with its assertion"
grep -q "sizeof(struct dft_ev_entry) == 8" log || { cat log; fail "format.py: $(cat log)"; }

# The same change made consistently: the generator and the decoder follow.
sed -e 's/sizeof(struct dft_ev_entry) == 8/sizeof(struct dft_ev_entry) == 12/' \
	bad/dynftrace/format.h >grown/dynftrace/format.h
gcc -O2 -Wall -Werror -I"$PWD/grown" -o gentrace.grown "$TOP/tests/prog/cmd_gentrace.c" ||
	fail "the generator does not build on a consistent change"
gcc -O2 -Wall -Werror -I"$TOP/include" -o gentrace "$TOP/tests/prog/cmd_gentrace.c" ||
	fail "the generator does not build"
script='stream 7 8 main 100
entry 100 0
patched 100 0 fixed_outer
args 101 0 d:-3 x:0x10 s:hi
entry 102 1
retval 103 1 u:9
exit 104
unwind 3000000000 1
exit 3000000001
func 3000000002 2 0x1010
lost 3000000003 5
comm 3000000004 renamed'
for v in real grown; do
	rm -rf "tr.$v" && mkdir "tr.$v"
	printf '0 0 10 10 outer\n1 0 20 20 inner\n2 0 30 30 leaf\n' >"tr.$v/sites-7"
	printf '0 1000-2000 0 - /bin/prog\n' >"tr.$v/maps-7"
	g=./gentrace
	[ $v = grown ] && g=./gentrace.grown
	$g "tr.$v" <<<"$script" || fail "gentrace ($v)"
done
[ "$(stat -c %s tr.grown/7.8.dat)" -eq $(($(stat -c %s tr.real/7.8.dat) + 8)) ] ||
	fail "the grown ENTRY did not reach the generator"
$PYTHON "$TOP/tests/prog/trace_read.py" tr.real >read.real || fail "trace_read (real)"
DFT_FORMAT_H=$PWD/grown/dynftrace/format.h $PYTHON "$TOP/tests/prog/trace_read.py" tr.grown \
	>read.grown || fail "trace_read (grown)"
cat >expect <<'EOF'
== thread 0 lost 5
outer(-3,0x10,"hi") [patched: fixed_outer] !
  inner = 9
leaf <- prog
@comm renamed
EOF
diff -u expect read.real || fail "trace_read of the real format"
diff -u expect read.grown || fail "trace_read of the grown format"
pass "one format definition: builds break on a lone change, readers follow a consistent one"
