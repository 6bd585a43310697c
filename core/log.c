// SPDX-License-Identifier: MIT
/*
 * Levelled diagnostics. The runtime lives inside someone else's process, so
 * it says only what the user would want to know, once, on stderr or in a
 * file: DYNFTRACE_LOG=error|warn|info|debug[,file=PATH].
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int dft_log_level = DFT_LOG_WARN;
static int log_fd = 2;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void dft_log_init(void)
{
	const char *env = getenv("DYNFTRACE_LOG");
	const char *file;

	if (!env)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (!strncmp(env, level_names[i], strlen(level_names[i])))
			dft_log_level = i;
	file = strstr(env, "file=");
	if (file) {
		int fd = open(file + 5, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0)
			log_fd = fd;
	}
}

void dft_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (level > dft_log_level)
		return;
	/* One write per message, so lines of several threads do not mix. */
	n = snprintf(buf, sizeof(buf), "dynftrace[%d]: %s: ", getpid(), level_names[level]);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(log_fd, buf, n) < 0)
		return;
}
