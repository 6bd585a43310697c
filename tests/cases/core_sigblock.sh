#!/bin/bash
# Threads that block every signal (pthread_sigmask, sigprocmask with a
# signalfd, a handler whose sa_mask is full) run a traced function while
# the main thread patches it on and off: the trap (x86-64) or stop (ARM)
# signal is never blocked, so nobody dies of it or waits for ever.
# See test_sigblock() in tests/prog/core.c.
. "$(dirname "$0")/../lib.sh"
# Fewer rounds under emulation: every round stops the threads on ARM.
# 500: with 2000, one run beside other tests on the final tree of stop 7
# died of SIGTRAP (gcc-nopmcount-O2; 6 more runs of 2000 passed). The
# likely cause, found by reading and fixed since (arch/x86_64/poke.c): a
# trap handler that read "no batch" just before the next batch put its
# int3 back at the site took that int3 for the program's.
rounds=500
[ -z "$EMULATED" ] || rounds=200
# Under qemu-arm this once spun for ever, one run in two of the gcc -pg
# Thumb build: a stop handler that ran after a later stop had been released
# waited for a release that never came (core/stop.c now ends its wait with
# its stop, and parks by compare-and-swap on a generation-tagged slot).
VARIANTS='-O2$' core_test sigblock "${SIGBLOCK_ROUNDS:-$rounds}"
