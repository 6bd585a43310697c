#!/bin/bash
# Two threads call a traced function in a tight loop while the main thread
# registers, unregisters and refilters another ops 10,000 times: no crash,
# and the ops that stays registered sees exactly the calls made.
# The patching does not depend on how the program was optimised: -O2 only.
. "$(dirname "$0")/../lib.sh"
# Fewer rounds under emulation, where every ARM batch stops the threads.
rounds=10000
[ -z "$EMULATED" ] || rounds=1000
VARIANTS='-O2$' core_test stress "${STRESS_ROUNDS:-$rounds}"
