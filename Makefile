# dynftrace: GNU make build.
#
#   make                    runtime, command, examples and tests
#   make check              build and run every test (native, then each
#                           installed cross target under qemu-user)
#   make check SAN=address,undefined
#                           the native suite with the command, its report
#                           readers and the test programs built with these
#                           sanitizers, into build/<triple>-san/. The runtime
#                           is not: it is loaded into programs that do not
#                           carry the sanitizers' runtimes, patches their text
#                           and runs in their signal handlers and trampolines
#                           (docs/internals.md, "Sanitizers"); `make fuzz`
#                           covers the readers it shares with the command.
#   make fuzz [FUZZ_TIME=60]  the libFuzzer targets, FUZZ_TIME seconds each
#   make install PREFIX=/usr/local DESTDIR=
#   make CROSS_COMPILE=aarch64-linux-gnu-     cross build (kernel convention)
#
# Outputs go to build/<target triple>/ so native and cross builds coexist.

CROSS_COMPILE ?=
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
AR := $(CROSS_COMPILE)ar
TRIPLE := $(shell $(CC) -dumpmachine)
ARCH := $(shell echo $(TRIPLE) | sed -e 's/-.*//' -e 's/^arm.*/arm/')
# SAN: the sanitizers of the command and the test programs (tests/lib.sh
# adds SAN_FLAGS to what it builds), never of the runtime.
SAN ?=
ifneq ($(SAN),)
O ?= build/$(TRIPLE)-san
SAN_FLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer
# gcc leaves float-cast-overflow out of "undefined" (clang has it): a
# damaged trace's double that does not fit its integer is one.
SAN_FLAGS += $(if $(findstring undefined,$(SAN)),-fsanitize=float-cast-overflow)
endif
export SAN_FLAGS
O ?= build/$(TRIPLE)
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0

ifeq ($(wildcard arch/$(ARCH)/arch.mk),)
$(error dynftrace has no port for $(ARCH) (from $(CC) -dumpmachine = $(TRIPLE)))
endif
# Sets INSTRUMENT_CFLAGS and INSTRUMENT_CXXFLAGS (recommended site flags for
# C and C++), and may add ARCH_CFLAGS.
include arch/$(ARCH)/arch.mk

WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
CFLAGS ?= -O2 -g
# _FILE_OFFSET_BITS: on 32-bit targets, readdir() of a directory with 64-bit
# hashed offsets (ext4) fails with EOVERFLOW without the large-file interfaces.
# Messages name the recommended site flags, and the target's other forms.
SITE_FLAGS_HINT ?= $(INSTRUMENT_CFLAGS)
BASE_CFLAGS := $(CFLAGS) $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Iutil \
	-Iarch/$(ARCH) $(ARCH_CFLAGS) -DDFT_INSTRUMENT_CFLAGS='"$(INSTRUMENT_CFLAGS)"' \
	-DDFT_SITE_FLAGS='"$(SITE_FLAGS_HINT)"' -DDFT_SITE_CXXFLAGS='"$(INSTRUMENT_CXXFLAGS)"' -DDFT_VERSION='"$(VERSION)"'
# The runtime is loaded into arbitrary processes: hidden by default, never
# instrumented itself, frame pointers kept for the unwinders of its users.
# Unwind tables: an unwinder starts in, or passes through, its interposers
# (core/graph.c); gcc's default except on ARM, whose EHABI unwinder stops
# at a frame without them (std::terminate, for a throw).
LIB_CFLAGS := $(BASE_CFLAGS) -Icore -Irecord -fPIC -fvisibility=hidden -fno-omit-frame-pointer \
	-funwind-tables \
	-fpatchable-function-entry=0 -ftls-model=initial-exec

