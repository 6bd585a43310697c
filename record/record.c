// SPDX-License-Identifier: MIT
/*
 * The recorder's start-up: when `dynftrace record` runs a program it sets
 * DYNFTRACE_DIR (docs/trace-format.md) and this constructor starts the
 * chosen tracer, after the core's own constructor has read the call sites.
 *
 * Functions get dense ids (fids) in order of discovery; the tracers find
 * them from the call-site address through a direct map of the main module
 * (record.h), else an open-addressing hash table that is read without a
 * lock and replaced, never changed in place, when it fills up. sites-PID and maps-PID name what the ids and addresses mean.
 *
 * A fork child starts files of its own (its streams open at its first
 * event); an exec'd program starts over with the same pid, so the files of
 * the image it replaced are removed first.
 */
#include <dirent.h>
#include <stddef.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record.h"
#include "control.h"

int dft_rec_dirfd = -1;
pid_t dft_rec_pid;
struct dft_ops *dft_rec_ops;

static struct dft_fid_ent no_fids[1];
static struct dft_fid_table fids0 = { no_fids, 0 };
struct dft_fid_table *dft_fids = &fids0;
struct dft_fid_map dft_fid_map;

struct rec_func {
	unsigned long func, site;
	char *name;
	unsigned int mod;
};

struct rec_mod {
	unsigned long bias;
	char *path;
	char *line; /* in maps-PID */
};

/* Serialises fid assignment and the process files. */
static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rec_func *funcs;
static uint32_t nr_funcs, cap_funcs;
static struct rec_mod *mods;
static unsigned int nr_mods, cap_mods;
static FILE *maps_file, *sites_file;
/* The process files exist: only once the process has a call site. A
 * process with none (a shell, a tool a build runs) leaves a line in
 * "nosites" at its exit instead. */
static int have_files;
static const struct dft_tracer *tracer;
static const char *graph_funcs, *graph_notrace;
/* A recording is on: its directory and configuration. */
static int recording;
/* This process's recording is writing, or has written, its exit files
 * (rec_finish()). */
enum { FINISH_NONE, FINISH_WRITING, FINISH_WRITTEN };
static int finished;
static char rec_dir[4096];
static const struct dft_rec_conf *rec_conf;

pid_t dft_gettid(void)
{
	return syscall(SYS_gettid);
}

void dft_rec_thread_file(char *buf, size_t len, const char *prefix, const char *suffix)
{
	if (prefix)
		snprintf(buf, len, "%s-%d.%d", prefix, (int)dft_rec_pid, (int)dft_gettid());
	else
		snprintf(buf, len, "%d.%d.%s", (int)dft_rec_pid, (int)dft_gettid(), suffix);
}

static FILE *rec_create(const char *prefix)
{
	char name[64];
	FILE *f;
	int fd;

	snprintf(name, sizeof(name), "%s-%d", prefix, (int)dft_rec_pid);
	fd = openat(dft_rec_dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		pr_err("record: cannot create %s: %m\n", name);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return f;
}

/*
 * Whether a function matches a list of patterns in the syntax of
 * dft_set_filter(): GLOB, lib:MOD or lib:MOD:GLOB.
 */
int dft_rec_match(const char *globs, const char *module, const char *func)
{
	/* The callers ask about one function after another (dft_lock held):
	 * its demangled forms are made once. */
	static char *last, *forms;
	struct dft_pattern pat = { 0 };
	char tok[1024];
	const char *p = globs;

	if (!last || strcmp(last, func)) {
		free(last);
		free(forms);
		last = strdup(func);
		forms = dft_name_forms(func);
	}
	while (p && (p = dft_pattern_next(p, tok, sizeof(tok)))) {
		char *colon = NULL;

		pat.mod = NULL;
		pat.func = tok;
		if (!strncmp(tok, "lib:", 4)) {
			colon = strchr(tok + 4, ':');
			if (colon)
				*colon = 0;
			pat.mod = tok + 4;
			pat.func = colon ? colon + 1 : NULL;
		}
		if (dft_pattern_match(&pat, module, func, forms))
			return 1;
	}
	return 0;
}

/* ---- maps-PID ---- */

static char *maps_line(const char *path, unsigned int id, const struct dl_phdr_info *info)
{
	char *line;
	unsigned long lo = ~0UL, hi = 0;
	char build_id[41] = "-";

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD) {
			if (ph->p_vaddr < lo)
				lo = ph->p_vaddr;
			if (ph->p_vaddr + ph->p_memsz > hi)
				hi = ph->p_vaddr + ph->p_memsz;
		} else if (ph->p_type == PT_NOTE) {
			const unsigned char *p = (const void *)(info->dlpi_addr + ph->p_vaddr);
			const unsigned char *end = p + ph->p_memsz;

			while (p + 12 <= end) {
				const ElfW(Nhdr) *nh = (const void *)p;
				const unsigned char *desc = p + 12 + ((nh->n_namesz + 3) & ~3U);

				if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
				    !memcmp(p + 12, "GNU", 4) && nh->n_descsz <= 20) {
					for (unsigned int j = 0; j < nh->n_descsz; j++)
						sprintf(build_id + 2 * j, "%02x", desc[j]);
				}
				p = desc + ((nh->n_descsz + 3) & ~3U);
			}
		}
	}
	if (lo > hi)
		lo = hi = 0;
	if (asprintf(&line, "%u %lx-%lx %lx %s %s\n", id, info->dlpi_addr + lo,
		     info->dlpi_addr + hi, (unsigned long)info->dlpi_addr, build_id, path) < 0)
		return NULL;
	return line;
}

