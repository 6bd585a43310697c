// SPDX-License-Identifier: MIT
/*
 * Loading a trace directory: the info file, each process's maps, sites,
 * clock and exit files, and the mapped event streams. Nothing here trusts
 * the files: a truncated or corrupt one is reported by name and offset and
 * what was valid before the damage is kept.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"

void trace_damage(struct trace *t, const char *file, uint64_t off, const char *what)
{
	warnx("%s/%s: %s at offset %llu (0x%llx); reporting what comes before it", t->dir, file,
	      what, (unsigned long long)off, (unsigned long long)off);
	t->damaged = 1;
}

struct proc *trace_proc(struct trace *t, int pid)
{
	struct proc *p;

	for (unsigned int i = 0; i < t->nprocs; i++) {
		if (t->procs[i]->pid == pid)
			return t->procs[i];
	}
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	/* Until a clock file says otherwise, ticks are nanoseconds. */
	p->clk.tps = 1000000000;
	p->clk.mult = 1;
	t->procs = xrealloc(t->procs, (t->nprocs + 1) * sizeof(*t->procs));
	t->procs[t->nprocs++] = p;
	return p;
}

/* Reads a small text file of the trace whole, NUL-terminated, or NULL. */
static char *slurp(struct trace *t, const char *name, size_t *lenp)
{
	char path[4096];
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	close(fd);
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

/* The value of "key=" in a key=value text (values end at a blank or newline). */
static int kv_u64(const char *text, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);

	for (const char *p = text; (p = strstr(p, key)); p++) {
		if ((p == text || isspace((unsigned char)p[-1])) && p[klen] == '=') {
			*v = strtoull(p + klen + 1, NULL, 0);
			return 0;
		}
	}
	return -1;
}

static void clock_setup(struct tclock *c)
{
	long double ratio;
	unsigned int shift = 62;

	if (!c->tps)
		c->tps = 1000000000;
	ratio = 1e9L / c->tps;
	/* As many fraction bits as keep mult in 64 bits. */
	while (shift && ldexpl(ratio, shift) >= 18446744073709551615.0L)
		shift--;
	c->shift = shift;
	c->mult = (uint64_t)(ldexpl(ratio, shift) + 0.5L);
}

static void load_clock(struct trace *t, struct proc *p, const char *name)
{
	char *text = slurp(t, name, NULL);

	if (!text)
		return;
	if (kv_u64(text, "ticks_per_sec", &p->clk.tps) || !p->clk.tps) {
		trace_damage(t, name, 0, "no ticks_per_sec");
		p->clk.tps = 1000000000;
	}
	kv_u64(text, "mono0", &p->clk.mono0);
	kv_u64(text, "ticks0", &p->clk.ticks0);
	clock_setup(&p->clk);
	free(text);
}

/* The budget of --max-size: when it ran out, if it did. */
static void load_budget(struct trace *t)
{
	char path[4096];
	uint8_t b[sizeof(struct dft_budget)];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, DFT_FILE_BUDGET);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (read(fd, b, sizeof(b)) == sizeof(b)) {
		t->max_size = field64(b, struct dft_budget, limit);
		t->stop_ns = field64(b, struct dft_budget, stop_ns);
	}
	close(fd);
}

static void load_exit(struct trace *t, struct proc *p, const char *name)
{
	char *text = slurp(t, name, NULL);
	uint64_t v;

	if (!text)
		return;
	p->exited = 1;
	if (!kv_u64(text, "status", &v))
		p->status = (int)v;
	kv_u64(text, "lost", &p->lost);
	free(text);
}

/* Splits the next whitespace-separated field off *@s. */
static char *field(char **s)
{
	char *p = *s, *f;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	f = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	*s = p;
	return f;
}

static int parse_u64(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || *end ? -1 : 0;
}

