#!/bin/bash
# A SAVE_REGS + IPMODIFY ops flips on and off a function that another ops
# keeps on the plain trampoline, while threads call it: every callback's
# redirect takes effect, so it was never called with a partial frame. See
# test_regs_race() in tests/prog/core.c.
. "$(dirname "$0")/../lib.sh"
rounds=200
[ -z "$EMULATED" ] || rounds=40
core_test regs_race "${REGS_RACE_ROUNDS:-$rounds}"
