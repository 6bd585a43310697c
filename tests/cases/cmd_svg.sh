#!/bin/bash
# The SVG flame graph in a real browser (headless Chromium): it renders, no
# label is wider than its frame (a check in the page compares each label's
# box with its frame's), the width follows the window's, search finds the
# frames and their share of the total, and a screenshot is taken.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
	skip "chromium is needed (apt-get install chromium)"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf tr long
gen_graph_trace tr

# A trace of long C++ names in narrow frames.
mkdir long
printf 'version=0\ntracer=function_graph\nargv=prog\noptions=\nstart=0\npid=1\n' >long/info
printf 'ticks_per_sec=1000000000 source=monotonic mono0=0 ticks0=0\n' >long/clock-1
printf 'status=0\n' >long/exit-1
{
	for i in $(seq 0 39); do
		n=VeryLongClassNameThatGoesOnAndOn$i
		echo "$i 0 $((4096 + i * 64)) $((4096 + i * 64)) _ZN2ns${#n}${n}IiE6methodEv"
	done
} >long/sites-1
{
	echo "stream 1 1 prog 0"
	t=10
	for i in $(seq 0 39); do
		echo "entry $t $i"
		[ $i -lt 39 ] && echo "entry $((t + 1)) $((i + 1))" && echo "exit $((t + 2 + i * 3))"
		echo "exit $((t + 3 + i * 7))"
		t=$((t + 10 + i * 7))
	done
} | "$GENTRACE" long || fail gentrace

# browse FILE WIDTH [#FRAGMENT]: the page's DOM after its script ran.
browse() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--window-size="$2,600" --dump-dom "file://$PWD/$1${3:-}" 2>/dev/null
}
attr() { grep -o "$1=\"[^\"]*\"" | head -1; }

dft report -i long --format svg -o long.svg || fail "svg"
check_svg long.svg
for w in 500 1400; do
	browse long.svg $w >dom || fail "chromium"
	got=$(attr data-check <dom)
	case $got in
	"data-check=\"frames "*" labels "*" overflowing 0 width $w\"") ;;
	*) fail "width $w: ${got:-the page did not run its check}" ;;
	esac
	case $got in *" labels 0 "*) fail "width $w: no label shown: $got" ;; esac
done

# Search: foo's frames take 1998000 of 2999200 ns (frames under 0.1 px of
# the default width are left out of the file).
dft report -i tr --format svg -o tr.svg || fail "svg tr"
browse tr.svg 900 '#search=^foo$' >dom || fail "chromium search"
[ "$(attr data-search <dom)" = 'data-search="1 66.62"' ] || fail "search: $(attr data-search <dom)"
grep -q '<text id="matched"[^>]*>Matched: 1 frames, 66.62%</text>' dom || fail "no Matched line"
grep -q 'fill="rgb(230,0,230)"' dom || fail "matches not coloured"

# A screenshot of the window's size.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--window-size=1000,400 --screenshot="$PWD/shot.png" "file://$PWD/long.svg" \
	>/dev/null 2>&1 || fail "screenshot"
$PYTHON - shot.png <<'PY' || fail "screenshot is no 1000x400 PNG"
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
assert struct.unpack(">II", d[16:24]) == (1000, 400), struct.unpack(">II", d[16:24])
PY
