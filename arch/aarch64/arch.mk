# Entry sites: two NOPs at every function entry (after bti c, if any).
INSTRUMENT_CFLAGS := -fpatchable-function-entry=2
