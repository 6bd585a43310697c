#!/bin/bash
# Live patching Redis under load (issue 12): runs tests/cases/livepatch_redis.sh
# with ROUNDS apply/revert rounds (default 10) and prints its figures: each
# `dynftrace patch` command's wall time and the transition time the runtime
# reports (the first round attaches the runtime with ptrace), and Redis's
# throughput (total_commands_processed, every client) while the commands
# run against 0.3 s windows without them, summed over the rounds. The Redis
# build is the tests' (build_redis), so the first run builds it.
#   bench/livepatch_redis.sh [ROUNDS]      (after make, x86-64 natively)
set -eu
cd "$(dirname "$0")/.."
O=${O:-build/$(gcc -dumpmachine)}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
LP_ROUNDS=${1:-10} O=$O JOBS=1 tests/run.sh tests/cases/livepatch_redis.sh >/dev/null || true
log=$O/tests/log/livepatch_redis.log
grep -E "^(round|summary|control|pings|ok|FAIL|SKIP)" "$log"
