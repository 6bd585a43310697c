/*
 * LLVM XRay in FDR mode, started by a constructor: with LLVM 14, FDR mode
 * selected from XRAY_OPTIONS alone writes nothing, so select, initialise
 * and patch here, and finalise and flush at exit. Linked into the XRay
 * build of each workload (built without -fxray-instrument itself).
 * BENCH_XRAY_FDR holds the FDR options; the log goes where XRAY_OPTIONS'
 * xray_logfile_base says. BENCH_XRAY_COUNT=1 instead installs a handler
 * that only counts entries, to learn the exact number of calls of the build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <xray/xray_interface.h>
#include <xray/xray_log_interface.h>

static void fdr_stop(void)
{
	__xray_unpatch();
	__xray_log_finalize();
	__xray_log_flushLog();
}

static unsigned long calls;

static void count_entry(int32_t fid, XRayEntryType type)
{
	if (type == ENTRY)
		__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

static void count_report(void)
{
	__xray_unpatch();
	fprintf(stderr, "bench-count: calls=%lu\n", calls);
}

__attribute__((constructor)) static void fdr_start(void)
{
	const char *cfg = getenv("BENCH_XRAY_FDR");

	if (getenv("BENCH_XRAY_COUNT")) {
		__xray_set_handler(count_entry);
		__xray_patch();
		atexit(count_report);
		return;
	}

	if (!cfg) /* instrumented but not tracing: sleds stay NOPs */
		return;
	if (__xray_log_select_mode("xray-fdr") != XRAY_REGISTRATION_OK) {
		fprintf(stderr, "xray: cannot select FDR mode\n");
		return;
	}
	XRayLogInitStatus st = __xray_log_init_mode("xray-fdr", cfg);
	if (st != XRAY_LOG_INITIALIZED) {
		fprintf(stderr, "xray: FDR init failed (%d)\n", (int)st);
		return;
	}
	__xray_patch();
	atexit(fdr_stop);
}
