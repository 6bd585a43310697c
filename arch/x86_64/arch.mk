# Entry sites: a 5-byte NOP at every function entry.
INSTRUMENT_CFLAGS := -fpatchable-function-entry=5
