#!/bin/bash
# A C++ exception thrown through traced frames and caught: the program
# still works, the frames it left are closed as unwound, names are
# demangled, a mangled-name filter works, and chrome stays nested.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
cd "$T" || fail "no test dir"

expected() {
	local i
	echo "main() {"
	for i in 1 2; do
		cat <<'EOF'
  cmdtest::catcher() {
    cmdtest::deep() {
      cmdtest::Widget::poke();
    }
  }
EOF
	done
	for i in 3 4; do
		cat <<'EOF'
  cmdtest::catcher() {
    cmdtest::deep() {
      cmdtest::Widget::poke() {
      } /* cmdtest::Widget::poke: unwound */
    } /* cmdtest::deep: unwound */
  }
EOF
	done
	echo "}"
}

n=0
while IFS='|' read -r name cc flags; do
	case $cc in
	*gcc*) cxx=${cc%gcc}g++ ;;
	*clang*) cxx=${cc/clang/clang++} ;;
	*) continue ;;
	esac
	command -v "${cxx%% *}" >/dev/null || continue
	build_variant "$name" "$cxx" "$flags" "$TOP/tests/prog/cmd_cxx.cc" 2>/dev/null
	record_to "$name.trace" -F '_ZN7cmdtest*' -F main -- "./$name" >/dev/null 2>"$name.err" ||
		fail "$name: the program failed under record: $(cat "$name.err")"
	dft report -i "$name.trace" | grep -v '^#' | sed 's/^.*|  //' >"$name.out"
	expected | diff -u - "$name.out" || fail "$name: unexpected trace"
	# Unfiltered: the library's inline functions are there too.
	record_to "$name.all" -- "./$name" >/dev/null 2>&1 || fail "$name: unfiltered record"
	dft report -i "$name.all" --format chrome >"$name.json" || fail "$name: chrome"
	check_totals "$name.all"
	n=$((n + 1))
done < <(ENTRY_ONLY=1 variants)
[ $n -gt 0 ] || skip "no C++ compiler"
check_chrome ./*.json
pass "$n variants"
