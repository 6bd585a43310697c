#!/bin/bash
# Attach and detach latency (issue 11): N times, a fresh test server
# (tests/prog/ctl_server.c, 4 worker threads, driven by its client) is
# attached with `record -p` (ptrace + dlopen + wake + record-start), then
# recorded again (the runtime is there: wake + record-start); each detach
# is record-stop + detach. Prints the medians in ms, from DYNFTRACE_TIMING.
#   bench/attach.sh [N]      (after make; uses build/$(gcc -dumpmachine))
set -eu
cd "$(dirname "$0")/.."
N=${1:-10}
O=${O:-build/$(gcc -dumpmachine)}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
gcc -O2 -fpatchable-function-entry=5 -fno-inline tests/prog/ctl_server.c -o "$W/srv" -lpthread
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for i in $(seq "$N"); do
	"$W/srv" server "$W/port" 4 &
	pid=$!
	while [ ! -s "$W/port" ]; do sleep 0.01; done
	"$W/srv" client "$(cat "$W/port")" 4 3 >/dev/null &
	client=$!
	sleep 0.2
	for kind in first again; do
		DYNFTRACE_TIMING=1 "$O/dynftrace" record -p $pid -t function --duration 0.3 \
			-o "$W/t" -f 2>"$W/err"
		sed -n "s/.*attached in \([0-9.]*\) ms/\1/p" "$W/err" >>"$W/attach-$kind"
		sed -n "s/.*detached in \([0-9.]*\) ms/\1/p" "$W/err" >>"$W/detach-$kind"
	done
	kill $client $pid 2>/dev/null || true
	wait $pid $client 2>/dev/null || true
	rm -f "$W/port"
done
echo "attach, ptrace + dlopen (median of $N): $(median <"$W/attach-first") ms"
echo "attach, runtime loaded (median of $N):  $(median <"$W/attach-again") ms"
echo "detach (median of $((2 * N))):          $(cat "$W"/detach-* | median) ms"
