# Helpers of the tests of the dynftrace command (tests/cases/cmd_*.sh).
# Source after tests/lib.sh.

# The trace generator, built once for the host (cases run in parallel).
GENTRACE=$O/tests/cmd_gentrace
build_gentrace() {
	(
		flock 9
		[ -x "$GENTRACE" ] && [ "$GENTRACE" -nt "$TOP/tests/prog/cmd_gentrace.c" ] &&
			[ "$GENTRACE" -nt "$TOP/include/dynftrace/format.h" ] && exit 0
		gcc -O2 -Wall -I"$TOP/include" -o "$GENTRACE" "$TOP/tests/prog/cmd_gentrace.c"
	) 9>"$O/tests/.cmd_gentrace.lock" || fail "cannot build cmd_gentrace"
}

# The system's python (a pyenv shim in PATH costs a second a call).
command -v "$PYTHON" >/dev/null || skip "python3 is needed"

# dft ARGS...: the command (under the emulator when cross-testing).
dft() { $RUN "$DFT" "$@"; }

# record_to DIR [RECORD OPTIONS] -- PROG [ARGS]: dynftrace record -f -o DIR.
# Under an emulator, which cannot follow the exec of a foreign program, the
# runtime gets the same environment by hand (-t, -F, -N, -A, -R). Only
# LD_PRELOAD goes through the emulator's -E, which splits values at commas;
# the emulator passes the rest of its environment on.
record_to() {
	local dir=$1 tracer=function_graph f= n= a= r=
	shift
	if [ -z "$RUN" ]; then
		# Library calls have cases of their own (trace_libcall).
		dft record --no-libcall -f -o "$dir" "$@"
		return
	fi
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		-t) tracer=$2 ;;
		# Several of an option: the runtime takes one list.
		-F) f=${f:+$f,}$2 ;;
		-N) n=${n:+$n,}$2 ;;
		-A) a=${a:+$a;}$2 ;;
		-R) r=${r:+$r;}$2 ;;
		*) fail "record_to: option $1" ;;
		esac
		shift 2
	done
	shift
	rm -rf "$dir" && mkdir -m 700 "$dir" || fail "mkdir $dir"
	printf 'version=0\ntracer=%s\nargv=%s\noptions=\nstart=0\npid=0\nargs=%s\nretval=%s\n' \
		"$tracer" "$*" "$a" "$r" >"$dir/info"
	env DYNFTRACE_FILTER="$f" DYNFTRACE_NOTRACE="$n" DYNFTRACE_ARGS="$a" DYNFTRACE_RETVAL="$r" \
		DYNFTRACE_TRACER="$tracer" \
		DYNFTRACE_DIR="$(cd "$dir" && pwd)" $RUN -E LD_PRELOAD="$LIBDIR/libdynftrace.so" "$@"
}

# check_chrome FILE...: valid JSON, and per thread every E closes the B of
# the same name, in time order, and nothing stays open; complete (X)
# events nest in their B/E parents.
check_chrome() {
	$PYTHON - "$@" <<'PY' || fail "chrome output $* is not valid and nested"
import json, sys
for f in sys.argv[1:]:
    doc = json.load(open(f))
    stacks, last, opened = {}, {}, {}
    for e in doc["traceEvents"]:
        key = (e["pid"], e["tid"])
        ts = float(e.get("ts", 0))
        if e["ph"] in "BEi":
            assert ts >= last.get(key, 0), (f, "time goes back", e)
            last[key] = ts
        if e["ph"] == "B":
            stacks.setdefault(key, []).append(e["name"])
            opened[key] = opened.get(key, []) + [ts]
        elif e["ph"] == "X":
            assert float(e["dur"]) >= 0, (f, "negative duration", e)
            assert not opened.get(key) or opened[key][-1] <= ts, (f, "X before its parent", e)
        elif e["ph"] == "E":
            assert stacks.get(key), (f, "E without B", e)
            name = stacks[key].pop()
            opened[key].pop()
            assert name == e["name"], (f, "E closes another call", name, e)
    for key, s in stacks.items():
        assert not s, (f, "left open", key, s)
    names = {e["name"] for e in doc["traceEvents"] if e["ph"] == "M"}
    assert "process_name" in names and "thread_name" in names, (f, "no name metadata")
PY
}

# check_svg FILE: well-formed XML with frames.
check_svg() {
	$PYTHON - "$1" <<'PY' || fail "svg output $1 is not well-formed"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
frames = [g for g in root.iter(ns + "g") if g.get("class") == "f"]
assert frames, "no frames"
assert all(g.find(ns + "title") is not None for g in frames), "a frame without title"
PY
}

# check_totals DIR [REPORT OPTIONS]: the folded weights add up to the
# profile's self times (both in ns).
check_totals() {
	local dir=$1 f p
	shift
	f=$(dft report -i "$dir" --format folded "$@" | awk '{ s += $NF } END { print s + 0 }')
	p=$(dft report -i "$dir" --format profile -O raw "$@" |
		awk '!/^#/ { s += $3 } END { print s + 0 }')
	[ "$f" = "$p" ] || fail "folded total $f != profile self total $p ($dir)"
	[ "$f" != 0 ] || fail "empty folded output ($dir)"
}

# expect NAME FILE: FILE equals the text on stdin.
expect() {
	diff -u - "$2" || fail "$1: output differs from the expected one"
}

# A graph trace: two threads, arguments, return values, a longjmp-style
# unwind, lost events. Ticks are nanoseconds (ticks_per_sec=1e9).
# gen_graph_trace DIR: that trace in DIR.
gen_graph_trace() {
(
mkdir "$1" && cd "$1" || fail mkdir
cat >info <<'EOF'
version=0.1.0
tracer=function_graph
argv=./prog a 'b c'
options=-t function_graph
start=1700000000.0
pid=100
args=m*@arg1,arg2/x,arg3/s,fparg1;leafy@arg2
EOF
printf '0 400000-401000 400000 - /nonexistent/prog\n' >maps-100
printf '0 0 1100 1100 main\n1 0 1200 1200 foo\n2 0 1300 1300 bar\n3 0 1400 1400 _ZN2ns3bazEi\n4 0 1500 1500 leafy\n' >sites-100
printf 'ticks_per_sec=1000000000 source=monotonic mono0=5000000000 ticks0=0\n' >clock-100
printf 'status=0 events=10 lost=0\n' >exit-100
"$GENTRACE" . <<'EOF' || fail gentrace
stream 100 100 prog 1000
entry 1000 0
args 1000 0 d:2 x:0x7ffe s:hello%20world f:1.5
entry 2000 1
entry 2500 4
retval 2500 4 d:42
exit 2600
entry 3000 2
entry 3100 3
exit 15000
exit 150000
exit 2000000
lost 2000001 5
entry 2000100 3
entry 2000200 4
unwind 2000300 2
exit 2000300
retval 3000000 0 x:0
exit 3000000
stream 100 101 worker 1500
entry 1500 1
entry 1600 4
exit 1700
EOF
)
}
