#!/bin/bash
# Signal handlers in their own recursion context (core/sigctx.c,
# tests/prog/sigctx.c). A timer signal fires every 300 us while the thread
# runs a slow callback (50 us) of an ops of the program's: many signals
# interrupt a callback, and the handler calls traced functions.
#  - With lp_f() live patched, every call from the handler, and from the
#    callback itself (a recursion), runs the new version: none runs the old
#    (they did: the recursion guard skipped the redirect).
#  - So does a handler's call when the signal reached a new thread inside
#    its first traced call, while that waited to be registered (it ran the
#    old version: the first timer signals of a qemu-arm run often land
#    there, natively it takes a thread list held by a grace period), and
#    a handler's call that is the first traced call of a thread inside
#    that grace period (it deadlocked on the list its thread held).
#  - Under dynftrace record, every call of hcall() from the handler is in
#    the trace or counted lost: none is dropped silently (they were).
#    20 handlers left by siglongjmp before do not leave it stuck in theirs.
#  - sigaction() and the signal() family report what the program installed.
#  - A handler installed before the runtime loaded (tests/prog/sigctx_late.c
#    dlopen()s it, as attach loads it) is wrapped too: its calls that
#    interrupt a callback reach the ops (5 of 4758 did).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

ms=2000
[ -z "$EMULATED" ] || ms=4000
n=0
for line in $(ENTRY_ONLY=1 variants | tr ' ' '~' | grep -E -e "${VARIANTS:-.}"); do
	IFS='|' read -r name cc flags <<<"${line//\~/ }"
	case $name in *-O0) [ -n "$EMULATED" ] && continue ;; esac
	d=$T/$name
	mkdir -p "$d"
	build_variant "$d/sigctx" "$cc" "$flags" "$TOP/tests/prog/sigctx.c" -- \
		-L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR"
	$cc -shared -fPIC -O2 -I"$TOP/include" "$TOP/tests/prog/lp/sigctx_fix.c" -o "$d/fix.so" ||
		fail "build the patch"

	run "$d/sigctx" api >"$d/api.out" 2>&1 || { cat "$d/api.out"; fail "$name: api"; }
	grep -qx "api ok (0)" "$d/api.out" || { cat "$d/api.out"; fail "$name: api"; }

	run "$d/sigctx" lp "$d/fix.so" $ms >"$d/lp.out" 2>&1 ||
		{ rc=$?; cat "$d/lp.out"; fail "$name: lp (rc $rc: 3 = no signal interrupted a callback)"; }
	read -r intr handled < <(sed -n 's/^interrupted \([0-9]*\) of \([0-9]*\)$/\1 \2/p' "$d/lp.out")
	read -r h_old h_new < <(sed -n 's/^handler old \([0-9]*\) new \([0-9]*\)$/\1 \2/p' "$d/lp.out")
	[ "${h_old:-x}" = 0 ] && [ "$h_new" = "$handled" ] ||
		{ cat "$d/lp.out"; fail "$name: the handler ran the old lp_f ($intr of $handled signals interrupted a callback)"; }
	grep -q "^callback old 0 new [1-9]" "$d/lp.out" ||
		{ cat "$d/lp.out"; fail "$name: the callback's own call of lp_f ran the old version"; }
	echo "$name: lp: $intr of $handled signals interrupted a callback"

	run "$d/sigctx" reg "$d/fix.so" >"$d/reg.out" 2>&1 ||
		{ rc=$?; cat "$d/reg.out"; fail "$name: reg (rc $rc: 3 = no signal reached a thread inside its registration, 142 = deadlocked)"; }
	grep -q "^handler old 0 new [1-9]" "$d/reg.out" && grep -q "^first old 0 new [1-9]" "$d/reg.out" ||
		{ cat "$d/reg.out"; fail "$name: a handler that interrupted a thread's registration ran the old lp_f"; }
	grep -q "^main old 0 new [1-9]" "$d/reg.out" ||
		{ cat "$d/reg.out"; fail "$name: a handler's first traced call in a grace period ran the old lp_f"; }
	echo "$name: reg: $(sed -n 's/^window //p' "$d/reg.out") rounds had a signal inside the registration"

	build_variant "$d/sigctx_late" "$cc" "$flags" "$TOP/tests/prog/sigctx_late.c"
	run "$d/sigctx_late" "$LIBDIR/libdynftrace.so" $ms >"$d/late.out" 2>&1 ||
		{ rc=$?; cat "$d/late.out"; fail "$name: late (rc $rc: 3 = no signal interrupted a callback)"; }
	read -r intr handled < <(sed -n 's/^interrupted \([0-9]*\) of \([0-9]*\)$/\1 \2/p' "$d/late.out")
	read -r hcalls counted < <(sed -n 's/^hcalls \([0-9]*\) counted \([0-9]*\)$/\1 \2/p' "$d/late.out")
	[ -n "$hcalls" ] && [ "$hcalls" = "$counted" ] ||
		{ cat "$d/late.out"; fail "$name: a handler installed before the runtime loaded: $counted of $hcalls calls reached the ops ($intr of $handled signals interrupted a callback)"; }
	echo "$name: late: $counted of $hcalls calls counted ($intr interrupted a callback)"

	out=$d/rec
	record_run "$out" -t function -F hcall -- "$d/sigctx" rec $ms ||
		{ rc=$?; cat "$out.out" "$out.err"; fail "$name: record (rc $rc: 3 = no signal interrupted a callback)"; }
	read -r intr handled < <(sed -n 's/^interrupted \([0-9]*\) of \([0-9]*\)$/\1 \2/p' "$out.out")
	# And 20 calls from handlers that left by siglongjmp, not interrupting.
	hcalls=$(($(sed -n 's/^hcalls //p' "$out.out") + $(sed -n 's/^jumps //p' "$out.out")))
	run "$DFT" report -i "$out" --format profile >"$out.report" 2>"$out.report.err" ||
		{ cat "$out.report.err"; fail "$name: report"; }
	hits=$(awk '$NF == "hcall" { print $1 }' "$out.report")
	lost=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' "$out"/exit-*)
	[ -n "$hits" ] && [ -n "$lost" ] && [ -n "$hcalls" ] ||
		{ cat "$out.out" "$out.report" "$out"/exit-*; fail "$name: no counts"; }
	[ $((hits + lost)) = "$hcalls" ] ||
		{ cat "$out.out" "$out"/exit-*; fail "$name: $hits recorded + $lost lost != $hcalls calls of hcall ($intr interrupted a callback)"; }
	[ "$lost" -ge "$intr" ] && [ "$hits" -gt 0 ] ||
		fail "$name: $hits recorded, $lost lost, but $intr signals interrupted a callback"
	echo "$name: record: $hits recorded + $lost lost = $hcalls ($intr interrupted a callback)"
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for an entry-site variant"
pass "signal handlers in their own context in $n variants"
