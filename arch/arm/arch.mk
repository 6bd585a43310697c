# Entry sites: room for `push {lr}` and a 32-bit call at every function
# entry. Three NOPs: Thumb needs all three halfwords; A32 uses two words.
INSTRUMENT_CFLAGS := -fpatchable-function-entry=3
# C++ with g++ 12: its table does not link (arch/x86_64/arch.mk); -pg has
# none, and scan.c finds its sites (tracing only in non-leaf functions).
INSTRUMENT_CXXFLAGS := -pg
