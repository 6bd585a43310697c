#!/bin/bash
# Core runtime, end to end: see test_calls() in tests/prog/core.c.
. "$(dirname "$0")/../lib.sh"
core_test calls