static int maps_scan_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *path = info->dlpi_name;
	char exe[4096];
	struct rec_mod *m;

	if (!path || !*path) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		exe[n > 0 ? n : 0] = 0;
		path = exe;
	}
	for (unsigned int i = 0; i < nr_mods; i++) {
		if (mods[i].bias == info->dlpi_addr && !strcmp(mods[i].path, path))
			return 0;
	}
	if (nr_mods == cap_mods) {
		cap_mods = cap_mods ? cap_mods * 2 : 32;
		mods = realloc(mods, cap_mods * sizeof(*mods));
	}
	m = &mods[nr_mods];
	m->bias = info->dlpi_addr;
	m->path = strdup(path);
	m->line = maps_line(path, nr_mods, info);
	if (maps_file && m->line)
		fputs(m->line, maps_file);
	nr_mods++;
	return 0;
}

/* Adds the objects loaded since the last scan. */
static void maps_scan(void)
{
	dl_iterate_phdr(maps_scan_one, NULL);
	if (maps_file)
		fflush(maps_file);
}

static unsigned int mod_id(const struct dft_module *dm)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int i = nr_mods; i-- > 0;) {
			if (mods[i].bias == dm->bias)
				return i;
		}
		maps_scan();
	}
	return 0;
}

/* ---- fids and sites-PID ---- */

static void process_files(void);

static void sites_line(uint32_t fid)
{
	const struct rec_func *f = &funcs[fid];
	unsigned long bias = mods[f->mod].bias;

	fprintf(sites_file, "%u %u %lx %lx %s\n", fid, f->mod, f->func - bias, f->site - bias,
		f->name);
}

static void fid_insert(struct dft_fid_table *t, unsigned long site, uint32_t fid, uint32_t flags)
{
	unsigned long i = (site * 0x9E3779B97F4A7C15ul) >> 20;
	struct dft_fid_ent *e;

	while ((e = &t->ent[i & t->mask])->site)
		i++;
	e->fid = fid;
	e->flags = flags;
	/* Readers see the site last, so never a half-written entry. */
	__atomic_store_n(&e->site, site, __ATOMIC_RELEASE);
}

static uint32_t fid_flags(const struct rec_func *f, const char *module)
{
	uint32_t flags = dft_args_assign(f - funcs, module, f->name);

	if (graph_funcs && dft_rec_match(graph_funcs, module, f->name))
		flags |= DFT_FID_GRAPH_FUNC;
	if (graph_notrace && dft_rec_match(graph_notrace, module, f->name))
		flags |= DFT_FID_GRAPH_NOTRACE;
	return flags;
}

/*
 * Gives ids to the sites not seen yet, with dft_lock held. The table is
 * rebuilt when it would be more than half full; the old one stays valid for
 * readers still in it (and is leaked: a few per process).
 */
