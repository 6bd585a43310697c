#!/bin/bash
# report's filters after the fact, as uftrace's: -D, --duration-min,
# --time-range, -C, --tid, --pid, on a generated trace of known content
# (tests/prog/cmd_lib.sh), each with its exact output; every format goes
# through the same walker.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf tr
gen_graph_trace tr

folded() { dft report -i tr --format folded "$@" || fail "report $*"; }

folded -D 2 >out
expect "-D 2" out <<'EOT'
foo 100
foo;leafy 100
main 1000800
main;foo 1998000
main;ns::baz 200
EOT

# Calls of at least 100us: their callers are longer still. The unwound
# ns::baz (200 ns) and the call left open by thread 101 are out.
folded --duration-min 100us >out
expect "--duration-min" out <<'EOT'
main 1001000
main;foo 1851000
main;foo;bar 147000
EOT

folded -C leafy >out
expect "-C" out <<'EOT'
foo 100
foo;leafy 100
main 1000800
main;foo 1997900
main;foo;leafy 100
main;ns::baz 100
main;ns::baz;leafy 100
EOT

# Durations from the start (5.000000 s here), or timestamps.
folded --time-range 1us~2ms >out
expect "--time-range relative" out <<'EOT'
foo 100
foo;leafy 100
main 1001000
main;foo 1850900
main;foo;bar 135100
main;foo;bar;ns::baz 11900
main;foo;leafy 100
EOT
folded -r 5.002~ >out
expect "--time-range absolute" out <<'EOT'
ns::baz 100
ns::baz;leafy 100
EOT

folded --pid 100 --tid 101 >out
expect "--pid --tid" out <<'EOT'
foo 100
foo;leafy 100
EOT

dft report -i tr -C 'leaf*' -D 3 >out || fail "graph -C -D"
expect "graph -C -D" out <<'EOT'
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
 100) # 1998.000 us |    }
TID:100 [LOST 5 EVENTS]
 100)               |    ns::baz() {
 100)               |      leafy() {
 100)   0.100 us    |      } /* leafy: unwound */
 100)   0.200 us    |    } /* ns::baz: unwound */
 100) # 2999.000 us |  } /* main = 0x0 */
EOT

# The other formats filter alike.
[ "$(dft report -i tr --format chrome -D 1 | grep -c '"ph":"[BX]"')" = 2 ] ||
	fail "chrome -D 1: $(dft report -i tr --format chrome -D 1)"
dft report -i tr --format profile -D 1 -O raw >out || fail "profile -D 1"
expect "profile -D 1" out <<'EOT'
# dynftrace profile (function_graph): 2 functions, sorted by total time
#
#       HITS          TOTAL           SELF            AVG         STDDEV  FUNCTION
# ==========  =============  =============  =============  =============  ========
           1        2999000        2999000        2999000              0  main
           1            200            200            200              0  foo
EOT

# Ids the trace does not hold: an error naming those it does.
dft report -i tr --tid 99999 >out 2>err && fail "--tid 99999 accepted"
expect "unknown tid" err <<'EOT'
dynftrace: --tid 99999: tr has no such thread; it holds process 100 (threads 100 101)
EOT
[ ! -s out ] || fail "--tid 99999 printed a report"
dft report -i tr --pid 7 2>err && fail "--pid 7 accepted"
expect "unknown pid" err <<'EOT'
dynftrace: --pid 7: tr has no such process; it holds process 100 (threads 100 101)
EOT
dft report -i tr -r 2ms~1ms 2>err && fail "backward range accepted"
expect "backward range" err <<'EOT'
dynftrace: --time-range 2ms~1ms ends before it starts
EOT
dft report -i tr -D 0 2>err && fail "-D 0 accepted"
expect "-D 0" err <<'EOT'
dynftrace: --depth takes a depth of 1 or more, not '0'
EOT

# --task: a line per thread, the busiest first; filters apply.
dft report -i tr --task -O raw >out || fail "--task"
expect "--task" out <<'EOT'
# dynftrace tasks: 2 threads, the busiest first
#
#      PID       TID  COMM                   CALLS    TRACED TIME           SPAN      LOST
       100       100  prog                       7        2999000        2999000         5
       100       101  worker                     2            200            200         0
EOT
dft report -i tr --task -F leafy >out || fail "--task -F"
expect "--task -F leafy" out <<'EOT'
# dynftrace tasks: 2 threads, the busiest first
#
#      PID       TID  COMM                   CALLS    TRACED TIME           SPAN      LOST
       100       100  prog                       2         200 ns       1.998 ms         5
       100       101  worker                     1         100 ns         100 ns         0
EOT

# A real recording long enough to span several chunks of its stream: the
# filters that look ahead (-t, -C) agree with the plain walk.
IFS='|' read -r name cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
[ -n "$name" ] || skip "no compiler for $ARCH"
cat >fib.c <<'EOT'
#include <stdlib.h>
#include "cmd_prog.h"
NOIPA int leaf(int x) { return x + 1; }
NOIPA int fib(int n)
{
	int r = n < 2 ? leaf(n) : fib(n - 1) + fib(n - 2);

	NOTAIL();
	return r;
}
int main(int argc, char **argv) { return fib(argc > 1 ? atoi(argv[1]) : 10) < 0; }
EOT
build_variant fib "$cc" "$flags" fib.c
record_to fib.d -- ./fib 27 >/dev/null 2>&1 || fail "record fib"
[ "$(stat -c %s fib.d/*.dat)" -gt $((9 << 20)) ] || fail "fib's stream is too small for three chunks"
# Every call of fib leads to leaf: -C leaf keeps them all.
dft report -i fib.d --format folded >all || fail "folded"
dft report -i fib.d --format folded -C leaf >out || fail "folded -C leaf"
cmp -s all out || fail "-C leaf dropped calls: $(diff all out | head)"
# The calls of at least 2 us, counted from the graph's durations.
n=$(dft report -i fib.d | awk -F'|' '!/^#/ && NF >= 2 {
	d = $1; sub(/^[^)]*\)/, "", d); gsub(/[^0-9.]/, "", d); if (d != "" && d + 0 >= 2) n++ }
	END { print n + 0 }')
m=$(dft report -i fib.d --format profile -t 2us | awk '!/^#/ { s += $1 } END { print s + 0 }')
[ "$n" = "$m" ] && [ "$n" -gt 0 ] || fail "-t 2us: $m calls, the graph has $n of at least 2 us"
# No call lasts 10 s: main is looked at to its end, across every chunk,
# and the walk goes on from where it was (a use after free once).
dft report -i fib.d --format profile -t 10s >out 2>err || fail "-t 10s: $(cat err)"
head -1 out | grep -qx "# dynftrace profile (function_graph): 0 functions, sorted by total time" ||
	fail "-t 10s: $(head -3 out)"
[ ! -s err ] || fail "-t 10s: $(cat err)"
