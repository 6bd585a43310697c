#!/bin/bash
# Live patching, end to end (docs/livepatch.md): tests/prog/lp_pair.c runs
# threads under load that check f2(f1(x)) == x through pair(); the patch
# lp_pair_fix.c changes all three with another intermediate value.
. "$(dirname "$0")/../lib.sh"

lp_dir=$T
cc_patch() { # cc_patch CC OUT SRC: a patch as users build it (no runtime linked)
	$1 -shared -fPIC -O2 -I"$TOP/include" "$3" -o "$2" || fail "build patch $3"
}

n=0
first=
for line in $(ENTRY_ONLY=1 variants | tr ' ' '~' | grep -E -e "${VARIANTS:-.}"); do
	IFS='|' read -r name cc flags <<<"${line//\~/ }"
	d=$lp_dir/$name
	mkdir -p "$d"
	build_variant "$d/lp_pair" "$cc" "$flags" "$TOP/tests/prog/lp_pair.c" -- \
		-Wl,--build-id -L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR" -lpthread
	cc_patch "$cc" "$d/fix.so" "$TOP/tests/prog/lp_pair_fix.c"
	# The invariant, under load, through apply and revert.
	(cd "$d" && run ./lp_pair invariant "$d/fix.so") >"$d/inv.out" 2>&1 ||
		{ cat "$d/inv.out"; fail "$name: invariant"; }
	grep -q "applied: old [1-9][0-9]* new [1-9][0-9]* mix 0" "$d/inv.out" ||
		{ cat "$d/inv.out"; fail "$name: the workers did not run both versions"; }
	# ARM: a replacement in the other instruction set (A32 <-> Thumb-2),
	# reached through interworking branches.
	if [ "$(arch_dir)" = arm ]; then
		case " $flags " in *" -marm "*) other=-mthumb ;; *) other=-marm ;; esac
		$cc -shared -fPIC -O2 $other -I"$TOP/include" "$TOP/tests/prog/lp_pair_fix.c" \
			-o "$d/fix_other.so" || fail "build patch with $other"
		(cd "$d" && run ./lp_pair invariant "$d/fix_other.so") >"$d/inv_other.out" 2>&1 ||
			{ cat "$d/inv_other.out"; fail "$name: invariant with a $other patch"; }
		grep -q "applied: old [1-9][0-9]* new [1-9][0-9]* mix 0" "$d/inv_other.out" ||
			{ cat "$d/inv_other.out"; fail "$name: $other patch: not both versions ran"; }
		pass "$name: invariant with a $other replacement"
	fi
	n=$((n + 1))
	[ -n "$first" ] || first=$name
done
[ $n -gt 0 ] || skip "no compiler for an entry-site variant"
pass "invariant holds through apply and revert in $n variants"

d=$lp_dir/$first
IFS='|' read -r _ cc _ <<<"$(ENTRY_ONLY=1 variants | grep "^$first|")"

# --immediate: no consistency, and the test sees the mix that follows.
# Not under make check SAN=...: seeing a mix takes the timing of the plain
# build (the sanitizers slow the workers' loop outside the pair).
if [ -n "${SAN_FLAGS:-}" ]; then
	echo "note: SAN build: the --immediate mix is not looked for"
else
	run "$d/lp_pair" invariant "$d/fix.so" immediate >"$d/imm.out" 2>&1
	rc=$?
	[ $rc = 4 ] && grep -q "^MIX: [1-9]" "$d/imm.out" ||
		{ cat "$d/imm.out"; fail "--immediate showed no mix (rc $rc): the test could not see one"; }
	pass "immediate mode shows a mix, so the invariant test can see one"
fi

# Stacking and DFT_LIVEPATCH_ORIG.
cc_patch "$cc" "$d/orig.so" "$TOP/tests/prog/lp/orig.c"
run "$d/lp_pair" stack "$d/fix.so" "$d/orig.so" >"$d/stack.out" 2>&1
for want in "old: 5" "first: 1000005" "second: 1000116" "revert 1: -16" \
	"revert newest first\|reverted newest first" "first again: 1000005" "old again: 5" \
	"still mapped: 0"; do
	grep -q "$want" "$d/stack.out" || { cat "$d/stack.out"; fail "stacking: no '$want'"; }
