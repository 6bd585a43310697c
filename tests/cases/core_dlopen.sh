#!/bin/bash
# A dlopen'ed instrumented library gets its sites; dlclose then dlopen again
# is safe and traced again.
. "$(dirname "$0")/../lib.sh"
core_test dlopen ./libcore_lib.so
