// SPDX-License-Identifier: MIT
/*
 * Whether a command can be traced at all, before it runs: it, or one of
 * the libraries it needs (DT_NEEDED), has call sites. Libraries are looked
 * up as the dynamic loader would at start: DT_RPATH (without DT_RUNPATH),
 * LD_LIBRARY_PATH, DT_RUNPATH, the directories of /etc/ld.so.conf, then the
 * default ones. Anything that cannot be read or found gives "unknown", so
 * that only a command certain to record nothing is refused.
 */
#include <elf.h>
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "elfread.h"
#include "sites.h"

struct dyn {
	char **needed;
	unsigned int nneeded;
	char *rpath, *runpath;
};

static int collect(long tag, const char *s, void *arg)
{
	struct dyn *d = arg;

	if (tag == DT_NEEDED) {
		d->needed = xrealloc(d->needed, (d->nneeded + 1) * sizeof(*d->needed));
		d->needed[d->nneeded++] = xstrdup(s);
	} else if (tag == DT_RPATH) {
		list_append(&d->rpath, s, ':');
	} else {
		list_append(&d->runpath, s, ':');
	}
	return 0;
}

/* ld.so.conf's directories, following its include lines. */
static void conf_dirs(const char *file, char **dirs, int depth)
{
	char line[PATH_MAX + 16];
	FILE *f = fopen(file, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		p[strcspn(p, "#\r\n")] = 0;
		for (char *end = p + strlen(p); end > p && strchr(" \t", end[-1]);)
			*--end = 0;
		if (!strncmp(p, "include", 7) && p[7] && strchr(" \t", p[7]) && depth < 4) {
			/* include DIR/GLOB (util/glob.h hides glob(3) here). */
			char *slash;
			struct dirent *de;
			DIR *dir;

			p += 8 + strspn(p + 8, " \t");
			slash = strrchr(p, '/');
			if (!slash)
				continue;
			*slash = 0;
			dir = opendir(*p ? p : "/");
			while (dir && (de = readdir(dir))) {
				char sub[PATH_MAX + 16];

				if (de->d_name[0] == '.' || fnmatch(slash + 1, de->d_name, 0))
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", p, de->d_name);
				conf_dirs(sub, dirs, depth + 1);
			}
			if (dir)
				closedir(dir);
		} else if (*p == '/') {
			list_append(dirs, p, ':');
		}
	}
	fclose(f);
}

/* @name in the directories of @dirs ($ORIGIN is @origin) with @machine:
 * its path (malloc()ed) or NULL. */
static char *find_lib(const char *name, const char *dirs, const char *origin, uint16_t machine,
		      int is64)
{
	char path[PATH_MAX];

	for (const char *p = dirs; p && *p;) {
		size_t n = strcspn(p, ":");
		struct dft_elf e;

		if (!strncmp(p, "$ORIGIN", 7) && n >= 7)
			snprintf(path, sizeof(path), "%s%.*s/%s", origin, (int)n - 7, p + 7, name);
		else
			snprintf(path, sizeof(path), "%.*s/%s", (int)n, p, name);
		/* The loader skips libraries of another machine or class. */
		if (!dft_elf_open(&e, path)) {
			int ok = e.machine == machine && e.is64 == is64;

			dft_elf_close(&e);
			if (ok)
				return xstrdup(path);
		}
		p += n;
		p += *p == ':';
	}
	return NULL;
}

/* 1 when @e has call sites, 0 when not, -1 when they cannot be read. */
static int elf_has_sites(const struct dft_elf *e)
{
	struct dft_elf_sites s;
	int ret;

	if (dft_elf_sites(e, &s))
		return -1;
	ret = s.n > 0;
	dft_elf_sites_free(&s);
	return ret;
}

int command_has_sites(const char *path, const char **missing)
{
	static char lib[PATH_MAX];
	char *origin = xstrdup(path), *dirs = NULL, *slash;
	const char *env = getenv("LD_LIBRARY_PATH");
	struct dyn d = { 0 };
	struct dft_elf e;
	int ret;

	*missing = NULL;
	if (dft_elf_open(&e, path)) {
		free(origin);
		return -1; /* a script, or not readable: its children may be traced */
	}
	slash = strrchr(origin, '/');
	if (slash)
		*slash = 0;
	ret = elf_has_sites(&e);
	if (ret != 1)
		dft_elf_for_each_dynstr(&e, collect, &d);
	if (!d.runpath && d.rpath)
		list_append(&dirs, d.rpath, ':');
	if (env && *env)
		list_append(&dirs, env, ':');
	if (d.runpath)
		list_append(&dirs, d.runpath, ':');
	conf_dirs("/etc/ld.so.conf", &dirs, 0);
	list_append(&dirs, "/lib:/usr/lib:/lib64:/usr/lib64", ':');
	for (unsigned int i = 0; i < d.nneeded && ret != 1; i++) {
		char *p = strchr(d.needed[i], '/') ? xstrdup(d.needed[i])
						    : find_lib(d.needed[i], dirs, origin, e.machine, e.is64);
		struct dft_elf le;
		int r = -1;

		if (p && !dft_elf_open(&le, p)) {
			r = elf_has_sites(&le);
			dft_elf_close(&le);
		} else if (!*missing) {
			snprintf(lib, sizeof(lib), "%s", d.needed[i]);
			*missing = lib;
		}
		if (r)
			ret = r == 1 || ret == 1 ? 1 : -1;
		free(p);
	}
	for (unsigned int i = 0; i < d.nneeded; i++)
		free(d.needed[i]);
	free(d.needed);
	free(d.rpath);
	free(d.runpath);
	free(dirs);
	free(origin);
	dft_elf_close(&e);
	return ret;
}