done
pass "stacking, ORIG, revert order, module unloaded"

# A thread parked inside old f1: the transition stalls and says where.
run "$d/lp_pair" stall "$d/fix.so" timeout >"$d/stall.out" 2>&1
grep -q "transition stalled: thread [0-9]* (parker) is in f1" "$d/stall.out" ||
	{ cat "$d/stall.out"; fail "no stall message naming the thread and f1"; }
grep -q "apply returned -110" "$d/stall.out" && grep -q "now: old" "$d/stall.out" &&
	grep -q "parked: 0" "$d/stall.out" || { cat "$d/stall.out"; fail "timeout did not revert cleanly"; }
run "$d/lp_pair" stall "$d/fix.so" force >"$d/force.out" 2>&1
grep -q "applied (forced)" "$d/force.out" && grep -q "now: new" "$d/force.out" ||
	{ cat "$d/force.out"; fail "--force did not complete"; }
pass "stalled transition: message, timeout reverts, force completes"

# A thread that never answers (it blocks every signal) inside old f1: the
# transition waits for it, whatever the emulator; it is no thread of qemu's.
run "$d/lp_pair" stall "$d/fix.so" mute >"$d/mute.out" 2>&1
grep -q "transition stalled: thread [0-9]* (parker) does not answer" "$d/mute.out" &&
	grep -q "apply returned -110" "$d/mute.out" && grep -q "now: old" "$d/mute.out" &&
	grep -q "parked: 0" "$d/mute.out" ||
	{ cat "$d/mute.out"; fail "a silent thread inside f1 was not waited for"; }
pass "a thread that never answers stalls the transition"

# Bad input: a clear error, and the process unchanged.
bad() { # bad FILE PATTERN
	run "$d/lp_pair" apply "$1" >"$d/bad.out" 2>&1
	grep -q "apply returned -[0-9]*; now: old" "$d/bad.out" && grep -q -- "$2" "$d/bad.out" ||
		{ cat "$d/bad.out"; fail "bad patch $1: no '$2' or process changed"; }
}
for p in bad_buildid bad_missing bad_module; do cc_patch "$cc" "$d/$p.so" "$TOP/tests/prog/lp/$p.c"; done
bad "$d/bad_buildid.so" "the patch is for the build 00112233"
bad "$d/bad_missing.so" "no_such_function: no function of that name"
bad "$d/bad_module.so" "libnot_loaded.so is not loaded"
bad "$TOP/tests/prog/lp/not_elf.txt" "not a shared object"
run "$d/lp_pair" revert "$d/fix.so" >"$d/bad.out" 2>&1
grep -q "fix.so: not applied to this process" "$d/bad.out" && grep -q "revert returned -2; now: old" "$d/bad.out" ||
	{ cat "$d/bad.out"; fail "revert of a patch never applied"; }
# A function whose site follows the prologue cannot be redirected.
pg=$(variants | grep '|nonentry$' | head -1 || true)
if [ -z "$pg" ]; then
	pgflags="-pg"
	[ "$(arch_dir)" = x86_64 ] && pgcc=$cc || pgcc=
else
	IFS='|' read -r _ pgcc pgflags _ <<<"$pg"
fi
if [ -n "$pgcc" ]; then
	build_variant "$d/lp_pair_pg" "$pgcc" "$pgflags -O2" "$TOP/tests/prog/lp_pair.c" -- \
		-L"$LIBDIR" -ldynftrace -Wl,-rpath,"$LIBDIR" -lpthread
	run "$d/lp_pair_pg" apply "$d/fix.so" >"$d/bad.out" 2>&1
	grep -q "apply returned -[0-9]*; now: old" "$d/bad.out" &&
		grep -q "after the prologue" "$d/bad.out" ||
		{ cat "$d/bad.out"; fail "-pg site after the prologue"; }
fi
pass "bad input refused with a message, process unchanged"

