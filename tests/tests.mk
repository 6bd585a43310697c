# make check: the whole suite natively, then again under qemu-user for every
# cross toolchain that is installed (a missing one is reported as skipped).
CROSS_TARGETS := arm-linux-gnueabihf aarch64-linux-gnu

tests: $(LIBSO) $(CMD)

check: all
	@O=$(O) tests/check.sh

# check, with the real test suites on every target (CI runs them on x86-64
# and ARM only).
check-long: all
	@DFT_SUITES=1 SUITE_ARCHES="x86_64 arm aarch64" SUITE_JQ_TESTS=all tests/check.sh