static void load_maps(struct trace *t, struct proc *p, const char *name)
{
	char *text = slurp(t, name, NULL), *line, *next;

	if (!text)
		return;
	for (line = text; line && *line; line = next) {
		uint64_t id, bias;
		char *lo, *hi, *f, *rest;
		struct module *m;

		next = strchr(line, '\n');
		if (!next) {
			/* An unfinished last line: the process died writing it. */
			break;
		}
		*next++ = 0;
		rest = line;
		f = field(&rest);
		lo = field(&rest);
		hi = lo ? strchr(lo, '-') : NULL;
		if (hi)
			*hi++ = 0;
		if (parse_u64(f, 10, &id) || id > 1000000 || !hi) {
			trace_damage(t, name, line - text, "malformed line");
			break;
		}
		if (id >= p->nmods) {
			p->mods = xrealloc(p->mods, (id + 1) * sizeof(*p->mods));
			memset(p->mods + p->nmods, 0, (id + 1 - p->nmods) * sizeof(*p->mods));
			p->nmods = id + 1;
		}
		m = &p->mods[id];
		m->id = id;
		f = field(&rest);
		if (parse_u64(lo, 16, &m->lo) || parse_u64(hi, 16, &m->hi) ||
		    parse_u64(f, 16, &bias)) {
			trace_damage(t, name, line - text, "malformed line");
			break;
		}
		m->bias = bias;
		f = field(&rest);
		free(m->buildid);
		m->buildid = xstrdup(f && strcmp(f, "-") ? f : "");
		while (*rest == ' ')
			rest++;
		free(m->path);
		m->path = xstrdup(rest);
	}
	free(text);
}

static void load_sites(struct trace *t, struct proc *p, const char *name)
{
	char *text = slurp(t, name, NULL), *line, *next;
	uint64_t lines = 0;

	if (!text)
		return;
	/* Function ids are dense from 0, one line each: an id past the
	 * number of lines is damage, and must not size the table. */
	for (line = text; (line = strchr(line, '\n')); line++)
		lines++;
	for (line = text; line && *line; line = next) {
		uint64_t fid, mod, off, site;
		char *rest, *f[4], *fname;

		next = strchr(line, '\n');
		if (!next)
			break;
		*next++ = 0;
		rest = line;
		for (int i = 0; i < 4; i++)
			f[i] = field(&rest);
		fname = field(&rest);
		if (parse_u64(f[0], 10, &fid) || parse_u64(f[1], 10, &mod) ||
		    parse_u64(f[2], 16, &off) || parse_u64(f[3], 16, &site) || !fname ||
		    fid >= lines) {
			trace_damage(t, name, line - text, "malformed line");
			break;
		}
		if (fid >= p->nfuncs) {
			uint32_t n = fid + 1 > p->nfuncs * 2 ? fid + 1 : p->nfuncs * 2;

			p->funcs = xrealloc(p->funcs, n * sizeof(*p->funcs));
			for (uint32_t i = p->nfuncs; i < n; i++)
				p->funcs[i] = (struct func){ .name = UINT32_MAX };
			p->nfuncs = n;
		}
		p->funcs[fid] = (struct func){ .name = name_intern(fname), .mod = mod, .off = off };
	}
	free(text);
}