static void fids_scan(void)
{
	struct dft_fid_table *t = dft_fids, *nt = NULL;
	uint32_t old = nr_funcs;

	dft_for_each_module(m) {
		dft_for_each_site(m, s) {
			const struct dft_fid_ent *e;
			struct rec_func *f;
			unsigned long i;

			if (s->flags & DFT_SITE_FAILED)
				continue;
			for (i = (s->addr * 0x9E3779B97F4A7C15ul) >> 20;; i++) {
				e = &t->ent[i & t->mask];
				if (!e->site || e->site == s->addr)
					break;
			}
			if (e->site == s->addr)
				continue;
			if (nr_funcs == cap_funcs) {
				cap_funcs = cap_funcs ? cap_funcs * 2 : 1024;
				funcs = realloc(funcs, cap_funcs * sizeof(*funcs));
			}
			f = &funcs[nr_funcs];
			f->func = s->func;
			f->site = s->addr;
			f->name = strdup(s->name);
			f->mod = mod_id(m);
			if ((nr_funcs + 1) * 2 > t->mask + 1) {
				unsigned long cap = (t->mask + 1) * 4;

				while (cap < (nr_funcs + 1) * 2UL)
					cap *= 2;
				nt = malloc(sizeof(*nt));
				nt->ent = calloc(cap, sizeof(*nt->ent));
				nt->mask = cap - 1;
				for (unsigned long j = 0; j <= t->mask; j++) {
					if (t->ent[j].site)
						fid_insert(nt, t->ent[j].site, t->ent[j].fid,
							   t->ent[j].flags);
				}
				__atomic_store_n(&dft_fids, nt, __ATOMIC_RELEASE);
				t = nt;
			}
			fid_insert(t, s->addr, nr_funcs, fid_flags(f, m->name));
			nr_funcs++;
		}
	}
	if (sites_file) {
		for (uint32_t fid = old; fid < nr_funcs; fid++)
			sites_line(fid);
		fflush(sites_file);
	} else if (nr_funcs && !have_files && dft_rec_dirfd >= 0) {
		/* The first sites (a library with some was loaded). */
		process_files();
	}
}

/*
 * Libraries were loaded or unloaded (dft_lock held): name the new sites
 * before any of their calls is traced. fork() takes rec_lock before
 * dft_lock, so only try; dft_fid_miss() catches what this missed.
 */
static void rec_modules_changed(void)
{
	if (pthread_mutex_trylock(&rec_lock))
		return;
	fids_scan();
	pthread_mutex_unlock(&rec_lock);
}

/*
 * A site with no id: a library loaded after start-up. In a callback we may
 * not wait for dft_lock (its holder may be waiting for us), so we only try;
 * the event is dropped when we cannot.
 */
int dft_fid_miss(unsigned long site, struct dft_fid *f)
{
	const struct dft_fid_table *t;

	if (pthread_mutex_trylock(&dft_lock))
		return -1;
	/* fork() takes rec_lock before dft_lock: only try this one too. */
	if (pthread_mutex_trylock(&rec_lock)) {
		pthread_mutex_unlock(&dft_lock);
		return -1;
	}
	fids_scan();
	pthread_mutex_unlock(&rec_lock);
	pthread_mutex_unlock(&dft_lock);
	t = dft_fids;
	for (unsigned long i = (site * 0x9E3779B97F4A7C15ul) >> 20;; i++) {
		const struct dft_fid_ent *e = &t->ent[i & t->mask];

		if (e->site == site) {
			f->fid = e->fid;
			f->flags = e->flags;
			return 0;
		}
		if (!e->site)
			return -1;
	}
}

/*
 * The direct map (record.h), for the module with the most sites: a lookup
 * with no hash and no probe, which the assembly fast paths read too.
 * Without memory for it, every lookup takes the hash table.
 */
