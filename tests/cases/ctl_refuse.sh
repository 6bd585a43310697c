#!/bin/bash
# Every refusal of attach and control, each with its message and exit
# status, and the target left exactly as it was (running, serving, without
# the runtime): a dead pid (3), another user's process (4) and a connection
# of another uid (EACCES from the runtime), no call sites (5), a static
# binary without dlopen (6), a process already being traced (7). Yama's
# ptrace_scope (4) is ctl_yama.sh. Native only: qemu-user cannot be ptraced.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"

IFS='|' read -r v cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
build_server "$v" "$cc" "$flags"
srv=$T/$v/srv

# refuse NAME STATUS REGEX CMD...: CMD fails with STATUS and a message.
refuse() {
	local name=$1 status=$2 re=$3 rc
	shift 3
	"$@" >"$T/$name.out" 2>&1
	rc=$?
	[ $rc = "$status" ] || { cat "$T/$name.out"; fail "$name: exit status $rc, not $status"; }
	grep -qE -e "$re" "$T/$name.out" || { cat "$T/$name.out"; fail "$name: message"; }
	grep -q '^dynftrace: ' "$T/$name.out" || fail "$name: message without the dynftrace: prefix"
}
# untouched PID: alive, and without the runtime.
untouched() {
	kill -0 "$1" || fail "$2: the target died"
	grep -q libdynftrace "/proc/$1/maps" && fail "$2: the runtime was loaded anyway"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$1/status" || [ "${3:-}" = traced ] ||
		fail "$2: the target is left traced"
}

# A dead pid.
true &
dead=$!
wait $dead
refuse dead 3 "no process $dead" "$DFT" ctl --attach "$dead" status
refuse dead-record 3 "no process $dead" "$DFT" record -p "$dead" -o "$T/dead.trace" -f
refuse dead-top 3 "no process $dead" "$DFT" top -p "$dead" -n 1

# No call sites: a program built without the flags.
sleep 100 &
plain=$!
refuse nosites 5 "has no call sites.*rebuild it with" "$DFT" record -p "$plain" -o "$T/x" -f
untouched $plain nosites
kill $plain

# Not the runtime, and no --attach: ctl says how.
start_server "$srv" 2
refuse noruntime 8 "does not run the dynftrace runtime.*--attach" "$DFT" ctl "$SRV_PID" status
untouched "$SRV_PID" noruntime

# Already traced (by a debugger): its tracer stays, we refuse.
"$PYTHON" - "$SRV_PID" <<'PY' &
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(0x4206, int(sys.argv[1]), None, None):  # PTRACE_SEIZE
    sys.exit("seize failed: %d" % ctypes.get_errno())
time.sleep(4)
PY
tracer=$!
for _ in $(seq 50); do
	grep -q "^TracerPid:[[:space:]]*$tracer$" /proc/$SRV_PID/status && break
	sleep 0.05
done
grep -q "^TracerPid:[[:space:]]*$tracer$" /proc/$SRV_PID/status || fail "the test's tracer did not attach"
refuse traced 7 "already being traced by process $tracer" "$DFT" ctl --attach "$SRV_PID" status
untouched "$SRV_PID" traced traced
wait $tracer

# Another user's process: the server is ours, the caller nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	refuse otheruser 4 "belongs to uid 0, not to you" as_nobody "$DFT" ctl --attach "$SRV_PID" status
	refuse otheruser-top 4 "belongs to uid 0" as_nobody "$DFT" top -p "$SRV_PID" -n 1
	refuse otheruser-record 4 "belongs to uid 0" as_nobody "$DFT" record -p "$SRV_PID" \
		-o /tmp/dft-refuse-$$.trace
	[ -e /tmp/dft-refuse-$$.trace ] && fail "otheruser-record: a trace directory was made"
	untouched "$SRV_PID" otheruser
else
	echo "note: not root: the other-user refusal is not tested"
fi
start_client "$srv" 2 1 "$T/client"
check_client "$T/client"
stop_server

# The runtime checks each connection's uid (SO_PEERCRED): with the
# directory opened up on purpose, nobody still gets EACCES and a reason.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	start_server "$srv" 2 preload
	"$DFT" ctl "$SRV_PID" status >/dev/null || fail "status of a preloaded server"
	dir=/tmp/dynftrace-0
	chmod 755 "$dir" && chmod 666 "$dir/$SRV_PID.ctl"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PYTHON" - "$dir/$SRV_PID.ctl" \
		>"$T/peercred.out" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = b"status\0"
try:
    s.sendall(b"D\x01\0\0" + struct.pack("<I", len(req)) + req)
except OSError:
    pass  # refused at once: the reason is waiting
hdr = s.recv(8, socket.MSG_WAITALL)
body = s.recv(struct.unpack("<I", hdr[4:])[0], socket.MSG_WAITALL)
print(hdr[1], struct.unpack("<I", body[:4])[0], body[4:].decode())
PY
	chmod 700 "$dir"
	grep -q "^3 13 process $SRV_PID belongs to uid 0; uid 65534 may not control it" \
		"$T/peercred.out" || { cat "$T/peercred.out"; fail "SO_PEERCRED refusal"; }
	"$DFT" ctl "$SRV_PID" detach
	stop_server
fi

# A static binary: no libc.so, no dlopen to call.
if build_variant "$T/srv-static" "$cc" "$flags" "$TOP/tests/prog/ctl_server.c" -- -static -lpthread \
	2>/dev/null; then
	start_server "$T/srv-static" 2
	refuse static 6 "no dynamic libc with dlopen \(a static binary\?\)" \
		"$DFT" record -p "$SRV_PID" -o "$T/x" -f
	untouched "$SRV_PID" static
	stop_server
else
	echo "note: no static libc: the static refusal is not tested"
fi

pass "refusals"
