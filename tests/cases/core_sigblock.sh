#!/bin/bash
# Threads that block every signal (pthread_sigmask, sigprocmask with a
# signalfd, a handler whose sa_mask is full) run a traced function while
# the main thread patches it on and off: the trap (x86-64) or stop (ARM)
# signal is never blocked, so nobody dies of it or waits for ever.
# See test_sigblock() in tests/prog/core.c.
. "$(dirname "$0")/../lib.sh"
# Fewer rounds under emulation: every round stops the threads on ARM.
rounds=2000
[ -z "$EMULATED" ] || rounds=200
VARIANTS='-O2$' core_test sigblock "${SIGBLOCK_ROUNDS:-$rounds}"