static void fid_map_build(void)
{
	const struct dft_module *best = NULL;
	unsigned long lo = ~0UL, hi = 0;
	size_t n = 0;
	void *map;

	dft_for_each_module(m) {
		if (m->nr_sites > n) {
			n = m->nr_sites;
			best = m;
		}
	}
	if (!best)
		return;
	dft_for_each_site(best, s) {
		if (s->flags & DFT_SITE_FAILED)
			continue;
		if (s->addr < lo)
			lo = s->addr;
		if (s->addr + 1 > hi)
			hi = s->addr + 1;
	}
	if (lo >= hi)
		return;
	/* One 4-byte word per 4 bytes of text; untouched pages cost nothing. */
	map = mmap(NULL, ((hi - lo) | 3) + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (map == MAP_FAILED)
		return;
	dft_fid_map.ent = map;
	dft_fid_map.lo = lo;
	for (uint32_t fid = 0; fid < nr_funcs; fid++) {
		unsigned long off = funcs[fid].site - lo;
		struct dft_fid f;

		if (off >= hi - lo)
			continue;
		/* Only read by this thread until the tracer starts. */
		if (!dft_fid_lookup(funcs[fid].site, &f) && !f.flags)
			dft_fid_map.ent[off / 4] = f.fid + 1;
	}
	dft_fid_map.size = hi - lo;
	pr_debug("record: %s: function ids from a direct map of %lu bytes", best->name, hi - lo);
}

/* ---- process files ---- */

/* maps-, sites- and clock-PID for this process, from what is known so far. */
static void process_files(void)
{
	have_files = 1;
	if (maps_file)
		fclose(maps_file);
	if (sites_file)
		fclose(sites_file);
	maps_file = rec_create(DFT_FILE_MAPS);
	sites_file = rec_create(DFT_FILE_SITES);
	if (maps_file) {
		for (unsigned int i = 0; i < nr_mods; i++) {
			if (mods[i].line)
				fputs(mods[i].line, maps_file);
		}
		fflush(maps_file);
	}
	if (sites_file) {
		for (uint32_t fid = 0; fid < nr_funcs; fid++)
			sites_line(fid);
		fflush(sites_file);
	}
	dft_rec_write_clock();
}

static int stale_process_file(const char *name)
{
	static const char *const pre[] = { DFT_FILE_EXIT "-", DFT_FILE_MAPS "-", DFT_FILE_SITES "-",
					   DFT_FILE_CLOCK "-" };
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(pre); i++) {
		size_t n = strlen(pre[i]);

		if (!strncmp(name, pre[i], n) && strtol(name + n, &end, 10) == dft_rec_pid && !*end)
			return 1;
	}
	return 0;
}

/* An exec'd image has the pid of the one it replaced: its streams and
 * profiles would be read with our ids. */
static void remove_stale(void)
{
	char pre[32], prof[32];
	int fd = dup(dft_rec_dirfd);
	struct dirent *d;
	DIR *dir;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(pre, sizeof(pre), "%d.", (int)dft_rec_pid);
	snprintf(prof, sizeof(prof), DFT_FILE_PROFILE "-%d.", (int)dft_rec_pid);
	while ((d = readdir(dir))) {
		if (!strncmp(d->d_name, pre, strlen(pre)) ||
		    !strncmp(d->d_name, prof, strlen(prof)) ||
		    stale_process_file(d->d_name))
			unlinkat(dft_rec_dirfd, d->d_name, 0);
	}
	closedir(dir);
}

/*
 * The files a finished trace has: totals, the clock at its precise rate,
 * and exit-PID (DFT_EXIT_DETACHED when record -p stopped, the process runs
 * on). With @sigsafe (from _exit(): in a signal handler, or a fork child
 * where other threads held locks), only what is async-signal-safe: the
 * totals without waiting for their lock (DFT_EXIT_PARTIAL when they could
 * not be had), and no module scan (dl_iterate_phdr takes the loader's
 * lock, the maps file is a FILE): maps-PID then lacks only the modules
 * loaded without dlopen() since the last scan, which name callers with
 * no call site.
 *
 * One writer at a time: _exit() in two threads at once, or in a signal
 * handler that interrupted this (the process ends with one status of the
 * two, which cannot be known here), leaves the files to the first. A
 * second end that comes after the first has written (exit() wrote, then
 * an exit handler registered before ours calls _exit(9)) writes again:
 * the last status is the process's.
 */
