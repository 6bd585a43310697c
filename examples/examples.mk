# Bundled examples, built with the recommended site flags of this target.
EX_SRCS := $(wildcard examples/*.c)
EX_BINS := $(patsubst examples/%.c,$(O)/examples/%,$(EX_SRCS))

examples: $(EX_BINS)

$(O)/examples/%: examples/%.c include/dynftrace.h $(LIBSO)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(INSTRUMENT_CFLAGS) -Iinclude $< -o $@ -L$(O) -ldynftrace \
		-Wl,-rpath,'$$ORIGIN/..' -lm