static int cmp_chunk_seq(const void *a, const void *b)
{
	const struct tchunk *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Adds the chunk whose header is @h at file offset @off, of room @room:
 * 0, or -1 when it is damaged (reported; what it holds before is kept). */
static int add_chunk(struct trace *t, struct thread *th, uint64_t off, const uint8_t *h,
		     uint64_t room)
{
	uint64_t committed = field64(h, struct dft_chunk_hdr, committed);
	uint64_t present = th->size - off - CHUNK_HDR;
	struct tchunk *c;
	int ret = 0;

	if (committed > room || committed % 4) {
		trace_damage(t, th->file, off, "bad chunk header");
		return -1;
	}
	if (committed > present) {
		char what[128];

		snprintf(what, sizeof(what), "truncated: %llu bytes of events committed, %llu present",
			 (unsigned long long)committed, (unsigned long long)present);
		trace_damage(t, th->file, th->size, what);
		committed = present;
		ret = -1;
	}
	th->chunks = xrealloc(th->chunks, (th->nchunks + 1) * sizeof(*th->chunks));
	c = &th->chunks[th->nchunks++];
	c->off = off + CHUNK_HDR;
	c->len = committed;
	c->seq = field64(h, struct dft_chunk_hdr, seq);
	c->ts = field64(h, struct dft_chunk_hdr, ts);
	return ret;
}

/* A ring: its chunks in the order of their sequence numbers. */
static void load_ring(struct trace *t, struct thread *th, int fd, const uint8_t *hdr)
{
	uint32_t n = field32(hdr, struct dft_stream_hdr, ring_chunks);
	uint32_t size = field32(hdr, struct dft_stream_hdr, ring_chunk);
	uint8_t h[CHUNK_HDR];

	th->ring = 1;
	if (n < 2 || size <= CHUNK_HDR || size % 4) {
		trace_damage(t, th->file, offsetof(struct dft_stream_hdr, ring_chunks),
			     "bad ring geometry");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = STREAM_HDR + (uint64_t)i * size;

		if (off + CHUNK_HDR > th->size || pread(fd, h, CHUNK_HDR, off) != CHUNK_HDR)
			break;
		/* 0: not written yet, or being written over when the process died. */
		if (field64(h, struct dft_chunk_hdr, seq))
			add_chunk(t, th, off, h, size - CHUNK_HDR);
	}
	/* A ring with no chunk written has no array: qsort() takes none. */
	if (th->nchunks) {
		qsort(th->chunks, th->nchunks, sizeof(*th->chunks), cmp_chunk_seq);
		th->overwritten = th->chunks[0].seq - 1;
	}
}

/* A linear stream: chunks one after the other, numbered from 1. */
static void load_linear(struct trace *t, struct thread *th, int fd)
{
	uint64_t off = STREAM_HDR;
	uint8_t h[CHUNK_HDR];

	while (off + CHUNK_HDR <= th->size) {
		uint64_t room;

		if (pread(fd, h, CHUNK_HDR, off) != CHUNK_HDR ||
		    !field64(h, struct dft_chunk_hdr, seq))
			break;
		room = field32(h, struct dft_chunk_hdr, size);
		if (field64(h, struct dft_chunk_hdr, seq) != th->nchunks + 1 || room < 16) {
			trace_damage(t, th->file, off, "bad chunk header");
			break;
		}
		if (add_chunk(t, th, off, h, room))
			break;
		off += CHUNK_HDR + room;
	}
}

static void load_stream(struct trace *t, const char *name)
{
	char path[4096];
	uint8_t hdr[STREAM_HDR];
	struct thread *th;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		warnx("%s: %s", path, strerror(errno));
		t->damaged = 1;
		if (fd >= 0)
			close(fd);
		return;
	}
	if ((uint64_t)st.st_size < STREAM_HDR || pread(fd, hdr, STREAM_HDR, 0) != STREAM_HDR) {
		trace_damage(t, name, st.st_size, "truncated header");
		close(fd);
		return;
	}
	if (memcmp(hdr, DFT_STREAM_MAGIC, DFT_MAGIC_LEN) &&
	    memcmp(hdr, DFT_STREAM_MAGIC_V1, DFT_MAGIC_LEN)) {
		trace_damage(t, name, 0, "bad magic (not a dynftrace stream)");
		close(fd);
		return;
	}
	th = xcalloc(1, sizeof(*th));
	th->size = st.st_size;
	th->pid = field32(hdr, struct dft_stream_hdr, pid);
	th->tid = field32(hdr, struct dft_stream_hdr, tid);
	th->ts0 = field64(hdr, struct dft_stream_hdr, ts0);
	memcpy(th->comm, hdr + offsetof(struct dft_stream_hdr, comm),
	       sizeof(((struct dft_stream_hdr *)0)->comm));
	th->file = xstrdup(name);
	th->path = xstrdup(path);
	if (!memcmp(hdr, DFT_STREAM_MAGIC_V1, DFT_MAGIC_LEN)) {
		/* Format 1: one chunk, its count in the file header. */
		struct dft_chunk_hdr h = {
			.committed = field64(hdr, struct dft_stream_hdr_v1, committed),
			.seq = 1,
			.ts = field64(hdr, struct dft_stream_hdr_v1, ts0),
		};

		th->v1 = 1;
		add_chunk(t, th, STREAM_HDR - CHUNK_HDR, (const uint8_t *)&h, UINT64_MAX);
	} else if (field32(hdr, struct dft_stream_hdr, flags) & DFT_STREAM_RING) {
		load_ring(t, th, fd, hdr);
	} else {
		load_linear(t, th, fd);
	}
	close(fd);
	th->proc = trace_proc(t, th->pid);
	t->threads = xrealloc(t->threads, (t->nthreads + 1) * sizeof(*t->threads));
	t->threads[t->nthreads++] = th;
}

