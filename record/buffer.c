// SPDX-License-Identifier: MIT
/*
 * Per-thread event streams (docs/trace-format.md): each thread appends to
 * its own shared mapping of PID.TID.dat, so writing needs no lock and no
 * atomic, and whatever is committed survives a crash of the process. A
 * stream is opened by the thread's first event and grown with ftruncate and
 * mremap when full; when the file cannot grow the events are counted and a
 * LOST event tells the reader where they went missing. Room for that one
 * event is always kept at the end.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "record.h"

enum { STREAM_NONE, STREAM_OPEN, STREAM_CLOSED };

#define STREAM_SIZE0 (256UL << 10)
#define STREAM_STEP_MAX (64UL << 20)
#define LOST_SIZE DFT_EXT_SIZE(sizeof(struct dft_ext_u64))
/* After a failure to grow, how many events are dropped before trying again. */
#define GROW_RETRY 4096

__thread struct dft_stream dft_stream;

static pthread_mutex_t streams_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dft_stream *streams;
static uint64_t closed_events, closed_lost;
static pthread_key_t stream_key;

/*
 * Faults the pages of [from, to) in, writable, with one system call: a
 * fault per page from the tracers' stores would cost far more than the
 * events (tens of microseconds each in some virtual machines). Kernels
 * before 5.14 refuse, and the pages fault in as they are used.
 */
static void mfile_populate(struct dft_mfile *mf, size_t from, size_t to)
{
	madvise(mf->map + from, to - from, MADV_POPULATE_WRITE);
}

int dft_mfile_open(struct dft_mfile *mf, const char *name, size_t size)
{
	void *map;
	int fd;

	fd = openat(dft_rec_dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size)) {
		close(fd);
		return -errno;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	mf->map = map;
	mf->size = size;
	mf->fd = fd;
	mfile_populate(mf, 0, size);
	return 0;
}

int dft_mfile_grow(struct dft_mfile *mf, size_t size)
{
	void *map;

	if (ftruncate(mf->fd, size))
		return -errno;
	map = mremap(mf->map, mf->size, size, MREMAP_MAYMOVE);
	if (map == MAP_FAILED)
		return -errno;
	mf->map = map;
	mfile_populate(mf, mf->size, size);
	mf->size = size;
	return 0;
}

void dft_mfile_close(struct dft_mfile *mf)
{
	if (mf->map)
		munmap(mf->map, mf->size);
	if (mf->map)
		close(mf->fd);
	mf->map = NULL;
}

static void stream_map(struct dft_stream *s)
{
	s->ev = s->mf.map + DFT_STREAM_HDR;
	s->committed = (uint64_t *)(s->mf.map + offsetof(struct dft_stream_hdr, committed));
	s->cap = s->mf.size - DFT_STREAM_HDR - LOST_SIZE;
}

static int stream_open(struct dft_stream *s, uint64_t now)
{
	pid_t tid = dft_gettid();
	char name[64];
	struct dft_stream_hdr *h;

	if (dft_rec_dirfd < 0)
		return -1;
	dft_rec_thread_file(name, sizeof(name), NULL, DFT_FILE_STREAM_SUFFIX);
	if (dft_mfile_open(&s->mf, name, STREAM_SIZE0)) {
		/* Never retried: one warning per thread is enough. */
		pr_warn("cannot create the stream %s: %m\n", name);
		s->state = STREAM_CLOSED;
		return -1;
	}
	h = (struct dft_stream_hdr *)s->mf.map;
	memcpy(h->magic, DFT_STREAM_MAGIC, DFT_MAGIC_LEN);
	h->pid = dft_rec_pid;
	h->tid = tid;
	h->ts0 = now;
	prctl(PR_GET_NAME, h->comm);
	stream_map(s);
	s->pos = 0;
	s->last = now;
	s->state = STREAM_OPEN;
	pthread_setspecific(stream_key, s);
	pthread_mutex_lock(&streams_lock);
	s->next = streams;
	streams = s;
	pthread_mutex_unlock(&streams_lock);
	return 0;
}

static void stream_put_lost(struct dft_stream *s)
{
	uint32_t *p = (uint32_t *)(s->ev + s->pos);

	/* Stamped with the previous event's time: delta 0. */
	p[0] = DFT_EV_EXT;
	dft_ev_put(p, struct dft_ev_ext, kind, DFT_EXT_LOST);
	dft_ev_put(p, struct dft_ev_ext, len, sizeof(struct dft_ext_u64));
	memcpy(p + sizeof(struct dft_ev_ext) / 4, &s->pending, 8);
	s->pending = 0;
	dft_stream_commit(s, LOST_SIZE);
}

/* Makes room for @len bytes; false (and the event is counted lost) when
 * the file cannot grow. */
static int stream_room(struct dft_stream *s, size_t len)
{
	size_t step;

	if (s->pos + len <= s->cap)
		return 1;
	if (s->retry) {
		s->retry--;
		goto lost;
	}
	step = s->mf.size < STREAM_STEP_MAX ? s->mf.size : STREAM_STEP_MAX;
	if (dft_mfile_grow(&s->mf, s->mf.size + step)) {
		s->retry = GROW_RETRY;
		goto lost;
	}
	stream_map(s);
	if (s->pending)
		stream_put_lost(s);
	return 1;
lost:
	s->lost++;
	s->pending++;
	return 0;
}

