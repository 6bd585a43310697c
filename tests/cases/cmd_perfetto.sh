#!/bin/bash
# report --format perfetto: decoded with protoc's classes of the published
# schema (tests/prog/perfetto_min.proto) as a trace processor reads it:
# the exact slices, nesting, names and annotations of a generated trace, and
# the exact call counts of a real threaded program.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
command -v protoc >/dev/null || skip "protoc is needed (apt-get install protobuf-compiler)"
$PYTHON -c 'import google.protobuf' 2>/dev/null || skip "python3-protobuf is needed"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf tr pb
# PERFETTO_PROTO=.../protos/perfetto/trace/perfetto_trace.proto decodes
# with Perfetto's own merged schema instead (not in Debian: give a checkout).
proto=${PERFETTO_PROTO:-$TOP/tests/prog/perfetto_min.proto}
[ -f "$proto" ] || fail "PERFETTO_PROTO=$proto: no such file"
mkdir pb && protoc --python_out=pb -I"$(dirname "$proto")" "$proto" || fail "protoc $proto"
decode() { $PYTHON "$TOP/tests/prog/perfetto_read.py" pb "$1"; }

# Timestamps are CLOCK_MONOTONIC ns, as the graph format's abstime.
gen_graph_trace tr
dft report -i tr --format perfetto -o out.pb || fail "report perfetto"
decode out.pb >out.txt || fail "decode"
expect perfetto out.txt <<'EOT'
100 5000001000 2999000 0 main arg1=2 arg2=0x7ffe arg3='hello world' fparg1=1.5 retval=0x0
100 5000002000 1998000 1 foo
100 5000002500 100 2 leafy retval=42
100 5000003000 147000 2 bar
100 5000003100 11900 3 ns::baz
100 5002000001 0 1 lost events count=5
100 5002000100 200 1 ns::baz unwound=true
100 5002000200 100 2 leafy unwound=true
101 5000001500 200 0 foo trace_ends=true
101 5000001600 100 1 leafy
threads 2 slices 9 instants 1
EOT
# Stdout is fine when it is no terminal; the bytes are the same.
dft report -i tr --format perfetto | cmp - out.pb || fail "perfetto on stdout differs"

# A real program: four threads, their calls counted per thread.
IFS='|' read -r name cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
[ -n "$name" ] || skip "no compiler for $ARCH"
build_variant work "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread
record_to thr -- ./work threads >/dev/null 2>&1 || fail "record threads"
dft report -i thr --format perfetto -o thr.pb || fail "report threads"
decode thr.pb >thr.txt || fail "decode threads"
# Per thread (numbered in order), "depth name" with counts.
awk '$1 ~ /^[0-9]+$/ && NF >= 5 { if (!($1 in n)) n[$1] = ++k; print n[$1], $4, $5 }' thr.txt |
	sort | uniq -c | sed 's/^ *//' >thr.counts
expect "perfetto thread counts" thr.counts <<'EOT'
1 1 0 main
1 1 1 cmd_threads
1 2 0 thread_fn
1 2 1 cmd_top
1 2 2 cmd_mid
2 2 3 cmd_leaf
1 3 0 thread_fn
1 3 1 cmd_top
1 3 2 cmd_mid
2 3 3 cmd_leaf
1 4 0 thread_fn
1 4 1 cmd_top
1 4 2 cmd_mid
2 4 3 cmd_leaf
EOT
tail -1 thr.txt | grep -qx "threads 4 slices 17 instants 0" || fail "threads: $(tail -1 thr.txt)"

# Arguments under their names, on a real program.
record_to args -A 'cmd_args@arg1/u,arg2/d,arg3/x,arg4/s,fparg1' -R 'cmd_args@retval/d' \
	-- ./work args >/dev/null 2>&1 || fail "record args"
dft report -i args --format perfetto -o args.pb || fail "report args"
decode args.pb | grep -q " cmd_args arg1=[0-9]* arg2=-[0-9]* arg3=0x[0-9a-f]* arg4='[^']*' fparg1=[-0-9.e]* retval=-\?[0-9]*$" ||
	fail "argument names: $(decode args.pb)"
dft report -i args --format chrome | grep -q '"name":"cmd_args","cat":"function","args":{"arg1":[0-9]*,"arg2":-' ||
	fail "chrome argument names: $(dft report -i args --format chrome | grep cmd_args)"