# The tree (docs/internals.md):
#   util/    code both sides use, built once into $(UTIL)
#   core/    sites, modules, patching, ops, dispatch, threads, return hooking
#   record/  the recorder and its tracers, a user of core/
#   cmd/     the command, linked with $(UTIL) and nothing of core/ or record/
# musl style: arch/$(ARCH)/NAME.{c,S} replaces the generic NAME.c of the
# same name in util/, core/ or record/; the rest of arch/$(ARCH) is runtime.
ARCH_SRCS := $(wildcard arch/$(ARCH)/*.c arch/$(ARCH)/*.S)
ARCH_NAMES := $(basename $(notdir $(ARCH_SRCS)))
generic = $(filter-out $(addprefix $(1)/,$(addsuffix .c,$(ARCH_NAMES))),$(wildcard $(1)/*.c))
UTIL_NAMES := $(basename $(notdir $(wildcard util/*.c)))
UTIL_ARCH := $(filter $(addprefix arch/$(ARCH)/,$(addsuffix .c,$(UTIL_NAMES))),$(ARCH_SRCS))
UTIL_SRCS := $(call generic,util) $(UTIL_ARCH)
LIB_SRCS := $(call generic,core) $(call generic,record) $(filter-out $(UTIL_ARCH),$(ARCH_SRCS))
UTIL_OBJS := $(patsubst %,$(O)/%.o,$(basename $(UTIL_SRCS)))
LIB_OBJS := $(patsubst %,$(O)/%.o,$(basename $(LIB_SRCS)))

CMD_SRCS := $(wildcard cmd/*.c)
CMD_OBJS := $(patsubst %.c,$(O)/%.o,$(CMD_SRCS))
CMD_LIBS := -lm

UTIL := $(O)/libdftutil.a
# With SAN the command links util/ built with the sanitizers, apart from
# the runtime's copy.
CMD_UTIL := $(if $(SAN),$(O)/san/libdftutil.a,$(UTIL))
LIBSO := $(O)/libdynftrace.so
LIBA := $(O)/libdynftrace.a
CMD := $(O)/dynftrace

all: $(LIBSO) $(LIBA) $(CMD) examples tests

# One set of flags for util/, core/, record/ and arch/: util/ is linked into
# the runtime, so it is built as the runtime is (PIC, hidden).
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@
$(O)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(UTIL): $(UTIL_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBSO): $(LIB_OBJS) $(UTIL) core/dynftrace.map
	$(CC) -shared -o $@ $(LIB_OBJS) $(UTIL) -Wl,--version-script=core/dynftrace.map \
		-Wl,-z,now -Wl,-z,noexecstack -Wl,-z,defs -Wl,-soname,libdynftrace.so -lpthread -ldl
# The static runtime carries the util objects, so that it links alone.
$(LIBA): $(LIB_OBJS) $(UTIL_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(O)/san/libdftutil.a: $(patsubst %,$(O)/san/%.o,$(basename $(UTIL_SRCS)))
	rm -f $@ && $(AR) rcs $@ $^
$(O)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(O)/cmd/%.o: cmd/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -Icmd -MMD -MP -c $< -o $@
$(CMD): $(CMD_OBJS) $(CMD_UTIL)
	$(CC) $(SAN_FLAGS) -o $@ $(CMD_OBJS) $(CMD_UTIL) $(CMD_LIBS) -Wl,-rpath,'$$ORIGIN/../lib' -ldl

# The pkg-config file names the prefix it is installed under, so it is made
# at install time.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	-e 's|@INSTRUMENT_CFLAGS@|$(INSTRUMENT_CFLAGS)|' \
	-e 's|@INSTRUMENT_CXXFLAGS@|$(INSTRUMENT_CXXFLAGS)|' dynftrace.pc.in

include examples/examples.mk
include tests/tests.mk
include fuzz/fuzz.mk

install: $(LIBSO) $(LIBA) $(CMD)
	install -d $(DESTDIR)$(PREFIX)/include/dynftrace $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 include/dynftrace.h $(DESTDIR)$(PREFIX)/include/
	install -d $(DESTDIR)$(PREFIX)/include/dynftrace
	install -m 644 include/dynftrace/*.h $(DESTDIR)$(PREFIX)/include/dynftrace/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	$(PC_SED) >$(DESTDIR)$(PREFIX)/lib/pkgconfig/dynftrace.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/dynftrace.pc
	install -m 755 $(CMD) $(DESTDIR)$(PREFIX)/bin/
	$(if $(wildcard docs/dynftrace.1),install -m 644 docs/dynftrace.1 $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(wildcard docs/dynftrace.bash),install -m 644 docs/dynftrace.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dynftrace)

clean:
	rm -rf build

.PHONY: all install clean check check-long examples tests bench
# (not under tests/, which holds whole trees of other programs)
-include $(shell find $(O) -path $(O)/tests -prune -o -name '*.d' -type f -print 2>/dev/null)

# Benchmarks: not part of check or CI. Writes bench/results/.
bench: all
	bench/run.sh
