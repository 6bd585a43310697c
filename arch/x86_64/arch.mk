# Entry sites: a 5-byte NOP at every function entry.
INSTRUMENT_CFLAGS := -fpatchable-function-entry=5
SITE_FLAGS_HINT := $(INSTRUMENT_CFLAGS) (or -pg -mfentry -mrecord-mcount)
