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
	printf 'version=0\ntracer=%s\nargv=%s\noptions=\nstart=0\npid=0\n' "$tracer" "$*" >"$dir/info"
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
