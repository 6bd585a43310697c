#!/bin/bash
# The control channel's verbs on the test server started with the runtime
# preloaded, while a client drives it: status, the function lists, the
# filters, every tracer, tracing_on, trace, trace_pipe, errors, detach (no
# site enabled, no thread of ours, the socket gone) and a second session.
# Under qemu-user (ARM, Thumb-2, AArch64) the target is emulated and the
# host's dynftrace controls it: the protocol is the same on every arch.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
H=$(host_dft)

ctl() { "$H" ctl "$SRV_PID" "$@"; }
expect_in() { # FILE REGEX WHAT
	grep -qE -e "$2" "$1" || { cat "$1"; fail "$v: $3"; }
}
expect_not() {
	if grep -qE -e "$2" "$1"; then cat "$1"; fail "$v: $3"; fi
}

n=0
# make check SAN=... builds clang's forms only (tests/lib.sh).
forms='^gcc-pfe'
[ -z "${SAN_FLAGS:-}" ] || forms='^clang-pfe'
for line in $(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | grep "$forms" | tr ' ' '~'); do
	IFS='|' read -r v cc flags <<<"${line//\~/ }"
	build_server "$v" "$cc" "$flags"
	srv=$T/$v/srv
	start_server "$srv" 2 preload
	tasks0=$(ls /proc/$SRV_PID/task | wc -l)
	# Dormant: no socket, no thread until asked.
	[ -e "/tmp/dynftrace-$(id -u)/$SRV_PID.ctl" ] && fail "$v: a socket before any request"
	start_client "$srv" 2 30 "$T/$v.client"
	o=$T/$v

	ctl status >"$o.status" || fail "$v: status"
	expect_in "$o.status" '^tracer=nop$' "status: tracer"
	expect_in "$o.status" "^pid=$SRV_PID$" "status: pid"
	expect_in "$o.status" '^sites=([4-9]|[1-9][0-9]+)$' "status: sites"
	ctl available_filter_functions >"$o.avail"
	expect_in "$o.avail" '^srv_handle \[srv\]$' "available_filter_functions"
	ctl enabled_functions >"$o.enabled0"
	[ -s "$o.enabled0" ] && fail "$v: functions enabled before any tracer"

	# Bad input: a clear message and status 1, nothing changed.
	ctl set_ftrace_filter 'nosuch*' 2>"$o.err" && fail "$v: a filter matching nothing was accepted"
	expect_in "$o.err" "no function matches 'nosuch\*'" "filter error message"
	ctl current_tracer bogus 2>"$o.err" && fail "$v: an unknown tracer was accepted"
	expect_in "$o.err" "unknown tracer 'bogus'" "tracer error message"
	ctl bogus_verb 2>"$o.err" && fail "$v: an unknown verb was accepted"
	expect_in "$o.err" "unknown verb" "verb error message"
	ctl tracing_on 2 2>"$o.err" && fail "$v: tracing_on 2 was accepted"

	# function: the filter and the notrace list hold.
	ctl set_ftrace_filter 'srv_*' || fail "$v: set_ftrace_filter"
	ctl set_ftrace_notrace srv_parse || fail "$v: set_ftrace_notrace"
	ctl set_ftrace_filter >"$o.filter"
	expect_in "$o.filter" '^srv_\*$' "set_ftrace_filter does not print the filter"
	ctl current_tracer function || fail "$v: current_tracer function"
	ctl enabled_functions >"$o.enabled"
	expect_in "$o.enabled" '^srv_handle ' "srv_handle not enabled"
	expect_not "$o.enabled" '^(srv_parse|main|worker) ' "functions outside the filter enabled"
	sleep 0.5
	ctl trace >"$o.function"
	expect_in "$o.function" '^# tracer: function$' "trace header"
	expect_in "$o.function" ': srv_compute <-srv_handle$' "function trace lacks srv_compute <- srv_handle"
	expect_not "$o.function" 'srv_parse' "srv_parse traced despite notrace"

	# tracing_on 0 stops it (no site enabled), 1 resumes.
	ctl tracing_on 0 || fail "$v: tracing_on 0"
	ctl enabled_functions >"$o.off"
	[ -s "$o.off" ] && fail "$v: functions enabled with tracing_on 0"
	ctl tracing_on 1 && ctl tracing_on | grep -qx 1 || fail "$v: tracing_on 1"

	# function_graph below srv_compute only.
	ctl set_ftrace_notrace '' || fail "$v: clearing notrace"
	ctl set_graph_function srv_compute || fail "$v: set_graph_function"
	ctl current_tracer function_graph || fail "$v: current_tracer function_graph"
	sleep 0.5
	ctl trace >"$o.graph"
	expect_in "$o.graph" '^ *[0-9]+ +[0-9.]+: srv_compute\(\) \{$' "graph: srv_compute entry"
	expect_in "$o.graph" '\} /\* srv_compute [0-9.]+ us \*/$' "graph: srv_compute exit"
	expect_not "$o.graph" 'srv_handle|srv_parse' "graph: functions outside srv_compute"
	ctl set_graph_function '' || fail "$v: clearing set_graph_function"

	# trace_pipe streams what comes, until we close it.
	timeout 2 "$H" ctl "$SRV_PID" trace_pipe >"$o.pipe"
	expect_in "$o.pipe" 'srv_handle\(\) \{' "trace_pipe streamed nothing"

	# profile: a table.
	ctl current_tracer profile || fail "$v: current_tracer profile"
	sleep 0.5
	ctl trace >"$o.profile"
	expect_in "$o.profile" '^ +[1-9][0-9]* +[0-9]+ +[0-9]+  srv_handle$' "profile: srv_handle"
	ctl trace_pipe 2>"$o.err" && fail "$v: trace_pipe of the profile tracer"

	# detach: nothing enabled, no thread of ours, no socket; the server
	# runs on, and a new session starts afresh.
	ctl detach || fail "$v: detach"
	sleep 0.2
	[ -e "/tmp/dynftrace-$(id -u)/$SRV_PID.ctl" ] && fail "$v: the socket is left after detach"
	tasks_back "$SRV_PID" "$tasks0" || fail "$v: a thread of ours is left"
	ctl status >"$o.status2"
	expect_in "$o.status2" '^tracer=nop$' "tracer after detach"
	expect_in "$o.status2" '^enabled=0$' "sites enabled after detach"
	expect_in "$o.status2" '^filter=$' "filter kept after detach"
	ctl current_tracer function && sleep 0.3 && ctl trace >"$o.again"
	expect_in "$o.again" 'srv_handle <-' "second session traces nothing"
	ctl detach

	kill "$CLIENT_PID"
	wait "$CLIENT_PID" 2>/dev/null
	expect_not "$o.client" '^client:' "the client saw errors"
	kill -0 "$SRV_PID" || fail "$v: the server died"
	stop_server
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler for an entry-site variant"
pass "every verb in $n variants"