int profile_open(struct trace *t, const char *name, struct pfile *pf)
{
	char path[4096];
	struct stat st;
	void *map;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || (uint64_t)st.st_size < PROFILE_HDR) {
		trace_damage(t, name, fd < 0 ? 0 : st.st_size, "unreadable or truncated header");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED || memcmp(map, DFT_PROFILE_MAGIC, DFT_MAGIC_LEN)) {
		trace_damage(t, name, 0, "bad magic (not a dynftrace profile)");
		if (map != MAP_FAILED)
			munmap(map, st.st_size);
		return -1;
	}
	pf->map = map;
	pf->size = st.st_size;
	pf->pid = field32(pf->map, struct dft_profile_hdr, pid);
	pf->tid = field32(pf->map, struct dft_profile_hdr, tid);
	pf->nr = field32(pf->map, struct dft_profile_hdr, nr);
	if ((uint64_t)pf->nr * PROFILE_REC > (uint64_t)st.st_size - PROFILE_HDR) {
		trace_damage(t, name, st.st_size, "truncated: fewer records than the header says");
		pf->nr = (st.st_size - PROFILE_HDR) / PROFILE_REC;
	}
	return 0;
}

void profile_close(struct pfile *pf)
{
	munmap((void *)pf->map, pf->size);
}

static void tmap_drop(struct tmap *m)
{
	if (m->map && m->read)
		free((void *)m->map);
	else if (m->map)
		munmap((void *)m->map, m->len);
	m->map = NULL;
}

void thread_unmap(struct thread *th)
{
	for (int i = 0; i < TMAPS; i++)
		tmap_drop(&th->maps[i]);
}

/*
 * The events of chunk @i of @th. Only a few chunks of a stream are held at
 * a time, so a 32-bit reader reads traces of any size. Chunks (4 MiB at
 * most) are read into memory: qemu-user 7.2 maps the wrong bytes for file
 * offsets past 4 GiB on 32-bit targets. The one chunk of a format-1 stream
 * (the whole file) is mapped.
 */
static const uint8_t *chunk_map(struct thread *th, uint32_t i)
{
	const struct tchunk *c = &th->chunks[i];
	struct tmap *m = &th->maps[0];
	uint64_t lo = th->v1 ? c->off & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1) : c->off;
	uint8_t *buf;
	void *map;
	int fd;

	for (int k = 0; k < TMAPS; k++) {
		if (th->maps[k].map && th->maps[k].chunk == i) {
			th->maps[k].used = ++th->uses;
			return th->maps[k].map + (c->off - lo);
		}
	}
	for (int k = 1; k < TMAPS; k++) {
		if (th->maps[k].used < m->used)
			m = &th->maps[k];
	}
	tmap_drop(m);
	fd = open(th->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", th->path, strerror(errno));
	m->len = c->off + c->len - lo;
	if (!th->v1) {
		buf = xmalloc(m->len ? m->len : 1);
		if (pread(fd, buf, m->len, lo) != (ssize_t)m->len)
			die("cannot read %s (%llu bytes at %llu): %s", th->path,
			    (unsigned long long)m->len, (unsigned long long)lo,
			    errno ? strerror(errno) : "the file was cut");
		map = buf;
	} else {
		map = mmap(NULL, m->len ? m->len : 1, PROT_READ, MAP_SHARED, fd, lo);
		if (map == MAP_FAILED)
			die("cannot map %s (%llu bytes at %llu): %s", th->path,
			    (unsigned long long)m->len, (unsigned long long)lo, strerror(errno));
		madvise(map, m->len, MADV_SEQUENTIAL);
	}
	close(fd);
	m->read = !th->v1;
	m->map = map;
	m->chunk = i;
	m->used = ++th->uses;
	return m->map + (c->off - lo);
}

static void cursor_chunk(struct cursor *c, uint32_t i)
{
	const struct tchunk *k = &c->th->chunks[i];

	c->chunk = i;
	c->start = chunk_map(c->th, i);
	c->start_off = k->off;
	c->p = c->start;
	c->end = c->start + k->len;
	c->ticks = k->ts;
}