# dynftrace record --patch: the program starts patched; the patch can
# reach the program's variables; a patched function is traced with the
# new function's arguments and return value.
if [ -n "$RUN" ]; then
	# Under qemu the command cannot exec the emulated program itself:
	# hand the runtime what record --patch hands it (DYNFTRACE_PATCH,
	# naming the pid that exec keeps).
	out=$(bash -c 'exec '"$RUN"' -E DYNFTRACE_PATCH=$$:0:'"$d/fix.so"' '"$d/lp_pair"' show' 2>"$d/rec.err")
	[ "$out" = "new hits=1" ] || { cat "$d/rec.err"; fail "DYNFTRACE_PATCH ran '$out', not the new code"; }
else
	out=$(run "$DFT" record -t function_graph -F f1 -A 'f1@arg1' -R 'f1@retval' -f -o "$d/rec" \
		--patch "$d/fix.so" -- "$d/lp_pair" show 2>"$d/rec.err") || { cat "$d/rec.err"; fail "record --patch"; }
	[ "$out" = "new hits=1" ] || { cat "$d/rec.err"; fail "record --patch ran '$out', not the new code"; }
	run "$DFT" report -i "$d/rec" >"$d/rec.txt" 2>&1 || fail "report"
	# The call ran new_f1: marked, with its argument and its return
	# value (17; the old f1 returns 6).
	grep -q "f1(5) \[patched: new_f1\]; /\* = 17 \*/" "$d/rec.txt" ||
		{ cat "$d/rec.txt"; fail "the trace does not show f1 as patched by new_f1 with its return value 17"; }
	run "$DFT" report -i "$d/rec" --format text >"$d/rec.flat" 2>&1 || fail "report text"
	grep -q ": f1(5) \[patched: new_f1\]" "$d/rec.flat" ||
		{ cat "$d/rec.flat"; fail "report --format text: no patched mark"; }
	run "$DFT" report -i "$d/rec" --format chrome >"$d/rec.json" 2>&1 || fail "report chrome"
	"$PYTHON" - "$d/rec.json" <<'EOP' || fail "chrome: f1 is not marked patched by new_f1 with retval 17"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("name") == "f1"]
a = ev[0].get("args", {}) if len(ev) == 1 else {}
sys.exit(not (a.get("patched") == "new_f1" and a.get("retval") == 17 and a.get("arg1") == 5))
EOP
	if command -v protoc >/dev/null && "$PYTHON" -c 'import google.protobuf' 2>/dev/null; then
		mkdir -p "$d/pb" && protoc --python_out="$d/pb" -I"$TOP/tests/prog" \
			"$TOP/tests/prog/perfetto_min.proto" || fail "protoc"
		run "$DFT" report -i "$d/rec" --format perfetto -o "$d/rec.pb" || fail "report perfetto"
		"$PYTHON" "$TOP/tests/prog/perfetto_read.py" "$d/pb" "$d/rec.pb" >"$d/rec.pbtxt" ||
			fail "perfetto decode"
		grep -q " f1 patched='new_f1' arg1=5 retval=17$" "$d/rec.pbtxt" ||
			{ cat "$d/rec.pbtxt"; fail "perfetto: f1 is not marked patched by new_f1"; }
	fi
	# The function tracer marks it too.
	run "$DFT" record -t function -F 'f1' -A 'f1@arg1' -f -o "$d/recf" --patch "$d/fix.so" -- \
		"$d/lp_pair" show >/dev/null 2>"$d/recf.err" || { cat "$d/recf.err"; fail "record -t function --patch"; }
	run "$DFT" report -i "$d/recf" >"$d/recf.txt" 2>&1 || fail "report function"
	grep -q ": f1(5) \[patched: new_f1\] <-" "$d/recf.txt" ||
		{ cat "$d/recf.txt"; fail "function tracer: no patched mark"; }
	# --thresh writes a call when it ends: marked there too.
	run "$DFT" record -t function_graph --thresh 1ns -F f1 -R 'f1@retval' -f -o "$d/rect" \
		--patch "$d/fix.so" -- "$d/lp_pair" show >/dev/null 2>"$d/rect.err" ||
		{ cat "$d/rect.err"; fail "record --thresh --patch"; }
	run "$DFT" report -i "$d/rect" >"$d/rect.txt" 2>&1 || fail "report thresh"
	grep -q "f1() \[patched: new_f1\]; /\* = 17 \*/" "$d/rect.txt" ||
		{ cat "$d/rect.txt"; fail "--thresh: no patched mark"; }
	# Unpatched, the same call is not marked and returns the old value.
	run "$DFT" record -t function_graph -F f1 -A 'f1@arg1' -R 'f1@retval' -f -o "$d/rec0" \
		-- "$d/lp_pair" show >/dev/null 2>"$d/rec0.err" || { cat "$d/rec0.err"; fail "record unpatched"; }
	run "$DFT" report -i "$d/rec0" >"$d/rec0.txt" 2>&1 || fail "report unpatched"
	grep -q "f1(5); /\* = 6 \*/" "$d/rec0.txt" && ! grep -q patched "$d/rec0.txt" ||
		{ cat "$d/rec0.txt"; fail "an unpatched call is shown as patched, or not as the old f1"; }
	run "$DFT" record -f -o "$d/rec2" --patch "$d/bad_missing.so" -- "$d/lp_pair" show \
		>"$d/rec2.out" 2>&1 && fail "record --patch with a bad patch ran the program"
	grep -q "no_such_function" "$d/rec2.out" && grep -q "was not started" "$d/rec2.out" ||
		{ cat "$d/rec2.out"; fail "record --patch: no clear refusal"; }
