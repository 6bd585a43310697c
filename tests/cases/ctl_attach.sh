#!/bin/bash
# Attaching to a process that was started without dynftrace: a
# multi-threaded server, driven by a client in another process, recorded
# with `record -p`; the trace holds the request functions of every worker
# thread, the client sees no error, after the detach every site is a NOP
# again in /proc/PID/mem and no thread of ours is left, and a second attach
# records again. Native only: qemu-user cannot be ptraced.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
[ "$(arch_dir)" = x86_64 ] || skip "ptrace attach is tested on x86-64 only (see README)"
command -v readelf >/dev/null || skip "readelf (binutils) is not installed"

nop_only() { # FILE: every site is the 5-byte NOP
	if grep -v ' 0f1f440000$' "$1"; then fail "$2: sites that are not NOPs (above)"; fi
}

n=0
# make check SAN=... builds clang's forms only (tests/lib.sh).
forms='^gcc-(pfe-cet|fentry)-O'
[ -z "${SAN_FLAGS:-}" ] || forms='^clang-pfe-cet-O'
for v in $(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | grep -E "$forms" | cut -d'|' -f1); do
	IFS='|' read -r _ cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | grep "^$v|")"
	build_server "$v" "$cc" "$flags"
	srv=$T/$v/srv
	start_server "$srv" 4
	tasks0=$(ls /proc/$SRV_PID/task | wc -l)
	grep -q libdynftrace /proc/$SRV_PID/maps && fail "$v: the runtime is loaded already"

	start_client "$srv" 4 4 "$T/$v.client1"
	sleep 0.3
	$DFT record -p "$SRV_PID" -F 'srv_*' --duration 1.5 -o "$T/$v.trace1" -f \
		2>"$T/$v.rec1" || { cat "$T/$v.rec1"; fail "$v: record -p"; }
	grep -q 'attached' "$T/$v.rec1" || fail "$v: record -p did not say it attached"
	# The site bytes while the channel is open but idle, and while tracing.
	site_bytes "$SRV_PID" "$srv" >"$T/$v.sites.detached"
	nop_only "$T/$v.sites.detached" "$v: after detach"
	grep -q '^srv_handle 0f1f440000' "$T/$v.sites.detached" || fail "$v: srv_handle's site not read"
	tasks_back "$SRV_PID" "$tasks0" || fail "$v: a thread of ours is left"
	grep -l dynftrace-ctl /proc/$SRV_PID/task/*/comm && fail "$v: the control thread is left"
	[ -e "/tmp/dynftrace-$(id -u)/$SRV_PID.ctl" ] && fail "$v: the socket is left"
	check_client "$T/$v.client1"

	# Every worker thread served requests, and the trace has them.
	$DFT report -i "$T/$v.trace1" >"$T/$v.report1" || fail "$v: report"
	for tid in $(ls /proc/$SRV_PID/task); do
		[ "$tid" = "$SRV_PID" ] && continue
		grep -q "^ *$tid) .*srv_handle() {" "$T/$v.report1" ||
			fail "$v: thread $tid's requests are not in the trace"
		grep -q "^ *$tid) .*srv_compute();" "$T/$v.report1" ||
			fail "$v: thread $tid's srv_compute is not in the trace"
	done
	grep -q 'main\|worker' "$T/$v.report1" && fail "$v: the filter was not applied"

	# A second attach (the runtime is there now: woken, not loaded again),
	# and the sites really call the tracer while it records.
	start_client "$srv" 2 3 "$T/$v.client2"
	sleep 0.2
	$DFT record -p "$SRV_PID" -t function --duration 2 -o "$T/$v.trace2" -f \
		2>"$T/$v.rec2" &
	rec=$!
	sleep 1
	site_bytes "$SRV_PID" "$srv" >"$T/$v.sites.tracing"
	grep -q '^srv_handle e8' "$T/$v.sites.tracing" || fail "$v: srv_handle is not traced while recording"
	wait $rec || { cat "$T/$v.rec2"; fail "$v: second record -p"; }
	grep -q 'attached' "$T/$v.rec2" && fail "$v: the runtime was loaded twice"
	$DFT report -i "$T/$v.trace2" | grep -q 'srv_parse <-srv_handle' ||
		fail "$v: the second trace has no srv_parse <- srv_handle"
	site_bytes "$SRV_PID" "$srv" >"$T/$v.sites.detached2"
	nop_only "$T/$v.sites.detached2" "$v: after the second detach"
	check_client "$T/$v.client2"

	# SIGTERM ends a recording like Ctrl-C: a finished trace, sites NOPs.
	start_client "$srv" 2 2 "$T/$v.client4"
	$DFT record -p "$SRV_PID" -F srv_handle -o "$T/$v.trace4" -f 2>"$T/$v.rec4" &
	rec=$!
	sleep 1
	kill -TERM $rec
	wait $rec || { cat "$T/$v.rec4"; fail "$v: record -p ended by SIGTERM"; }
	grep -q 'detached=1' "$T/$v.trace4"/exit-* || fail "$v: SIGTERM: no exit file"
	$DFT report -i "$T/$v.trace4" | grep -q 'srv_handle' || fail "$v: SIGTERM: empty trace"
	site_bytes "$SRV_PID" "$srv" >"$T/$v.sites.term"
	nop_only "$T/$v.sites.term" "$v: after SIGTERM"
	check_client "$T/$v.client4"

	# A profile recording; a second one in the same process is refused
	# (its threads' tables would count into the first directory).
	start_client "$srv" 2 3 "$T/$v.client3"
	sleep 0.2
	$DFT record -p "$SRV_PID" -t profile --duration 0.5 -o "$T/$v.prof1" -f \
		2>"$T/$v.prof1.err" || { cat "$T/$v.prof1.err"; fail "$v: record -p -t profile"; }
	$DFT report -i "$T/$v.prof1" | grep -qE '^ +[1-9][0-9]* .* srv_handle$' ||
		fail "$v: the profile recording has no srv_handle"
	$DFT record -p "$SRV_PID" -t profile --duration 0.5 -o "$T/$v.prof2" -f \
		2>"$T/$v.prof2.err" && fail "$v: a second profile recording was accepted"
	grep -q 'profiled already' "$T/$v.prof2.err" || { cat "$T/$v.prof2.err"; fail "$v: message"; }
	check_client "$T/$v.client3"

	# The target exits while recorded: the recording ends by itself.
	$DFT record -p "$SRV_PID" --duration 30 -o "$T/$v.trace3" -f 2>"$T/$v.rec3" &
	rec=$!
	sleep 0.5
	stop_server
	wait $rec || { cat "$T/$v.rec3"; fail "$v: record -p of an exiting process"; }
	grep -q 'exited' "$T/$v.rec3" || fail "$v: record -p did not see the exit"
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for an entry-site variant"
pass "attach, record -p, detach and re-attach in $n variants"
