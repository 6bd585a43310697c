#!/bin/bash
# The API a library user meets first: several graph ops at once, the return
# value and address in return callbacks, filters by address, update
# transactions, ignored threads, dft_free_ops(), the ABI size fields (see
# tests/prog/core_api.c).
. "$(dirname "$0")/../lib.sh"
for t in graphs retval filter_ip update ignore free size; do
	core_test "api_$t" >/dev/null || exit
done
pass "api: graphs retval filter_ip update ignore free size"