int cursor_advance(struct cursor *c)
{
	while (c->chunk + 1 < c->th->nchunks) {
		cursor_chunk(c, c->chunk + 1);
		if (c->end > c->p)
			return 1;
	}
	return 0;
}

void cursor_reseat(struct cursor *c)
{
	size_t p = c->p - c->start, end = c->end - c->start;

	if (!c->th || !c->th->nchunks)
		return;
	c->start = chunk_map(c->th, c->chunk);
	c->p = c->start + p;
	c->end = c->start + end;
}

void cursor_init(struct cursor *c, struct thread *th)
{
	memset(c, 0, sizeof(*c));
	c->th = th;
	c->ticks = th->ts0;
	if (th->nchunks)
		cursor_chunk(c, 0);
}

char *info_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;

			return strndup(v, strcspn(v, "\n"));
		}
	}
	return NULL;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct thread *x = *(struct thread *const *)a, *y = *(struct thread *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a, *y = *(struct proc *const *)b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void trace_check_globs(struct trace *t, char **globs, unsigned int n, const char *what)
{
	uint32_t *ids = NULL;
	size_t nids = 0;

	for (unsigned int i = 0; i < n; i++) {
		const char *g = globs[i];
		size_t k;

		/* lib:MOD selects modules, which the sites files do not name:
		 * only the GLOB of lib:MOD:GLOB can be checked. */
		if (!strncmp(g, "lib:", 4)) {
			g = strchr(g + 4, ':');
			if (!g)
				continue;
			g++;
		}

		if (!ids) {
			for (unsigned int p = 0; p < t->nprocs; p++) {
				const struct proc *pr = t->procs[p];

				for (uint32_t f = 0; f < pr->nfuncs; f++) {
					if (pr->funcs[f].name == UINT32_MAX)
						continue;
					ids = xrealloc(ids, (nids + 1) * sizeof(*ids));
					ids[nids++] = pr->funcs[f].name;
				}
			}
		}
		for (k = 0; k < nids && !name_match(ids[k], g); k++)
			;
		if (k == nids)
			warn_close_names(what, g, ids, nids);
	}
	free(ids);
}

void trace_open(struct trace *t, const char *dir, int quiet)
{
	struct dirent *de;
	char *info, **names = NULL;
	unsigned int nnames = 0;
	char *snap;
	DIR *d;

	memset(t, 0, sizeof(*t));
	t->dir = xstrdup(dir);
	d = opendir(dir);
	if (!d)
		die("cannot open trace %s: %s (record one with `dynftrace record -o %s -- CMD`)",
		    dir, strerror(errno), dir);
	info = slurp(t, DFT_FILE_INFO, NULL);
	if (!info) {
		closedir(d);
		die("%s is no trace directory: it has no info file", dir);
	}
	t->tracer = info_value(info, "tracer");
	t->argv = info_value(info, "argv");
	t->options = info_value(info, "options");
	t->info = info;
	if (!t->tracer) {
		closedir(d);
		die("%s/info names no tracer: the trace directory is damaged", dir);
	}

	/* Sorted, so that processes load in a stable order. */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (nnames + 1) * sizeof(*names));
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), cmp_str);

	for (unsigned int i = 0; i < nnames; i++) {
		const char *n = names[i];
		int pid, tid, len = 0;

		if (sscanf(n, DFT_FILE_MAPS "-%d%n", &pid, &len) == 1 && !n[len])
			load_maps(t, trace_proc(t, pid), n);
		else if (sscanf(n, DFT_FILE_SITES "-%d%n", &pid, &len) == 1 && !n[len])
			load_sites(t, trace_proc(t, pid), n);
		else if (sscanf(n, DFT_FILE_CLOCK "-%d%n", &pid, &len) == 1 && !n[len])
			load_clock(t, trace_proc(t, pid), n);
		else if (sscanf(n, DFT_FILE_EXIT "-%d%n", &pid, &len) == 1 && !n[len])
			load_exit(t, trace_proc(t, pid), n);
		else if (sscanf(n, "%d.%d." DFT_FILE_STREAM_SUFFIX "%n", &pid, &tid, &len) == 2 && !n[len])
			load_stream(t, n);
		else if (sscanf(n, DFT_FILE_PROFILE "-%d.%d%n", &pid, &tid, &len) == 2 && !n[len]) {
			t->profiles = xrealloc(t->profiles, (t->nprofiles + 1) * sizeof(char *));
			t->profiles[t->nprofiles++] = xstrdup(n);
			trace_proc(t, pid);
		}
		free(names[i]);
	}
	free(names);
	if (t->nthreads)
		qsort(t->threads, t->nthreads, sizeof(*t->threads), cmp_thread);
	if (t->nprocs)
		qsort(t->procs, t->nprocs, sizeof(*t->procs), cmp_proc);

	/* Chrome's zero: when the first runtime started its clock, which is
	 * before any event (threshold traces write calls as they end, so a
	 * stream's first event need not be its earliest). */
	t->t0 = UINT64_MAX;
	for (unsigned int i = 0; i < t->nthreads; i++) {
		struct thread *th = t->threads[i];
		uint64_t ns = clock_ns(&th->proc->clk, th->ts0);

		if (th->proc->clk.mono0 && th->proc->clk.mono0 < ns)
			ns = th->proc->clk.mono0;
		if (ns < t->t0)
			t->t0 = ns;
		if (th->tid == th->pid || !th->proc->comm)
			th->proc->comm = th->comm;
	}
	if (t->t0 == UINT64_MAX)
		t->t0 = 0;
	load_budget(t);
	info = slurp(t, DFT_FILE_NOSITES, NULL);
	for (char *l = info; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		t->nosites += !!*l;
	free(info);
	snap = info_value(t->info, "snapshot");
	t->snapshot = snap != NULL;
	free(snap);
	if (t->stop_ns && !quiet) {
		char size[32];

		human_bytes(t->max_size, size, sizeof(size));
		warnx("note: the recording stopped when it reached --max-size %s, %.6f s after it "
		      "started: each thread's trace ends at its LOST mark",
		      size, t->stop_ns > t->t0 ? (t->stop_ns - t->t0) / 1e9 : 0.0);
	}
	for (unsigned int i = 0; i < t->nprocs; i++) {
		struct proc *p = t->procs[i];

		if (!p->exited && !quiet && t->snapshot)
			warnx("note: process %d was running when this snapshot was taken (dynftrace "
			      "ctl snapshot): the calls it was in then have no end",
			      p->pid);
		else if (!p->exited && !quiet)
			warnx("note: process %d did not exit normally (crashed or killed): "
			      "reporting what it recorded",
			      p->pid);
	}
}

