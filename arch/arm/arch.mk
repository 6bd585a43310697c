# Entry sites: room for `push {lr}` and a 32-bit call at every function
# entry. Three NOPs: Thumb needs all three halfwords; A32 uses two words.
INSTRUMENT_CFLAGS := -fpatchable-function-entry=3
