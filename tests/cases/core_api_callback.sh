#!/bin/bash
# The API called from a callback while the main thread registers and
# unregisters another ops (which waits for callbacks under the runtime's
# lock): dft_lookup_function() works, every other entry point returns
# -EDEADLK, nothing deadlocks. See test_api_callback() in tests/prog/core.c.
. "$(dirname "$0")/../lib.sh"
# Fewer rounds under emulation: every round stops the threads on ARM.
rounds=2000
[ -z "$EMULATED" ] || rounds=200
VARIANTS='-O2$' core_test api_callback "${API_ROUNDS:-$rounds}"
