#!/bin/bash
# report on randomly damaged traces (fixed seeds): every format exits 0 or
# 1, never crashes or hangs.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf tr
mkdir tr
printf 'version=0.1.0\ntracer=function_graph\nargv=x\noptions=\nstart=0\npid=7\n' >tr/info
printf '0 400000-402000 400000 - /nonexistent\n' >tr/maps-7
printf '0 0 1100 1100 main\n1 0 1200 1200 _ZN1a1bEv\n2 0 1300 1300 leaf\n' >tr/sites-7
printf 'ticks_per_sec=2000000000 source=tsc mono0=1000 ticks0=0\n' >tr/clock-7
"$GENTRACE" tr <<'EOF' || fail gentrace
stream 7 7 main 100
entry 100 0
args 100 0 d:-1 s:abc f:0.5 x:0x10 u:3
entry 200 1
entry 300 2
retval 300 2 x:0x1
exit 400
unwind 500 1
exit 500
lost 600 2
func 700 2 0x401100
comm 800 renamed
entry 900 2
exit 5000000000
exit 5000000001
stream 7 8 worker 150
entry 150 1
exit 250
EOF
$PYTHON "$TOP/tests/prog/cmd_fuzz.py" "$DFT" tr . 1 60 || fail "report on damaged traces"
pass "damaged traces"