static void rec_finish(int status, unsigned int flags, int sigsafe)
{
	int was = __atomic_load_n(&finished, __ATOMIC_ACQUIRE);
	uint64_t events, lost;
	int guard;

	do {
		if (was == FINISH_WRITING)
			return;
	} while (!__atomic_compare_exchange_n(&finished, &was, FINISH_WRITING, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	guard = dft_guard_enter();
	if (!have_files) {
		/* Appended: one line per process, the first end's. */
		if (was == FINISH_NONE)
			dft_rec_write_nosites(status);
		goto out;
	}
	if (tracer->exit)
		tracer->exit();
	if (!sigsafe) {
		dft_streams_totals(&events, &lost);
		pthread_mutex_lock(&rec_lock);
		maps_scan();
		pthread_mutex_unlock(&rec_lock);
	} else if (dft_streams_totals_try(&events, &lost)) {
		flags |= DFT_EXIT_PARTIAL;
	}
	/* clock_gettime() and arithmetic: async-signal-safe. */
	if (!tracer->fixed_clock) {
		dft_clock_recalibrate();
		dft_rec_write_clock();
	}
	/* No message from a signal handler: dft_log() formats with stdio. */
	if (dft_rec_write_exit(status, events, lost, flags) && !sigsafe)
		pr_err("record: cannot write the exit file: the process will be reported as "
		       "crashed");
out:
	__atomic_store_n(&finished, FINISH_WRITTEN, __ATOMIC_RELEASE);
	dft_guard_exit(guard);
}

static void rec_exit(int status, void *arg)
{
	int err = errno;

	if (getpid() != dft_rec_pid || !recording)
		return;
	rec_finish(status, 0, 0);
	/* Handlers registered before ours run after it. */
	errno = err;
}

void dft_rec_exit_sigsafe(int status)
{
	/* Nothing but reads before this test: a vfork() child (or a raw
	 * clone()) runs on its parent's memory. getpid() is a system call. */
	if (!READ_ONCE(recording) || getpid() != dft_rec_pid)
		return;
	rec_finish(status, 0, 1);
}

static void rec_prepare(void)
{
	pthread_mutex_lock(&rec_lock);
}

static void rec_parent(void)
{
	pthread_mutex_unlock(&rec_lock);
}

static void rec_child(void)
{
	pthread_mutex_init(&rec_lock, NULL);
	dft_rec_pid = getpid();
	finished = FINISH_NONE;
	/* -G, --graph-notrace and the argument specs match C++ names too. */
	dft_demangler_find();
	if (have_files)
		process_files();
	if (tracer->fork_child)
		tracer->fork_child();
}

/*
 * The patterns of @globs that can select something: lib:MOD ones (the
 * module may be loaded later) and globs that match a function now. The
 * others are dropped; *@dropped lists them. Returns the kept list
 * (malloc()ed, possibly empty), or NULL without memory.
 */
static char *rec_patterns_kept(const char *globs, char **dropped)
{
	char *kept = calloc(1, strlen(globs) + 2), pat[1024];
	size_t len = 0, dlen = 0;

	*dropped = calloc(1, strlen(globs) + 2);
	if (!kept || !*dropped) {
		free(kept);
		free(*dropped);
		*dropped = NULL;
		return NULL;
	}
	for (const char *p = globs; (p = dft_pattern_next(p, pat, sizeof(pat)));) {
		int keep = !strncmp(pat, "lib:", 4);

		dft_for_each_module(m) {
			dft_for_each_site(m, s) {
				if (keep)
					break;
				keep = dft_rec_match(pat, m->name, s->name);
			}
		}
		if (keep) {
			if (len)
				kept[len++] = ',';
			memcpy(kept + len, pat, strlen(pat));
			len += strlen(pat);
		} else {
			if (dlen)
				(*dropped)[dlen++] = ',';
			memcpy(*dropped + dlen, pat, strlen(pat));
			dlen += strlen(pat);
		}
	}
	return kept;
}

/* The core's warning for each pattern of @dropped (which selects
 * nothing), with the closest names: setting it fails and changes nothing. */
static void rec_warn_dropped(int (*set)(struct dft_ops *, const char *, int), const char *dropped)
{
	char pat[1024];

	for (const char *p = dropped; p && (p = dft_pattern_next(p, pat, sizeof(pat)));)
		set(dft_rec_ops, pat, 0);
}

/*
 * Sets the tracer's filter (-F) and notrace (-N) lists. A pattern that
 * matches nothing is left out; when every -F pattern is, nothing is to be
 * traced: returns -ENOENT. An -N that matches nothing changes nothing.
 * Run by `dynftrace record` (DYNFTRACE_CHECKED=1), which warns once for
 * all processes when the recording ends, each process says nothing of it;
 * otherwise each warns, with the closest names.
 */
static int rec_filters(const char *filter, const char *notrace)
{
	const char *checked = getenv("DYNFTRACE_CHECKED");
	char *f = NULL, *n = NULL, *fdrop = NULL, *ndrop = NULL;
	int ret = 0;

	pthread_mutex_lock(&dft_lock);
	/* C++ patterns match demangled names too. */
	dft_demangler_find();
	if (filter && *filter)
		f = rec_patterns_kept(filter, &fdrop);
	if (notrace && *notrace)
		n = rec_patterns_kept(notrace, &ndrop);
	pthread_mutex_unlock(&dft_lock);
	if (!checked || strcmp(checked, "1")) {
		rec_warn_dropped(dft_set_filter, fdrop);
		rec_warn_dropped(dft_set_notrace, ndrop);
	}
	free(fdrop);
	free(ndrop);
	if ((filter && *filter && !f) || (notrace && *notrace && !n))
		ret = -ENOMEM;
	else if (f && !*f)
		ret = -ENOENT;
	else if ((f && dft_set_filter(dft_rec_ops, f, 1)) || (n && *n && dft_set_notrace(dft_rec_ops, n, 1)))
		ret = -EINVAL;
	free(f);
	free(n);
	return ret;
}

const char *dft_rec_getenv(const char *name)
{
	static const struct {
		const char *env;
		size_t off;
	} keys[] = {
		{ "DYNFTRACE_DIR", offsetof(struct dft_rec_conf, dir) },
		{ "DYNFTRACE_TRACER", offsetof(struct dft_rec_conf, tracer) },
		{ "DYNFTRACE_FILTER", offsetof(struct dft_rec_conf, filter) },
		{ "DYNFTRACE_NOTRACE", offsetof(struct dft_rec_conf, notrace) },
		{ "DYNFTRACE_GRAPH_FUNCS", offsetof(struct dft_rec_conf, graph_funcs) },
		{ "DYNFTRACE_GRAPH_NOTRACE", offsetof(struct dft_rec_conf, graph_notrace) },
		{ "DYNFTRACE_ARGS", offsetof(struct dft_rec_conf, args) },
		{ "DYNFTRACE_RETVAL", offsetof(struct dft_rec_conf, retval) },
		{ "DYNFTRACE_DEPTH", offsetof(struct dft_rec_conf, depth) },
		{ "DYNFTRACE_THRESH", offsetof(struct dft_rec_conf, thresh) },
		{ "DYNFTRACE_RING", offsetof(struct dft_rec_conf, ring) },
		{ "DYNFTRACE_MAX_SIZE", offsetof(struct dft_rec_conf, max_size) },
	};

	if (!rec_conf)
		return getenv(name);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!strcmp(name, keys[i].env))
			return *(const char **)((const char *)rec_conf + keys[i].off);
	}
	return getenv(name);
}

