#!/bin/bash
# dynftrace info: a generated trace with every info key (exact output), and
# a real recording (the recorder writes what info shows).
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf tr rec
gen_graph_trace tr
cat >>tr/info <<'EOT'
filter=main,foo
notrace=
depth=
thresh=
retval=leafy@retval
host=box
system=Linux 6.1.0 x86_64
end=1700000002.500000000
status=3
EOT
dft info -i tr >out || fail "info"
size=$(cat tr/* | wc -c)
expect "info" out <<EOT
# dynftrace trace tr
#
# command          ./prog a 'b c'
# exit status      3
# start            2023-11-14 22:13:20 UTC
# duration         2.500 s
# tracer           function_graph
# filters          -F main,foo -A m*@arg1,arg2/x,arg3/s,fparg1;leafy@arg2 -R leafy@retval
# record options   -t function_graph
# machine          Linux 6.1.0 x86_64
# host             box
# recorded by      dynftrace 0.1.0
# size on disk     $size bytes (0.0 MiB) in 7 files
#
#      PID       TID  COMM                    EVENTS        LOST  EXIT
       100       100  prog                        13           5
       100       101  worker                       3           0
       100       all  prog                        16           5  status 0
# 16 events, 5 lost, 1 process, 2 threads
EOT

# A real recording: the command, its status, times and the machine.
IFS='|' read -r name cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
[ -n "$name" ] || skip "no compiler for $ARCH"
build_variant work "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread
[ -z "$RUN" ] || { pass "generated trace only under an emulator"; exit 0; }
# The program's own calls only: library calls (pthread_create, ...) vary by libc.
dft record -f --no-libcall -o rec -- ./work threads >/dev/null 2>&1 || fail "record"
dft info -i rec >out || fail "info rec"
grep -qx "# command          ./work threads" out || fail "command: $(cat out)"
grep -qx "# exit status      0" out || fail "status: $(cat out)"
grep -q "^# start            $(date -u +%Y-)" out || fail "start: $(cat out)"
grep -q "^# duration         [0-9.]* [mu]*s$" out || fail "duration: $(cat out)"
# The machine the command ran as (an emulated target says its own).
grep -qx "# machine          $(uname -s) $(uname -r) [a-z0-9_]*" out || fail "machine: $(cat out)"
grep -qx "# 34 events, 0 lost, 1 process, 4 threads" out || fail "counts: $(cat out)"
