#!/bin/bash
# C++ exceptions unwinding through traced frames, in every variant: the
# unwinder must find the real return addresses (cleanups run, the catch is
# reached), unwound frames end as UNWIND exits, the catching frames are
# traced on; pthread_exit's and pthread_cancel's forced unwinds run
# destructors too, and a cleanup may throw and catch while another
# exception is unwound.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

command -v g++ >/dev/null || skip "no g++"
# On AArch64 and ARM the unwinder reads return addresses where the
# functions saved the link register: the runtime finds those slots first.

# scenario VARIANT NAME RESULT: runs the program's scenario NAME, which must
# print "NAME RESULT", and compares its tree with stdin. Sets out.
scenario() {
	out=$T/$1-$2
	record "$out" -- "$O/tests/trace/$1/trace_cxx" "$2"
	grep -qx "$2 $3" "$out.out" || { cat "$out.out" "$out.err"; fail "$1: $2"; }
	expect_tree "$out" "$1: $2"
}

for v in $(ENTRY_ONLY=1 build_trace trace_cxx trace_cxx.cc); do
	scenario "$v" exceptions 114 <<'E'
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

	# The exception a cleanup throws and catches while another one is
	# unwound: the frames between them keep their real addresses for it.
	# (The cleanup itself then returns unhooked: its entry is popped as
	# left abnormally.)
	scenario "$v" nested 1104 <<'E'
== thread 0
main
  _Z11scen_nestedv
    _Z10nest_outerv
      _Z10nest_innerv !
        _Z7throweri !
          _Z4leafi
        _ZN6LoggerD2Ev !
          _Z11inner_throwv !
            _Z4leafi
          _Z10cleanup_fnv
      _Z4leafi
E

	# pthread_cancel: glibc's forced unwind runs every destructor, and the
	# cancelled frames end as unwound.
	scenario "$v" cancel 103 <<'E'
== thread 0
main
  _Z11scen_cancelv
== thread 1
_Z13cancel_threadPv !
  _Z10cancel_midv !
    _Z12cancel_innerv !
_ZN5GuardD2Ev
  _Z10cleanup_fnv
_ZN5GuardD2Ev
  _Z10cleanup_fnv
_ZN5GuardD2Ev
  _Z10cleanup_fnv
E

	scenario "$v" threadexit 44 <<'E'
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
