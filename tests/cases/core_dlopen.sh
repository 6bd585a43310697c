#!/bin/bash
# A dlopen'ed instrumented library gets its sites; dlclose then dlopen again
# is safe and traced again. A bare name is found through the program's own
# RUNPATH ($ORIGIN), although the runtime's dlopen wrapper is the caller.
. "$(dirname "$0")/../lib.sh"
core_test dlopen ./libcore_lib.so
core_test dlopen libcore_lib.so
