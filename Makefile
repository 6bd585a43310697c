# dynftrace: GNU make build.
#
#   make                    runtime, command, examples and tests
#   make check              build and run every test (native, then each
#                           installed cross target under qemu-user)
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
O ?= build/$(TRIPLE)
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0

ifeq ($(wildcard arch/$(ARCH)/arch.mk),)
$(error dynftrace has no port for $(ARCH) (from $(CC) -dumpmachine = $(TRIPLE)))
endif
# Sets INSTRUMENT_CFLAGS (recommended site flags), and may add ARCH_CFLAGS.
include arch/$(ARCH)/arch.mk

WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
CFLAGS ?= -O2 -g
# _FILE_OFFSET_BITS: on 32-bit targets, readdir() of a directory with 64-bit
# hashed offsets (ext4) fails with EOVERFLOW without the large-file interfaces.
# Messages name the recommended site flags, and the target's other forms.
SITE_FLAGS_HINT ?= $(INSTRUMENT_CFLAGS)
BASE_CFLAGS := $(CFLAGS) $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Ilib \
	-Iarch/$(ARCH) $(ARCH_CFLAGS) -DDFT_INSTRUMENT_CFLAGS='"$(INSTRUMENT_CFLAGS)"' \
	-DDFT_SITE_FLAGS='"$(SITE_FLAGS_HINT)"' -DDFT_VERSION='"$(VERSION)"'
# The runtime is loaded into arbitrary processes: hidden by default, never
# instrumented itself, frame pointers kept for the unwinders of its users.
LIB_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden -fno-omit-frame-pointer \
	-fpatchable-function-entry=0 -ftls-model=initial-exec

# musl style: arch/$(ARCH)/NAME.{c,S} replaces lib/NAME.c of the same name.
GEN_SRCS := $(wildcard lib/*.c)
ARCH_SRCS := $(wildcard arch/$(ARCH)/*.c arch/$(ARCH)/*.S)
ARCH_NAMES := $(basename $(notdir $(ARCH_SRCS)))
LIB_SRCS := $(filter-out $(addprefix lib/,$(addsuffix .c,$(ARCH_NAMES))),$(GEN_SRCS)) $(ARCH_SRCS)
LIB_OBJS := $(patsubst %,$(O)/%.o,$(basename $(LIB_SRCS)))

CMD_SRCS := $(wildcard cmd/*.c)
CMD_OBJS := $(patsubst %.c,$(O)/%.o,$(CMD_SRCS)) $(O)/cmd/elfread.o $(O)/cmd/sites.o $(O)/cmd/scan.o
CMD_LIBS := -lm -lstdc++

LIBSO := $(O)/libdynftrace.so
LIBA := $(O)/libdynftrace.a
CMD := $(O)/dynftrace

all: $(LIBSO) $(LIBA) $(CMD) examples tests

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@
$(O)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(LIBSO): $(LIB_OBJS) lib/dynftrace.map
	$(CC) -shared -o $@ $(LIB_OBJS) -Wl,--version-script=lib/dynftrace.map \
		-Wl,-z,now -Wl,-z,noexecstack -Wl,-z,defs -Wl,-soname,libdynftrace.so -lpthread -ldl
$(LIBA): $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

# The command shares the runtime's ELF reader (built without -fPIC).
$(O)/cmd/%.o: cmd/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Icmd -MMD -MP -c $< -o $@
$(O)/cmd/elfread.o $(O)/cmd/sites.o: $(O)/cmd/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -MMD -MP -c $< -o $@
$(O)/cmd/scan.o: arch/$(ARCH)/scan.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -MMD -MP -c $< -o $@
$(CMD): $(CMD_OBJS)
	$(CC) -o $@ $^ $(CMD_LIBS) -Wl,-rpath,'$$ORIGIN/../lib' -ldl

# The pkg-config file names the prefix it is installed under, so it is made
# at install time.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	-e 's|@INSTRUMENT_CFLAGS@|$(INSTRUMENT_CFLAGS)|' dynftrace.pc.in

include examples/examples.mk
include tests/tests.mk

install: $(LIBSO) $(LIBA) $(CMD)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 include/dynftrace.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	$(PC_SED) >$(DESTDIR)$(PREFIX)/lib/pkgconfig/dynftrace.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/dynftrace.pc
	install -m 755 $(CMD) $(DESTDIR)$(PREFIX)/bin/
	$(if $(wildcard docs/dynftrace.1),install -m 644 docs/dynftrace.1 $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(wildcard docs/dynftrace.bash),install -m 644 docs/dynftrace.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dynftrace)

clean:
	rm -rf build

.PHONY: all install clean check examples tests bench
-include $(shell find $(O) -name '*.d' -type f 2>/dev/null)

# Benchmarks: not part of check or CI. Writes bench/results/.
bench: all
	bench/run.sh