const char *dft_rec_dir(void)
{
	return recording ? rec_dir : NULL;
}

/* Unregisters the tracer's ops: every site it used is a NOP after. */
static int rec_disable(void)
{
	if (tracer == &dft_tracer_function)
		return dft_unregister_ops(dft_rec_ops);
	/* The graph tracers' ops is the one inside their graph ops. */
	return dft_unregister_graph((struct dft_graph_ops *)((char *)dft_rec_ops -
							     offsetof(struct dft_graph_ops, ops)));
}

int dft_rec_start(const struct dft_rec_conf *conf, char *err, size_t errlen)
{
	static int once, profiled;
	const struct dft_tracer *const tracers[] = { &dft_tracer_function, &dft_tracer_graph,
						     &dft_tracer_profile };
	const char *name = conf->tracer && *conf->tracer ? conf->tracer : "function_graph";
	int ret;

	if (recording) {
		snprintf(err, errlen, "already recording into %s: stop that first", rec_dir);
		return -EBUSY;
	}
	tracer = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(tracers); i++) {
		if (!strcmp(tracers[i]->name, name))
			tracer = tracers[i];
	}
	if (!tracer) {
		snprintf(err, errlen, "unknown tracer '%s'", name);
		return -EINVAL;
	}
	/* The profile's per-thread files stay mapped by their threads (the
	 * fast path writes them from assembly): a second one would count
	 * into the first directory. */
	if (tracer == &dft_tracer_profile && profiled) {
		snprintf(err, errlen,
			 "this process was profiled already: one profile recording per process "
			 "(use -t function_graph, or top -p)");
		return -EBUSY;
	}
	if (!dft_initialised) {
		snprintf(err, errlen, "the runtime could not start in this process");
		return -ENODEV;
	}
	dft_rec_dirfd = open(conf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dft_rec_dirfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", conf->dir, strerror(errno));
		return ret;
	}
	snprintf(rec_dir, sizeof(rec_dir), "%s", conf->dir);
	rec_conf = conf;
	dft_rec_pid = getpid();
	graph_funcs = conf->graph_funcs;
	graph_notrace = conf->graph_notrace;
	if (!once) {
		dft_clock_init();
		if (dft_streams_init() || dft_args_init(conf->args, conf->retval)) {
			snprintf(err, errlen, "cannot set up the event streams");
			close(dft_rec_dirfd);
			dft_rec_dirfd = -1;
			return -ENOMEM;
		}
		pthread_atfork(rec_prepare, rec_parent, rec_child);
		on_exit(rec_exit, NULL);
		once = 1;
	}
	/* Each recording's own: a later one may have none, or others. */
	dft_streams_config(conf->ring, conf->max_size);
	remove_stale();
	pthread_mutex_lock(&dft_lock);
	pthread_mutex_lock(&rec_lock);
	maps_scan();
	fids_scan();
	fid_map_build();
	dft_modules_changed = rec_modules_changed;
	dft_ctx_lost = dft_stream_ctx_lost;
	pthread_mutex_unlock(&rec_lock);
	pthread_mutex_unlock(&dft_lock);
	/* A new directory gets every process file (a later recording too). */
	have_files = 0;
	if (nr_funcs)
		process_files();
	finished = FINISH_NONE;
	recording = 1;
	profiled |= tracer == &dft_tracer_profile;
	if (tracer->start()) {
		snprintf(err, errlen, "cannot start the %s tracer", tracer->name);
		return -EINVAL;
	}
	switch (rec_filters(conf->filter, conf->notrace)) {
	case 0:
		break;
	case -ENOENT:
		/* `dynftrace record` says it once, for all processes. */
		pr_info("record: no function matches the filter: nothing is traced");
		return 0;
	default:
		snprintf(err, errlen, "cannot set the filters: nothing is traced");
		return -EINVAL;
	}
	ret = tracer->enable();
	if (ret) {
		snprintf(err, errlen, "cannot start the %s tracer: %s", tracer->name,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

int dft_rec_stop(void)
{
	if (!recording)
		return -ENOENT;
	rec_disable();
	rec_finish(0, DFT_EXIT_DETACHED, 0);
	/* Every stream closed: a later recording opens new ones in its own
	 * directory. */
	dft_streams_stop();
	close(dft_rec_dirfd);
	dft_rec_dirfd = -1;
	recording = 0;
	rec_conf = NULL;
	return 0;
}

/* After the core's constructor (priority 101) has read the sites. */
__attribute__((constructor(200))) static void rec_init(void)
{
	static struct dft_rec_conf env;
	char err[256];

	env.dir = getenv("DYNFTRACE_DIR");
	if (!env.dir || !*env.dir)
		return;
	env.tracer = getenv("DYNFTRACE_TRACER");
	env.filter = getenv("DYNFTRACE_FILTER");
	env.notrace = getenv("DYNFTRACE_NOTRACE");
	env.graph_funcs = getenv("DYNFTRACE_GRAPH_FUNCS");
	env.graph_notrace = getenv("DYNFTRACE_GRAPH_NOTRACE");
	env.args = getenv("DYNFTRACE_ARGS");
	env.retval = getenv("DYNFTRACE_RETVAL");
	env.depth = getenv("DYNFTRACE_DEPTH");
	env.thresh = getenv("DYNFTRACE_THRESH");
	env.ring = getenv("DYNFTRACE_RING");
	env.max_size = getenv("DYNFTRACE_MAX_SIZE");
	if (dft_rec_start(&env, err, sizeof(err)))
		pr_err("record: %s", err);
}
