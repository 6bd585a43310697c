// SPDX-License-Identifier: MIT
/*
 * The scratch directory of the fuzz targets: one per process (libFuzzer's
 * -jobs run several), under $TMPDIR, owner-only, gone at exit.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[4096];

static void remove_dir(void)
{
	fuzz_clear();
	rmdir(dir);
}

const char *fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/dft-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(remove_dir);
	return dir;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t len)
{
	static char path[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror(path);
		abort();
	}
	close(fd);
	return path;
}

void fuzz_clear(void)
{
	char path[8192];
	struct dirent *de;
	DIR *d = opendir(fuzz_dir());

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}
