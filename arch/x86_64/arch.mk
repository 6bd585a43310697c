# Entry sites: a 5-byte NOP at every function entry.
INSTRUMENT_CFLAGS := -fpatchable-function-entry=5
# C++: gcc 12 puts the table entries of inline and template functions
# outside their COMDAT group, and such a program does not link with a table
# (-fpatchable-function-entry or -mrecord-mcount). -pg -mfentry without a
# table gives entry sites that scan.c finds, with g++ and clang++ alike.
INSTRUMENT_CXXFLAGS := -pg -mfentry
SITE_FLAGS_HINT := $(INSTRUMENT_CFLAGS) (or -pg -mfentry -mrecord-mcount)