fi
pass "record --patch: the patched function is traced, marked [patched: new_f1], with the new function's argument and return value"

# dynftrace patch through the control channel: a process linked with the
# runtime under load (the invariant checked throughout), then an
# unmodified program (the runtime is attached first). Under qemu-user the
# host's dynftrace patches the emulated process.
. "$TOP/tests/prog/ctl_lib.sh"
H=$(host_dft)
$RUN "$d/lp_pair" serve >"$d/serve.out" 2>&1 &
spid=$!
sleep 0.5
"$H" patch "$spid" "$d/fix.so" 2>"$d/patch.err" || { cat "$d/patch.err"; kill $spid; fail "patch PID"; }
grep -q "applied, transition" "$d/patch.err" || { cat "$d/patch.err"; kill $spid; fail "patch: no end of transition"; }
"$H" patch --list "$spid" >"$d/list.out" 2>&1
# The functions in the patch module's order, which is the compiler's (gcc:
# pair,f2,f1; clang, the forms of make check SAN=...: f1,f2,pair).
grep -qE "fix.so applied (pair,f2,f1|f1,f2,pair)$" "$d/list.out" ||
	{ cat "$d/list.out"; kill $spid; fail "patch --list"; }
sleep 0.3
"$H" patch --revert "$spid" "$d/fix.so" 2>>"$d/patch.err" || { cat "$d/patch.err"; kill $spid; fail "patch --revert"; }
"$H" patch --revert "$spid" "$d/fix.so" 2>"$d/rev2.err" && { kill $spid; fail "a second revert succeeded"; }
grep -q "not applied to this process" "$d/rev2.err" || { cat "$d/rev2.err"; kill $spid; fail "second revert: no clear error"; }
sleep 0.3
kill $spid
wait $spid 2>/dev/null
last=$(grep -a "^serve:" "$d/serve.out" | tail -1)
case $last in
"serve: old "[1-9]*" new "[1-9]*" mix 0") ;;
*) fail "patch through the channel: '$last' (both versions ran, no mix expected)" ;;
esac
pass "patch, --list, --revert through the control channel, under load: $last"

if [ -z "$EMULATED" ] && [ -x "$O/examples/shop" ]; then
	"$O/examples/shop" >"$d/shop.out" 2>&1 &
	spid=$!
	sleep 0.5
	"$H" patch "$spid" "$O/examples/shop_fix.so" 2>"$d/shop.err" ||
		{ cat "$d/shop.err"; kill $spid; fail "patch of a program without the runtime"; }
	sleep 3
	"$H" patch --revert "$spid" "$O/examples/shop_fix.so" 2>>"$d/shop.err" ||
		{ cat "$d/shop.err"; kill $spid; fail "revert in the shop"; }
	kill $spid
	wait $spid 2>/dev/null
	grep -q "discount 1[1-4]: 0$" "$d/shop.out" || { cat "$d/shop.out"; fail "the shop fix never showed"; }
	pass "patch attaches to an unmodified program (examples/shop)"
fi
