// SPDX-License-Identifier: MIT
/* trace_cancel.c built as C++: destructors and the class form of
 * pthread_cleanup_push() (tests/cases/trace_cancel.sh), with the names of
 * C so that the traces compare alike. */
extern "C" {
#include "trace_cancel.c"
}
