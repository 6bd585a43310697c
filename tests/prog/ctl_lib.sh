# Helpers of the ctl_* cases: the test server, started without dynftrace or
# preloaded, its client, and the bytes of its call sites in memory.

# The host dynftrace: under qemu-user the target is emulated, the command
# that controls it is the machine's own (the protocol is the same).
host_dft() {
	if [ -z "$EMULATED" ]; then
		echo "$DFT"
		return
	fi
	local h=$TOP/build/$(gcc -dumpmachine)/dynftrace
	[ -x "$h" ] || skip "the host dynftrace is not built ($h): run make natively first"
	echo "$h"
}

# build_server VARIANT CC FLAGS: $T/VARIANT/srv
build_server() {
	mkdir -p "$T/$1"
	build_variant "$T/$1/srv" "$2" "$3" "$TOP/tests/prog/ctl_server.c" -- -lpthread
}

# start_server SRV THREADS [preload]: sets SRV_PID and SRV_PORT.
start_server() {
	local srv=$1 port=$T/port.$$.$RANDOM sock
	rm -f "$port"
	touch "$port.start"
	# Simple commands, not functions: $! must be the server itself.
	if [ "${3:-}" = preload ] && [ -n "$RUN" ]; then
		$RUN -E LD_PRELOAD="$LIBDIR/libdynftrace.so" "$srv" server "$port" "$2" &
	elif [ "${3:-}" = preload ]; then
		LD_PRELOAD="$LIBDIR/libdynftrace.so" "$srv" server "$port" "$2" &
	else
		$RUN "$srv" server "$port" "$2" &
	fi
	SRV_PID=$!
	# A socket left by a killed process that had this pid before (pids
	# are reused; a SIGKILLed runtime cannot remove its socket) is older
	# than the server: not its, and in the way of the cases' checks.
	sock=/tmp/dynftrace-$(id -u)/$SRV_PID.ctl
	if [ -e "$sock" ] && ! [ "$sock" -nt "$port.start" ]; then
		rm -f "$sock"
	fi
	rm -f "$port.start"
	for _ in $(seq 200); do
		[ -s "$port" ] && break
		sleep 0.05
	done
	[ -s "$port" ] || fail "the server did not start"
	SRV_PORT=$(cat "$port")
}

stop_server() {
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
}

# start_client SRV CONNS SECONDS OUT: in the background, CLIENT_PID.
start_client() {
	run "$1" client "$SRV_PORT" "$2" "$3" >"$4" 2>&1 &
	CLIENT_PID=$!
}

# check_client OUT: waits for it; 0 errors and some requests.
check_client() {
	wait "$CLIENT_PID" || { cat "$1"; fail "the client saw errors"; }
	grep -q ' 0 errors' "$1" || { cat "$1"; fail "the client saw errors"; }
}

# site_bytes PID BINARY: "NAME HEXBYTES" for each call site of BINARY as
# the process PID has it in memory now (/proc/PID/mem).
site_bytes() {
	"$PYTHON" - "$1" "$2" "$DFT" <<'PY'
import os, subprocess, sys
pid, binary, dft = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3]
lines = subprocess.run([dft, "list", "-a", "-r", binary], capture_output=True, text=True).stdout
start = None
for l in open("/proc/%s/maps" % pid):
    f = l.split()
    if len(f) >= 6 and os.path.realpath(f[5]) == binary and int(f[2], 16) == 0:
        start = int(f[0].split("-")[0], 16)
        break
# The lowest PT_LOAD's page: what the load bias is relative to.
out = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout
low = min(int(l.split()[2], 16) for l in out.splitlines() if l.strip().startswith("LOAD"))
bias = start - (low & ~4095)
with open("/proc/%s/mem" % pid, "rb") as mem:
    for l in lines.splitlines():
        func, site, name = l.split(None, 2)
        mem.seek(int(site, 16) + bias)
        print(name, mem.read(5).hex())
PY
}

# tasks_back PID N: the process has N threads again within 2 s (our control
# thread ends just after it closed the connection).
tasks_back() {
	for _ in $(seq 40); do
		[ "$(ls "/proc/$1/task" | wc -l)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
