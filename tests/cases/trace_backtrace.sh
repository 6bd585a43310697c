#!/bin/bash
# backtrace() and _Unwind_Backtrace() from a traced function four hooked
# levels deep, in the main thread and another, in every variant: the
# unwinder must see the real callers (by name, through dladdr), never the
# graph's return hook; the function_graph trace stays whole.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

command -v g++ >/dev/null || skip "no g++"
for v in $(ENTRY_ONLY=1 build_trace trace_backtrace trace_backtrace.cc -rdynamic); do
	out=$T/$v
	record "$out" -- "$O/tests/trace/$v/trace_backtrace"
	n=$(grep -cE '^(backtrace|unwind) ok$' "$out.out")
	[ "$n" = 4 ] || { cat "$out.out" "$out.err"; fail "$v: the unwinders did not see the real callers"; }
	# Under make check SAN=...: the sanitizer's own backtrace() interceptor
	# is the innermost frame, in the program.
	first=_Z5checkPKPKc
	[ -z "${SAN_FLAGS:-}" ] || first="\($first\|backtrace\)"
	grep -qx "backtrace2: 2 $first" "$out.out" ||
		{ cat "$out.out"; fail "$v: backtrace into a short buffer"; }
	# The program's frames are all traced, and all returned normally.
	tree "$out" >"$out.tree"
	grep -q '!' "$out.tree" && { cat "$out.tree"; fail "$v: a frame ended abnormally"; }
	[ "$(grep -c '_Z5checkPKPKc' "$out.tree")" = 2 ] || { cat "$out.tree"; fail "$v: check not traced"; }
	grep -q '_Z7collectP15_Unwind_ContextPv' "$out.tree" || { cat "$out.tree"; fail "$v: collect"; }
done
pass "backtrace and _Unwind_Backtrace through hooked frames"
