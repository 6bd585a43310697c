#!/bin/bash
# report --format profile --diff DIR2: two runs compared function by
# function, the largest changes first, with exact figures.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf old new
gen_graph_trace old
# The new run: bar takes 300 us instead of 147, leafy is called once, and
# ns::baz is gone.
mkdir new
cp old/info old/maps-100 old/sites-100 old/clock-100 old/exit-100 new/
"$GENTRACE" new <<'EOT' || fail gentrace
stream 100 100 prog 1000
entry 1000 0
entry 2000 1
entry 2500 4
exit 2600
entry 3000 2
exit 303000
exit 2000000
exit 3000000
EOT

dft report -i old --format profile -O raw --diff new >out || fail "diff"
expect "diff" out <<'EOT'
# dynftrace profile diff: old -> new: 5 functions, by the change of total time
#
#       HITS      HITS'  CHANGE         TOTAL       TOTAL'  CHANGE          SELF        SELF'  CHANGE  FUNCTION
           1          1    0.0%        147000       300000 +104.1%        135100       300000 +122.1%  bar
           2          0    gone         12100            0    gone         12000            0    gone  ns::baz
           2          1  -50.0%       1998200      1998000   -0.0%       1851000      1697900   -8.3%  foo
           3          1  -66.7%           300          100  -66.7%           300          100  -66.7%  leafy
           1          1    0.0%       2999000      2999000    0.0%       1000800      1001000   +0.0%  main
EOT
# Filters apply to both; -s self sorts by the change of self time.
dft report -i old --format profile -O raw --diff new -s self -F foo >out || fail "diff -F"
expect "diff -s self -F foo" out <<'EOT'
# dynftrace profile diff: old -> new: 4 functions, by the change of self time
#
#       HITS      HITS'  CHANGE         TOTAL       TOTAL'  CHANGE          SELF        SELF'  CHANGE  FUNCTION
           1          1    0.0%        147000       300000 +104.1%        135100       300000 +122.1%  bar
           2          1  -50.0%       1998200      1998000   -0.0%       1851000      1697900   -8.3%  foo
           1          0    gone         11900            0    gone         11900            0    gone  ns::baz
           2          1  -50.0%           200          100  -50.0%           200          100  -50.0%  leafy
EOT
dft report -i old --diff new 2>err && fail "--diff without profile accepted"
expect "diff needs profile" err <<'EOT'
dynftrace: --diff compares profiles: use it with --format profile
EOT
