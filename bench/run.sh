#!/bin/bash
# make bench: the benchmark driver. Installs what is missing (as root),
# fetches the Lua and Redis sources, then runs each workload and writes the
# Markdown report to stdout and bench/results/<date>-<host>.md.
#
#   BENCH_ROUNDS=N      paired rounds per variant (default 5)
#   BENCH_QUICK=1       smaller workloads, 2 rounds (a smoke run)
#   BENCH_ONLY="core synth lua redis"   the parts to run (default all)
set -u
cd "$(dirname "$0")/.."
export BENCH_WORK=${BENCH_WORK:-$PWD/bench/work}
mkdir -p "$BENCH_WORK" bench/results
bench/setup.sh || echo "bench: setup failed; running what can run" >&2
exec timeout "${BENCH_TIMEOUT:-3600}" python3 bench/driver.py