void trace_close(struct trace *t)
{
	for (unsigned int i = 0; i < t->nprocs; i++) {
		struct proc *p = t->procs[i];

		for (unsigned int m = 0; m < p->nmods; m++) {
			free(p->mods[m].buildid);
			free(p->mods[m].path);
			symtab_free(p->mods[m].syms);
		}
		free(p->mods);
		free(p->funcs);
		free(p->fflags);
		free(p);
	}
	for (unsigned int i = 0; i < t->nthreads; i++) {
		struct thread *th = t->threads[i];

		thread_unmap(th);
		free(th->file);
		free(th->path);
		free(th->chunks);
		free(th);
	}
	for (unsigned int i = 0; i < t->nprofiles; i++)
		free(t->profiles[i]);
	free(t->profiles);
	free(t->procs);
	free(t->threads);
	free(t->dir);
	free(t->tracer);
	free(t->argv);
	free(t->options);
	free(t->info);
	memset(t, 0, sizeof(*t));
}

/* Cuts the streams of processes that are gone to what they hold:
 * a thread that ended cut its own, but not the main thread at exit, nor
 * threads of a process that was killed. Those of live processes are still
 * being written. */
void trace_trim(struct trace *t)
{
	for (unsigned int i = 0; i < t->nthreads; i++) {
		struct thread *th = t->threads[i];
		const struct tchunk *c = th->nchunks ? &th->chunks[th->nchunks - 1] : NULL;

		/* A ring that wrapped has no unused tail. */
		if (!c || (th->ring && th->overwritten) || !kill(th->pid, 0) || errno == EPERM)
			continue;
		if (c->off + c->len < th->size && !truncate(th->path, c->off + c->len))
			th->size = c->off + c->len;
	}
}

