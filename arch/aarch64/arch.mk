# Entry sites: two NOPs at every function entry (after bti c, if any).
INSTRUMENT_CFLAGS := -fpatchable-function-entry=2
# C++ with g++ 12: its table does not link (arch/x86_64/arch.mk); -pg has
# none, and scan.c finds its sites (after the prologue: tracing only).
INSTRUMENT_CXXFLAGS := -pg
