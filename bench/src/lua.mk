# Builds the Lua interpreter from the sources fetched by `apt-get source
# lua5.4` into the current directory: make -f lua.mk S=SRCDIR CC=.. CFLAGS=..
SRCS := $(filter-out %/luac.c,$(wildcard $(S)/src/*.c))
OBJS := $(patsubst $(S)/src/%.c,%.o,$(SRCS))
LINK ?= $(CC)

lua: $(OBJS) $(EXTRA)
	$(LINK) $(LDFLAGS) -o $@ $^ -Wl,-E -lm -ldl

%.o: $(S)/src/%.c
	$(CC) -std=gnu99 -I. -DLUA_COMPAT_5_3 -DLUA_USE_LINUX $(CFLAGS) -c $< -o $@

# Debian's patches include a header its own build generates.
$(OBJS): lua5.4-deb-multiarch.h
lua5.4-deb-multiarch.h:
	echo '#define DEB_HOST_MULTIARCH "$(shell gcc -dumpmachine)"' > $@
