# make check: the whole suite natively, then again under qemu-user for every
# cross toolchain that is installed (a missing one is reported as skipped).
CROSS_TARGETS := arm-linux-gnueabihf aarch64-linux-gnu

tests: $(LIBSO) $(CMD)

check: all
	@tests/check.sh
