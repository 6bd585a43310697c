#!/bin/bash
# Live patching a real service (docs/livepatch.md): Redis from Debian's
# source (build_redis: the build ctl_redis uses), started plainly, gets a
# patch built against its own headers (tests/prog/lp/redis_ping.c: a plain
# PING answers "PONG patched"). `dynftrace patch PID fix.so` (which attaches
# the runtime first) and `--revert` run LP_ROUNDS times (default 2) while
# redis-benchmark runs bounded rounds on 127.0.0.1 and a prober PINGs on
# its own connection (tests/prog/lp_redis.py): no request fails, and the
# reply is the old one before `patch` starts, the new one once it has
# returned, the old one once `--revert` has returned, switching once while
# each runs. Prints each command's time and Redis's throughput during it
# against a window without it and one around `patch --list` (measured, not
# asserted; bench/livepatch_redis.sh runs more rounds).
# Native only: the runtime is attached with ptrace (x86-64), which qemu-user
# cannot give its guest.
. "$(dirname "$0")/../lib.sh"
[ -z "$EMULATED" ] ||
	skip "qemu-user cannot ptrace its guest, and dynftrace patch attaches Redis (which does not load the runtime) through ptrace: tested natively only"
[ "$(arch_dir)" = x86_64 ] ||
	skip "dynftrace patch attaches a process without the runtime through ptrace on x86-64 only"
command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null || {
	echo "######## SKIPPED: redis-tools is not installed ########" >&2
	skip "redis-benchmark/redis-cli are not installed (apt-get install redis-tools)"
}
[ "${DYNFTRACE_SKIP_REDIS:-}" = 1 ] && skip "DYNFTRACE_SKIP_REDIS=1"

IFS='|' read -r _ cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
build_redis "$cc" "$flags"
"$DFT" list "$REDIS_SERVER" 2>/dev/null | grep -qx pingCommand ||
	fail "redis-server has no call site for pingCommand"

# The fix, as an operator builds it: against the server's headers.
$cc -shared -fPIC -O2 -I"$TOP/include" -I"$REDIS_SRC/src" -I"$REDIS_SRC/deps/hiredis" \
	-I"$REDIS_SRC/deps/lua/src" -I"$REDIS_SRC/deps/hdr_histogram" \
	"$TOP/tests/prog/lp/redis_ping.c" -o "$T/fix.so" || fail "building the Redis patch"

port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--protected-mode no >"$T/redis.log" 2>&1 &
pid=$!
cleanup() {
	touch "$T/stop"
	kill "$pid" 2>/dev/null
}
trap cleanup EXIT
rm -f "$T/stop" "$T"/bench.*
for _ in $(seq 100); do
	redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
	sleep 0.1
done
[ "$(redis-cli -p "$port" ping)" = PONG ] || fail "redis did not start"
grep -q libdynftrace "/proc/$pid/maps" && fail "redis has the runtime already"

# The load: bounded redis-benchmark runs, one after the other, until told
# to stop (each run's output kept).
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		redis-benchmark -h 127.0.0.1 -p "$port" -c 4 -n 20000 -t ping,set,get -q \
			>"$T/bench.$i" 2>&1 || echo "exit status $?" >>"$T/bench.$i"
	done
) &
bench=$!
sleep 0.5

"$PYTHON" "$TOP/tests/prog/lp_redis.py" "$DFT" "$pid" "$port" "$T/fix.so" "${LP_ROUNDS:-2}" \
	PONG "PONG patched" >"$T/drive.out" 2>"$T/drive.err"
rc=$?
touch "$T/stop"
wait "$bench"
cat "$T/drive.err" "$T/drive.out"
[ $rc = 0 ] || fail "the reply did not change when dynftrace patch said it did"
grep -q libdynftrace "/proc/$pid/maps" || fail "dynftrace patch did not attach the runtime"

# No request failed.
n=$(ls "$T"/bench.* | wc -l)
[ "$n" -ge 1 ] || fail "redis-benchmark did not run"
if grep -qiE 'error|exit status' "$T"/bench.*; then
	grep -iE 'error|exit status' "$T"/bench.* | head
	fail "redis-benchmark saw errors"
fi
errs=$(redis-cli -p "$port" info stats | tr -d '\r' | sed -n 's/^total_error_replies://p')
[ "$errs" = 0 ] || fail "Redis answered $errs errors"
[ "$(redis-cli -p "$port" ping)" = PONG ] || fail "Redis does not answer PONG after the revert"
"$DFT" patch --list "$pid" >"$T/list" 2>&1
grep -q fix.so "$T/list" && { cat "$T/list"; fail "the patch is still listed after the revert"; }
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
wait "$pid"
trap - EXIT
pass "Redis patched and reverted ${LP_ROUNDS:-2} times under redis-benchmark ($n bounded runs, 0 errors); the PING reply changed exactly with dynftrace patch"
