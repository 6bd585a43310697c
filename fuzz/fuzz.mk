# make fuzz: the libFuzzer targets of fuzz/ (fuzz/README.md), built with
# clang into build/fuzz/ and each run FUZZ_TIME seconds from the committed
# seeds in fuzz/corpus/TARGET. What they find new goes to
# build/fuzz/corpus/TARGET; a crash stops the run and leaves its input as
# build/fuzz/crash-*.
#   trace   the trace reader behind every report format (cmd/trace.c,
#           walk.c, fmt_*.c through report_run())
#   elf     the ELF reader and the site tables (util/elfread.c, sites.c,
#           the native scan.c)
#   spec    -A/-R specs, pattern lists and the control channel's framing
#           (util/argspec.c, match.c, ctl.c)
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
# 0: a new random seed each run (libFuzzer's default). CI fixes it, so
# that its smoke run follows the same path for the same code and corpus,
# and a red CI means a change, not luck.
FUZZ_SEED ?= 0
FUZZ_O := build/fuzz
FUZZ_TARGETS := trace elf spec
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -g -O1 $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Iutil -Icmd \
	-Ifuzz -Iarch/$(ARCH) $(ARCH_CFLAGS) -DDFT_INSTRUMENT_CFLAGS='"$(INSTRUMENT_CFLAGS)"' \
	-DDFT_SITE_FLAGS='"$(SITE_FLAGS_HINT)"' -DDFT_SITE_CXXFLAGS='"$(INSTRUMENT_CXXFLAGS)"' \
	-DDFT_VERSION='"$(VERSION)"' $(FUZZ_SAN)
# The command without its main(); the trace target catches its exit().
FUZZ_CMD_OBJS := $(patsubst %.c,$(FUZZ_O)/%.o,$(filter-out cmd/main.c,$(CMD_SRCS)))
FUZZ_UTIL_OBJS := $(patsubst %,$(FUZZ_O)/%.o,$(basename $(UTIL_SRCS)))

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_O)/trace: $(FUZZ_O)/fuzz/trace.o $(FUZZ_O)/fuzz/fuzz.o $(FUZZ_CMD_OBJS) $(FUZZ_UTIL_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ -Wl,--wrap=exit $(CMD_LIBS) -lstdc++ -ldl
$(FUZZ_O)/elf: $(FUZZ_O)/fuzz/elf.o $(FUZZ_O)/fuzz/fuzz.o $(FUZZ_UTIL_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^

$(FUZZ_O)/spec: $(FUZZ_O)/fuzz/spec.o $(FUZZ_UTIL_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^

fuzz-build: $(addprefix $(FUZZ_O)/,$(FUZZ_TARGETS))

# -close_fd_mask=3: the reports and warnings of the code under test are
# noise here (libFuzzer keeps its own output and the sanitizers').
# -timeout counts wall time: generous, for a loaded machine (an input
# takes milliseconds).
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_O)/corpus/$$t || exit 1; \
		echo "=== fuzz $$t: $(FUZZ_TIME) s"; \
		LSAN_OPTIONS=suppressions=fuzz/lsan.supp \
		$(FUZZ_O)/$$t -max_total_time=$(FUZZ_TIME) -seed=$(FUZZ_SEED) -timeout=60 -rss_limit_mb=2048 \
			-close_fd_mask=3 -print_final_stats=1 -artifact_prefix=$(FUZZ_O)/ \
			$(FUZZ_O)/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

.PHONY: fuzz fuzz-build
-include $(shell find $(FUZZ_O) -name '*.d' -type f -print 2>/dev/null)
