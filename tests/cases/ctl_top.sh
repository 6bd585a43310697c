#!/bin/bash
# top -p: one plain table per interval when stdout is not a terminal, with
# the server's request functions, -n iterations, -F; detached at the end.
# ps: the process, its state (dormant, tracing with which tracer) and its
# sites. Natively the server starts without dynftrace (top attaches); under
# qemu-user it is preloaded and the host's dynftrace drives it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
H=$(host_dft)

IFS='|' read -r v cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
build_server "$v" "$cc" "$flags"
srv=$T/$v/srv
if [ -z "$EMULATED" ]; then
	start_server "$srv" 2
else
	start_server "$srv" 2 preload
fi
start_client "$srv" 2 60 "$T/client"
sock=/tmp/dynftrace-$(id -u)/$SRV_PID.ctl

"$H" top -p "$SRV_PID" -n 2 -d 0.5 >"$T/top" 2>"$T/top.err" || { cat "$T/top.err"; fail "top"; }
[ "$(grep -c "^dynftrace top - pid $SRV_PID (srv) - interval" "$T/top")" = 2 ] ||
	{ cat "$T/top"; fail "top -n 2 did not print 2 tables"; }
grep -qE '^ *[0-9.]+% +[1-9][0-9]* +.* srv_handle$' "$T/top" || { cat "$T/top"; fail "top: no srv_handle"; }
grep -qE ' srv_compute$' "$T/top" || { cat "$T/top"; fail "top: no srv_compute"; }
[ -e "$sock" ] && fail "top did not detach"

"$H" top -p "$SRV_PID" -n 1 -d 0.3 -F srv_compute >"$T/top-F" || fail "top -F"
grep -qE ' srv_compute$' "$T/top-F" || { cat "$T/top-F"; fail "top -F: no srv_compute"; }
grep -qE ' srv_(handle|parse|reply)$' "$T/top-F" && { cat "$T/top-F"; fail "top -F: other functions"; }

"$H" top -p "$SRV_PID" -d 0 2>"$T/err" && fail "top -d 0 accepted"
grep -q -- "-d takes seconds" "$T/err" || fail "top -d 0: message"

# ps: dormant, then tracing.
"$H" ps >"$T/ps0"
grep -qE "^ *$SRV_PID +dormant +[1-9][0-9]* +" "$T/ps0" || { cat "$T/ps0"; fail "ps: not dormant"; }
"$H" ctl "$SRV_PID" current_tracer function_graph || fail "ctl"
"$H" ps >"$T/ps1"
grep -qE "^ *$SRV_PID +tracing:function_graph +[1-9][0-9]* +" "$T/ps1" || { cat "$T/ps1"; fail "ps: not tracing"; }
"$H" ctl "$SRV_PID" detach
kill "$CLIENT_PID"
grep -q '^client:' "$T/client" && fail "the client saw errors"
stop_server
pass "top and ps"
