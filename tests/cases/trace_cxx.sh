#!/bin/bash
# C++ exceptions unwinding through traced frames, in every variant: the
# unwinder must find the real return addresses (cleanups run, the catch is
# reached), unwound frames end as UNWIND exits, the catching frames are
# traced on; pthread_exit's forced unwind runs destructors too.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

command -v g++ >/dev/null || skip "no g++"
# On AArch64 and ARM the unwinder reads return addresses where the
# functions saved the link register: the runtime finds those slots first.
for v in $(ENTRY_ONLY=1 build_trace trace_cxx trace_cxx.cc); do
	out=$T/$v-exceptions
	record "$out" -- "$O/tests/trace/$v/trace_cxx" exceptions
	grep -qx 'exceptions 114' "$out.out" || { cat "$out.out" "$out.err"; fail "$v: exceptions"; }
	expect_tree "$out" "$v: exceptions" <<'E'
== thread 0
main
  _Z15scen_exceptionsv
    _Z7catcheri
      _Z6middlei !
        _Z7throweri !
          _Z4leafi
        _ZN5GuardD2Ev
          _Z10cleanup_fnv
      _Z4leafi
    _Z11outer_catchi
      _Z9rethroweri !
        _Z6middlei !
          _Z7throweri !
            _Z4leafi
          _ZN5GuardD2Ev
            _Z10cleanup_fnv
        _Z10cleanup_fnv
    _Z10same_framei
      _Z4leafi
E
	report_ok "$out"
	grep -q 'catcher' "$out.graph" || fail "$v: report does not show catcher"

	out=$T/$v-threadexit
	record "$out" -- "$O/tests/trace/$v/trace_cxx" threadexit
	grep -qx 'threadexit 44' "$out.out" || { cat "$out.out" "$out.err"; fail "$v: threadexit"; }
	expect_tree "$out" "$v: threadexit" <<'E'
== thread 0
main
  _Z15scen_threadexitv
== thread 1
_Z9te_threadPv !
  _Z8te_innerv !
    _Z4leafi
_ZN5GuardD2Ev
  _Z10cleanup_fnv
E
done
pass "C++ exceptions and thread exit"
