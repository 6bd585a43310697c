#!/bin/bash
# report on generated traces of exactly known content: every format against
# its expected output, and damaged traces (truncated, corrupt, missing,
# crashed) reported up to the damage with the file and offset named.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf tr fn pr crash trunc corrupt gap

gen_graph_trace tr

dft report -i tr >out.graph || fail "report graph"
expect graph out.graph <<'EOF'
# tracer: function_graph
#
#TID)   DURATION       FUNCTION CALLS
#  |     |   |         |   |   |   |
 100)               |  main(2, 0x7ffe, "hello world", 1.5) {
 101)               |  foo() {
 101)   0.100 us    |    leafy();
 101) /* trace ends here with 1 call open: the thread exited inside them */
 100)               |    foo() {
 100)   0.100 us    |      leafy(); /* = 42 */
 100)               |      bar() {
 100) + 11.900 us   |        ns::baz();
 100) ! 147.000 us  |      }
 100) # 1998.000 us |    }
TID:100 [LOST 5 EVENTS]
 100)               |    ns::baz() {
 100)               |      leafy() {
 100)   0.100 us    |      } /* leafy: unwound */
 100)   0.200 us    |    } /* ns::baz: unwound */
 100) # 2999.000 us |  } /* main = 0x0 */
EOF

dft report -i tr --tid 100 -O abstime,proc,tail,noretval -N leafy >out.opts || fail "graph options"
expect "graph options" out.opts <<'EOF'
# tracer: function_graph
#
#    TIME        TID)    TASK/PID        DURATION       FUNCTION CALLS
#     |            |      |    |          |   |         |   |   |   |
    5.000001 |   100)    prog-100    |               |  main(2, 0x7ffe, "hello world", 1.5) {
    5.000002 |   100)    prog-100    |               |    foo() {
    5.000003 |   100)    prog-100    |               |      bar() {
    5.000003 |   100)    prog-100    | + 11.900 us   |        ns::baz();
    5.000150 |   100)    prog-100    | ! 147.000 us  |      } /* bar */
    5.002000 |   100)    prog-100    | # 1998.000 us |    } /* foo */
TID:100 [LOST 5 EVENTS]
    5.002000 |   100)    prog-100    |               |    ns::baz() {
    5.002000 |   100)    prog-100    |   0.200 us    |    } /* ns::baz: unwound */
    5.003000 |   100)    prog-100    | # 2999.000 us |  } /* main */
EOF

dft report -i tr --format text >out.text || fail "text"
expect "text" out.text <<'EOF'
# tracer: function
#
#           TASK-PID      TGID      TIMESTAMP  FUNCTION
#              | |          |          |         |
            prog-100     (    100)     5.000001: main(2, 0x7ffe, "hello world", 1.5)
          worker-101     (    100)     5.000001: foo
          worker-101     (    100)     5.000001: leafy <-foo
            prog-100     (    100)     5.000002: foo <-main
            prog-100     (    100)     5.000002: leafy <-foo
            prog-100     (    100)     5.000003: bar <-foo
            prog-100     (    100)     5.000003: ns::baz <-bar
TID:100 [LOST 5 EVENTS]
            prog-100     (    100)     5.002000: ns::baz <-main
            prog-100     (    100)     5.002000: leafy <-ns::baz
EOF

dft report -i tr --format folded >out.folded || fail "folded"
expect "folded" out.folded <<'EOF'
foo 100
foo;leafy 100
main 1000800
main;foo 1850900
main;foo;bar 135100
main;foo;bar;ns::baz 11900
main;foo;leafy 100
main;ns::baz 100
main;ns::baz;leafy 100
EOF

dft report -i tr --format profile -s self >out.profile || fail "profile"
expect "profile" out.profile <<'EOF'
# dynftrace profile (function_graph): 5 functions, sorted by self time
#
#       HITS          TOTAL           SELF            AVG         STDDEV  FUNCTION
# ==========  =============  =============  =============  =============  ========
           2       1.998 ms       1.851 ms     999.100 us     998.900 us  foo
           1       2.999 ms       1.001 ms       2.999 ms           0 ns  main
           1     147.000 us     135.100 us     147.000 us           0 ns  bar
           2      12.100 us      12.000 us       6.050 us       5.850 us  ns::baz
           3         300 ns         300 ns         100 ns           0 ns  leafy
EOF

dft report -i tr --format chrome -F bar >out.chrome || fail "chrome filtered"
expect "chrome filtered" out.chrome <<'EOF'
{"displayTimeUnit":"ns","otherData":{"version":"dynftrace 0.1.0","command":"./prog a 'b c'"},"traceEvents":[
{"ph":"M","pid":100,"tid":100,"name":"process_name","args":{"name":"prog"}},
{"ph":"M","pid":100,"tid":100,"name":"thread_name","args":{"name":"prog"}},
{"ph":"B","pid":100,"tid":100,"ts":3.000,"name":"bar","cat":"function"},
{"ph":"X","pid":100,"tid":100,"ts":3.100,"dur":11.900,"name":"ns::baz","cat":"function"},
{"ph":"E","pid":100,"tid":100,"ts":150.000,"name":"bar"},
{"ph":"i","pid":100,"tid":100,"ts":2000.001,"name":"lost events","s":"t","args":{"count":5}},
{"ph":"M","pid":100,"tid":101,"name":"thread_name","args":{"name":"worker"}}
]}
EOF

# Module selectors, as record takes them.
dft report -i tr -F 'lib:prog:ba*' --format folded >out.lib || fail "report -F lib:"
expect "lib filter" out.lib <<'EOF'
bar 135100
bar;ns::baz 11900
EOF
[ -z "$(dft report -i tr -N 'lib:pro?' --format folded)" ] || fail "-N lib: hid nothing"