void *dft_stream_slow(struct dft_stream *s, size_t len, uint64_t now, unsigned int type)
{
	uint32_t *p;

	if (s->state != STREAM_OPEN && (s->state != STREAM_NONE || stream_open(s, now)))
		return NULL;
	if (now - s->last >= DFT_DELTA_MAX) {
		size_t tsize = DFT_EXT_SIZE(sizeof(struct dft_ext_u64));

		if (!stream_room(s, tsize + len))
			return NULL;
		p = (uint32_t *)(s->ev + s->pos);
		p[0] = DFT_EV_EXT;
		dft_ev_put(p, struct dft_ev_ext, kind, DFT_EXT_TIME);
		dft_ev_put(p, struct dft_ev_ext, len, sizeof(struct dft_ext_u64));
		memcpy(p + sizeof(struct dft_ev_ext) / 4, &now, 8);
		dft_stream_commit(s, tsize);
		s->last = now;
	}
	if (!stream_room(s, len))
		return NULL;
	p = (uint32_t *)(s->ev + s->pos);
	p[0] = (uint32_t)(now - s->last) << DFT_EV_TYPE_BITS | type;
	s->last = now;
	return p;
}

void *dft_stream_ext(struct dft_stream *s, unsigned int kind, size_t len, uint64_t now)
{
	uint32_t *p = dft_stream_event(s, dft_ext_size(len), now, DFT_EV_EXT);

	if (!p)
		return NULL;
	dft_ev_put(p, struct dft_ev_ext, kind, kind);
	dft_ev_put(p, struct dft_ev_ext, len, len);
	return p + sizeof(struct dft_ev_ext) / 4;
}

void dft_stream_time(struct dft_stream *s, uint64_t ticks)
{
	uint64_t *p = dft_stream_ext(s, DFT_EXT_TIME, sizeof(struct dft_ext_u64), s->state == STREAM_OPEN ? s->last : ticks);

	if (!p)
		return;
	memcpy(p, &ticks, 8);
	dft_stream_commit(s, dft_ext_size(sizeof(struct dft_ext_u64)));
	s->last = ticks;
}

/* Into the reserve past cap, which events never use: there is room unless
 * an earlier flush took it. */
static void stream_flush_lost(struct dft_stream *s)
{
	if (s->state == STREAM_OPEN && s->pending &&
	    s->pos + LOST_SIZE <= s->mf.size - DFT_STREAM_HDR)
		stream_put_lost(s);
}

/* Thread exit: account the stream and unmap it. Events of later TLS
 * destructors are dropped rather than reopening (and truncating) the file. */
static void stream_close(void *arg)
{
	struct dft_stream *s = arg, **pp;
	int guard = dft_guard_enter();

	stream_flush_lost(s);
	pthread_mutex_lock(&streams_lock);
	for (pp = &streams; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	closed_events += s->events;
	closed_lost += s->lost;
	pthread_mutex_unlock(&streams_lock);
	dft_mfile_close(&s->mf);
	s->state = STREAM_CLOSED;
	dft_guard_exit(guard);
}

/*
 * A thread that renames itself gets a COMM event (the header has the name
 * of its first event). Another thread's stream is not ours to write: such a
 * rename is seen only by a stream opened after it.
 */
DFT_API int pthread_setname_np(pthread_t thread, const char *name)
{
	static int (*next)(pthread_t, const char *);
	struct dft_stream *s = &dft_stream;
	int err, guard;
	size_t len;
	char *p;

	if (!next)
		next = (int (*)(pthread_t, const char *))dlsym(RTLD_NEXT, "pthread_setname_np");
	err = next(thread, name);
	if (err || !pthread_equal(thread, pthread_self()) || s->state != STREAM_OPEN)
		return err;
	guard = dft_guard_enter();
	len = strnlen(name, 15);
	p = dft_stream_ext(s, DFT_EXT_COMM, len, dft_ticks());
	if (p) {
		memcpy(p, name, len);
		dft_stream_commit(s, dft_ext_size(len));
	}
	dft_guard_exit(guard);
	return err;
}

void dft_streams_totals(uint64_t *events, uint64_t *lost)
{
	stream_flush_lost(&dft_stream);
	pthread_mutex_lock(&streams_lock);
	*events = closed_events;
	*lost = closed_lost;
	for (struct dft_stream *s = streams; s; s = s->next) {
		*events += READ_ONCE(s->events);
		*lost += READ_ONCE(s->lost);
	}
	pthread_mutex_unlock(&streams_lock);
}

static void streams_prepare(void)
{
	pthread_mutex_lock(&streams_lock);
}

static void streams_parent(void)
{
	pthread_mutex_unlock(&streams_lock);
}

/* The child must not write into its parent's files: it drops their
 * mappings, and its thread opens PID.TID.dat of its own at its next event. */
static void streams_child(void)
{
	for (struct dft_stream *s = streams; s; s = s->next)
		dft_mfile_close(&s->mf);
	streams = NULL;
	closed_events = closed_lost = 0;
	memset(&dft_stream, 0, sizeof(dft_stream));
	pthread_mutex_init(&streams_lock, NULL);
}

int dft_streams_init(void)
{
	int err = pthread_key_create(&stream_key, stream_close);

	if (err)
		return -err;
	return -pthread_atfork(streams_prepare, streams_parent, streams_child);
}
