#!/bin/bash
# The details of report that looked careless, each with its exact output:
# threshold traces in time order, formats a function trace cannot give,
# singular counts, empty traces, option errors.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf th fn empty

# A threshold trace: the runtime writes each call when it ends, so entries
# come after the calls they contain. Times follow the ends, across threads.
mkdir th
printf 'version=0\ntracer=function_graph\nargv=prog\noptions=--thresh 100\nstart=0\npid=100\nthresh=100\n' >th/info
printf '0 400000-401000 400000 - /nonexistent/prog\n' >th/maps-100
printf '0 0 1100 1100 main\n1 0 1200 1200 foo\n2 0 1300 1300 bar\n' >th/sites-100
printf 'ticks_per_sec=1000000000 source=monotonic mono0=5000000000 ticks0=0\n' >th/clock-100
printf 'status=0\n' >th/exit-100
"$GENTRACE" th <<'EOS' || fail gentrace
stream 100 100 prog 1000
entry 2000 2
exit 2500
entry 1000 1
exit 4000
stream 100 101 worker 1000
entry 2600 2
exit 3000
EOS
dft report -i th -O abstime >out || fail "report th"
expect "threshold abstime" out <<'EOS'
# tracer: function_graph
#
#    TIME        TID)   DURATION       FUNCTION CALLS
#     |            |     |   |         |   |   |   |
    5.000002 |   100)   0.500 us    |  bar();
    5.000003 |   101)   0.400 us    |  bar();
    5.000004 |   100)   3.000 us    |  foo();
EOS

# A function trace has no durations: graph is refused as folded is.
mkdir fn
sed 's/tracer=function_graph/tracer=function/' th/info >fn/info
cp th/sites-100 th/clock-100 th/exit-100 th/maps-100 fn/
"$GENTRACE" fn <<'EOS' || fail gentrace
stream 100 100 prog 1000
func 1000 1 0x401234
EOS
dft report -i fn --format graph >out 2>err && fail "graph of a function trace accepted"
expect "graph of a function trace" err <<'EOS'
dynftrace: --format graph needs call durations, which the function tracer does not record: record with -t function_graph
EOS

# An empty graph trace: its profile is headed as a timed one.
mkdir empty
cp th/info empty/
dft report -i empty --format profile >out 2>/dev/null || fail "empty profile"
expect "empty profile" out <<'EOS'
# dynftrace profile (function_graph): 0 functions, sorted by total time
#
#       HITS          TOTAL           SELF            AVG         STDDEV  FUNCTION
# ==========  =============  =============  =============  =============  ========
EOS

# getopt's errors name the command as the user typed it.
dft report --bogus 2>err >/dev/null && fail "bad option accepted"
head -1 err >err1
expect "option error" err1 <<'EOS'
dynftrace report: unrecognized option '--bogus'
EOS
dft record 2>err >/dev/null && fail "record without a command"
expect "record without a command" err <<'EOS'
dynftrace: no command to run: dynftrace record [OPTIONS] -- CMD [ARGS]
EOS

# Progress: on a terminal only (script(1) gives one), erased at the end.
command -v script >/dev/null || skip "script(1) is needed for a terminal"
rm -rf big && mkdir big
printf 'version=0\ntracer=function_graph\nargv=bench\noptions=\nstart=0\npid=1\n' >big/info
printf 'ticks_per_sec=1000000000 source=monotonic mono0=1000 ticks0=1000\n' >big/clock-1
printf 'status=0\n' >big/exit-1
"$GENTRACE" --bench big 1500000 || fail "gentrace --bench"
DYNFTRACE_PROGRESS_DELAY=0 script -qec "$RUN $DFT report -i big --format folded -o /dev/null" /dev/null \
	>tty.out || fail "report on a terminal"
grep -aq 'dynftrace: report:  *[0-9]*% of 17.2 MiB read' tty.out || fail "no progress: $(od -c tty.out | head)"
[ "$(tail -c 4 tty.out | od -An -c | tr -d ' ')" = '\r033[K' ] || fail "progress not erased: $(od -c tty.out | tail -3)"
DYNFTRACE_PROGRESS_DELAY=0 dft report -i big --format folded -o /dev/null 2>err || fail "report"
[ ! -s err ] || fail "progress on a pipe: $(cat err)"