dft report -i tr --format chrome >out.json || fail "report chrome"
check_chrome out.json
dft report -i tr --format svg >out.svg || fail "report svg"
check_svg out.svg
check_totals tr
check_totals tr --tid 101

# Bad options: clear errors.
dft report -i tr --format xml 2>err && fail "unknown format accepted"
grep -q "unknown format 'xml'" err || fail "unknown format: $(cat err)"
dft report -i nonexistent 2>err && fail "missing trace accepted"
grep -q "cannot open trace nonexistent" err || fail "missing trace: $(cat err)"
mkdir -p empty
dft report -i empty 2>err && fail "empty dir accepted"
grep -q "no info file" err || fail "no info: $(cat err)"
dft report -i tr -F lefy >/dev/null 2>err || fail "report -F lefy"
grep -q "filter 'lefy' matches no function; close names: leafy" err || fail "close names: $(cat err)"

# A truncated stream: the header says more than the file holds.
cp -r tr trunc
"$GENTRACE" trunc <<'EOF' || fail gentrace
stream 100 100 prog 1000
entry 1000 0
entry 2000 1
exit 3000
cut 4
EOF
dft report -i trunc --format graph >out 2>err && fail "truncated trace: exit 0"
grep -q "trunc/100.100.dat: truncated: 20 bytes of events committed, 16 present at offset 80" err ||
	fail "truncation message: $(cat err)"
grep -q "foo() {" out || fail "events before the truncation lost: $(cat out)"
dft report -i trunc --format chrome >out.json 2>/dev/null
check_chrome out.json

# Corrupt bytes in the middle: the events before them are reported.
cp -r tr corrupt
"$GENTRACE" corrupt <<'EOF' || fail gentrace
stream 100 100 prog 1000
entry 1000 0
entry 2000 1
exit 3000
raw 03 00 00 00 63 00 00 00
exit 4000
EOF
dft report -i corrupt --format graph >out 2>err && fail "corrupt trace: exit 0"
grep -q "corrupt/100.100.dat: bad event at offset 84 (0x54)" err || fail "corruption message: $(cat err)"
grep -q "foo();" out || fail "events before the damage lost"
dft report -i corrupt --format chrome >out.json 2>/dev/null
check_chrome out.json

# A crashed process (no exit file): reported normally, with a note.
cp -r tr crash
rm crash/exit-100
dft report -i crash >out 2>err || fail "crashed process: exit non-zero"
grep -q "process 100 did not exit normally" err || fail "no crash note: $(cat err)"
grep -q "the process crashed or was killed" out || fail "no crash line: $(cat out)"

# Timestamps far apart (TIME events) and a non-ns clock.
mkdir gap
cp tr/info tr/maps-100 tr/sites-100 gap/
printf 'ticks_per_sec=3000000000 source=tsc mono0=1000000000 ticks0=3000000000\n' >gap/clock-100
printf 'status=0\n' >gap/exit-100
"$GENTRACE" gap <<'EOF' || fail gentrace
stream 100 100 prog 3000000000
entry 3000000000 0
entry 3000003000 4
exit 3000006000
exit 9000000000
EOF
dft report -i gap >out || fail "report gap"
grep -q '  1.000 us    |    leafy();' out || fail "tick conversion: $(cat out)"
grep -q '\$ 2000000 us  |  }' out || fail "TIME event or \$ mark: $(cat out)"

# A function tracer trace: callers resolved, stacks refused.
mkdir fn
sed 's/tracer=function_graph/tracer=function/' tr/info >fn/info
cp tr/sites-100 tr/clock-100 tr/exit-100 fn/
printf '0 400000-402000 400000 - /nonexistent/prog\n' >fn/maps-100
"$GENTRACE" fn <<'EOF' || fail gentrace
stream 100 100 prog 1000
func 1000 1 0x401234
args 1000 1 u:7 s:x
func 2000 4 0x999999
EOF
dft report -i fn >out 2>err || fail "report function trace"
expect "function text" out <<'EOF'
# tracer: function
#
#           TASK-PID      TGID      TIMESTAMP  FUNCTION
#              | |          |          |         |
            prog-100     (    100)     5.000001: foo(7, "x") <-prog+0x1234
            prog-100     (    100)     5.000002: leafy <-0x999999
EOF
grep -q "cannot read module /nonexistent/prog" err || fail "missing module not named: $(cat err)"
dft report -i fn --format folded 2>err && fail "folded of a function trace accepted"
grep -q "record with -t function_graph" err || fail "folded refusal: $(cat err)"
dft report -i fn --format chrome >out.json 2>/dev/null || fail "chrome of a function trace"
check_chrome out.json

# A profile tracer trace.
mkdir pr
sed 's/tracer=function_graph/tracer=profile/' tr/info >pr/info
cp tr/sites-100 tr/clock-100 tr/exit-100 tr/maps-100 pr/
"$GENTRACE" pr <<'EOF' || fail gentrace
profile 100 100
prec 0 1 5000 1000 25000000 5000
prec 1 4 4000 4000 4000000 1000
profile 100 101
prec 1 1 500 500 250000 500
EOF
dft report -i pr >out || fail "report profile"
expect "profile tracer" out <<'EOF'
# dynftrace profile (profile): 2 functions, sorted by total time
#
#       HITS          TOTAL           SELF            AVG         STDDEV  FUNCTION
# ==========  =============  =============  =============  =============  ========
           1       5.000 us       1.000 us       5.000 us           0 ns  main
           5       4.500 us       4.500 us         900 ns         200 ns  foo
EOF
dft report -i pr --format graph 2>err && fail "graph of a profile trace accepted"
grep -q "only --format profile applies" err || fail "profile refusal: $(cat err)"
pass "report formats and damaged traces"
