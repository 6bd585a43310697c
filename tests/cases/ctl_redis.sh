#!/bin/bash
# A real service: Redis from Debian's source package, built with call
# sites (the make line of bench/redisbench.py) and started plainly, is
# attached with `record -p` for 3 seconds while redis-benchmark runs on
# 127.0.0.1 with bounded request counts: no request fails, the trace holds
# Redis's command functions, `top -p PID -n 2` shows them, and Redis serves
# on after the detach. Prints the throughput before and during the attach
# (measured, not asserted). Native only (qemu-user cannot be ptraced); the
# build (build_redis in tests/lib.sh) is shared with livepatch_redis and
# kept, so only the first run pays for it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
loud_skip() {
	echo "######## SKIPPED: $* ########" >&2
	skip "$*"
}
command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null ||
	loud_skip "redis-benchmark/redis-cli are not installed (apt-get install redis-tools)"
[ "${DYNFTRACE_SKIP_REDIS:-}" = 1 ] && skip "DYNFTRACE_SKIP_REDIS=1"

IFS='|' read -r _ cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
build_redis "$cc" "$flags"
server=$REDIS_SERVER
"$DFT" list "$server" 2>/dev/null | grep -qx setCommand || fail "redis-server has no call site for setCommand"

port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--protected-mode no >"$T/redis.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
	sleep 0.1
done
redis-cli -p "$port" ping | grep -q PONG || fail "redis did not start"
grep -q libdynftrace /proc/$pid/maps && fail "redis has the runtime already"

# bench N OUT: one bounded redis-benchmark per command, all at once (so
# that every command runs during a short recording), in the background.
bench_start() {
	local t
	bpids=()
	for t in set get incr lpush; do
		redis-benchmark -h 127.0.0.1 -p "$port" -c 2 -n "$1" -t $t -q >"$2.$t" 2>&1 &
		bpids+=($!)
	done
}
# bench_check OUT: waits for them; none may fail or see an error.
bench_check() {
	local p
	for p in "${bpids[@]}"; do
		wait "$p" || { cat "$1".*; fail "redis-benchmark failed"; }
	done
	if grep -qi 'error' "$1".*; then cat "$1".*; fail "redis-benchmark saw errors"; fi
}
# Redis's own count of commands, and the time.
sample() {
	echo "$(redis-cli -p "$port" info stats | tr -d '\r' |
		sed -n 's/^total_commands_processed://p') $(date +%s.%N)"
}
rate() { # "N0 T0" "N1 T1": commands per second between two samples
	echo "$1 $2" | awk '{ printf "%.0f", ($3 - $1) / ($4 - $2) }'
}

bench_start 250000 "$T/bench"
sleep 0.5
s0=$(sample)
sleep 3
s1=$(sample)
DYNFTRACE_TIMING=1 "$DFT" record -p "$pid" --duration 3 -o "$T/trace" -f 2>"$T/record.err" ||
	{ cat "$T/record.err"; fail "record -p redis"; }
s2=$(sample)
sleep 3
s3=$(sample)
bench_check "$T/bench"
cat "$T/record.err"
"$DFT" report -i "$T/trace" --format profile >"$T/profile" || fail "report"
for f in setCommand getCommand incrCommand lpushCommand processCommand; do
	grep -qE " $f\$" "$T/profile" || { head -30 "$T/profile"; fail "$f is not in the trace"; }
done

# top while the benchmark runs.
redis-benchmark -h 127.0.0.1 -p "$port" -c 4 -n 200000 -t get -q >"$T/bench.top" 2>&1 &
bpid=$!
sleep 0.3
"$DFT" top -p "$pid" -n 2 -l 200 >"$T/top" 2>&1 || { cat "$T/top"; fail "top -p redis"; }
wait $bpid || fail "redis-benchmark during top"
grep -qE ' (getCommand|getGenericCommand)$' "$T/top" || { cat "$T/top"; fail "top shows no command function"; }
[ "$(grep -c '^dynftrace top - pid' "$T/top")" = 2 ] || fail "top -n 2: not 2 tables"

redis-cli -p "$port" ping | grep -q PONG || fail "redis does not answer after the detach"
[ -e "/tmp/dynftrace-$(id -u)/$pid.ctl" ] && fail "the channel is left open"
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
wait $pid
before=$(rate "$s0" "$s1") during=$(rate "$s1" "$s2") after=$(rate "$s2" "$s3")
echo "redis: $before commands/s before, $during during the 3 s record -p (attach and" \
	"detach included), $after after; during/before $(awk -v a="$during" -v b="$before" \
	'BEGIN { printf "%.2f", a / b }')"
pass "redis attached, recorded, profiled and detached"
