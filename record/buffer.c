// SPDX-License-Identifier: MIT
/*
 * Per-thread event streams (docs/trace-format.md): each thread appends to
 * its own file, PID.TID.dat, through a shared mapping, so writing needs no
 * lock and no atomic, and whatever is committed survives a crash of the
 * process.
 *
 * A stream is a chain of chunks, and only the chunk being written is mapped:
 * a window that moves forward, on the slow path, when the chunk is full.
 * Chunks double from a small first one (short threads stay small on disk)
 * up to CHUNK_MAX, so the window move costs nothing per event, a thread's
 * address space does not grow with its trace, and a stream can grow as far
 * as the disk on a 32-bit target. A thread's file is cut to what it used
 * when the thread ends (dynftrace record cuts those of processes that died).
 *
 * With DYNFTRACE_RING (record --ring) a stream is a fixed ring of chunks
 * instead, mapped whole: the writer overwrites the oldest chunk, and each
 * chunk begins with the frames open at its start (function_graph), so that
 * a reader that starts there knows what the first exits close.
 *
 * When a chunk cannot be had (the disk is full, the file size limit, or
 * --max-size reached over the whole recording) the events are counted, and
 * a LOST event at the end of the chunk, updated in place, says how many
 * went missing there. Room for it is always kept.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"

/* STOPPED: --max-size was reached; events are only counted. */
enum { STREAM_NONE, STREAM_OPEN, STREAM_CLOSED, STREAM_STOPPED };

/* The first window (file header and first chunk) and the largest chunk. */
#define CHUNK_FIRST (16UL << 10)
#define CHUNK_MAX (4UL << 20)
/* A ring has RING_CHUNKS chunks of RING_CHUNK_MIN to CHUNK_MAX bytes: the
 * oldest chunk is overwritten whole, so a ring keeps at least 7/8 of its
 * size of the newest events. */
#define RING_CHUNKS 8
#define RING_CHUNK_MIN (16UL << 10)
#define LOST_SIZE DFT_EXT_SIZE(sizeof(struct dft_ext_u64))
/* After a failure to move on, how many events are dropped before trying again. */
#define GROW_RETRY 4096

__thread struct dft_stream dft_stream;
int dft_stream_stacks;
int dft_stream_ring;

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

	fd = dft_rec_openat(dft_rec_dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size)) {
		dft_rec_close(fd);
		return -errno;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		dft_rec_close(fd);
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
		dft_rec_close(mf->fd);
	mf->map = NULL;
}

/* ---- --max-size: one budget for every stream of the recording ---- */

/* The budget file of the trace directory, shared by every process. */
static struct dft_budget *budget;

static void budget_init(const char *limit)
{
	int fd;
	void *map;
	struct stat st;

	if (!limit || !*limit)
		return;
	fd = dft_rec_openat(dft_rec_dirfd, DFT_FILE_BUDGET, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) ||
	    ((size_t)st.st_size < sizeof(*budget) && ftruncate(fd, sizeof(*budget)))) {
		pr_err("record: cannot create the budget file for --max-size: %m\n");
		if (fd >= 0)
			dft_rec_close(fd);
		return;
	}
	map = mmap(NULL, sizeof(*budget), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	dft_rec_close(fd);
	if (map == MAP_FAILED) {
		pr_err("record: cannot map the budget file: %m\n");
		return;
	}
	budget = map;
	__atomic_store_n(&budget->limit, strtoull(limit, NULL, 0), __ATOMIC_RELAXED);
}

/* Takes @want bytes of the budget, or what is left of it if that is at
 * least @min; 0 when it is spent (the recording stops). */
static size_t budget_take(size_t want, size_t min)
{
	uint64_t old, left;

	if (!budget)
		return want;
	old = __atomic_fetch_add(&budget->used, want, __ATOMIC_RELAXED);
	left = budget->limit > old ? budget->limit - old : 0;
	if (left >= want)
		return want;
	left &= ~(uint64_t)(min - 1);
	if (left >= min)
		return left;
	if (!__atomic_load_n(&budget->stop_ns, __ATOMIC_RELAXED)) {
		uint64_t zero = 0;

		__atomic_compare_exchange_n(&budget->stop_ns, &zero, dft_mono_ns(), 0,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	return 0;
}

/* ---- chunks ---- */

static size_t page_size, chunk_first;
static size_t ring_chunk;	   /* bytes of a ring chunk, header included; 0: linear */
static unsigned int ring_chunks; /* chunks in a ring */

static inline unsigned char *chunk_at(struct dft_stream *s, uint64_t off)
{
	return s->map + (off - s->map_off);
}

/* Makes @off (in the window) the current chunk, of @size bytes of events,
 * number s->seq. A ring chunk being reused is invalid (seq 0) until its
 * header is whole again: a reader never takes old events for new ones. */
static void chunk_start(struct dft_stream *s, uint64_t off, size_t size, uint64_t now)
{
	unsigned char *c = chunk_at(s, off);
	struct dft_chunk_hdr *h = (struct dft_chunk_hdr *)c;

	__atomic_store_n(&h->seq, 0, __ATOMIC_RELAXED);
	/* Seen before any new byte of the chunk: `ctl snapshot` copies a
	 * chunk while we write and keeps it only if seq did not change. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->committed = 0;
	h->ts = now;
	h->size = size;
	h->reserved = 0;
	__atomic_store_n(&h->seq, s->seq, __ATOMIC_RELEASE);
	s->chunk_off = off;
	s->ev = c + DFT_CHUNK_HDR;
	s->committed = &h->committed;
	s->pos = 0;
	s->cap = size - LOST_SIZE;
	s->last = now;
	s->lostp = NULL;
}

/* The frames open at the start of a ring chunk: a STACK event, or none
 * when they do not fit (the reader then ignores exits it cannot match). */
static void chunk_put_stack(struct dft_stream *s)
{
	unsigned int n = 0, depth = s->stk_depth;
	size_t len;
	uint32_t *p;
	unsigned char *q;

	if (depth > DFT_STACK_MAX)
		return;
	for (unsigned int i = 0; i < depth; i++)
		n += s->stk[i].fid != DFT_STACK_NONE;
	len = sizeof(struct dft_ext_stack) + sizeof(struct dft_stack_frame) * (size_t)n;
	if (!n || len > 0xffff || dft_ext_size(len) > s->cap / 4)
		return;
	p = (uint32_t *)(s->ev + s->pos);
	p[0] = DFT_EV_EXT;
	dft_ev_put(p, struct dft_ev_ext, kind, DFT_EXT_STACK);
	dft_ev_put(p, struct dft_ev_ext, len, len);
	q = (unsigned char *)p + sizeof(struct dft_ev_ext);
	dft_ev_put(q, struct dft_ext_stack, n, n);
	q += sizeof(struct dft_ext_stack);
	for (unsigned int i = 0; i < depth; i++) {
		if (s->stk[i].fid == DFT_STACK_NONE)
			continue;
		dft_ev_put(q, struct dft_stack_frame, fid, s->stk[i].fid);
		dft_ev_put(q, struct dft_stack_frame, ticks_lo, (uint32_t)s->stk[i].ticks);
		dft_ev_put(q, struct dft_stack_frame, ticks_hi, (uint32_t)(s->stk[i].ticks >> 32));
		q += sizeof(struct dft_stack_frame);
	}
	dft_stream_commit(s, dft_ext_size(len));
}

/* Reserves [off, off + len) of the file: blocks now, so that a full disk
 * is an error here and not a SIGBUS in a store to the mapping later. */
static int file_reserve(int fd, uint64_t off, uint64_t len)
{
	int err = posix_fallocate(fd, off, len);

	if (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL)
		return ftruncate(fd, off + len) ? -errno : 0;
	return -err;
}

/* The next chunk of a linear stream, in a new window after the current
 * one: twice as large, up to CHUNK_MAX. */
static int stream_next_linear(struct dft_stream *s, uint64_t now)
{
	uint64_t off = s->map_off + s->map_len;
	size_t len = s->map_len * 2 < CHUNK_MAX ? s->map_len * 2 : CHUNK_MAX;
	void *map;

	len = budget_take(len, page_size);
	if (!len)
		return -ENOSPC;
	if (file_reserve(s->fd, off, len))
		return -ENOSPC;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, off);
	if (map == MAP_FAILED)
		return -errno;
	madvise(map, len, MADV_POPULATE_WRITE);
	munmap(s->map, s->map_len);
	s->map = map;
	s->map_off = off;
	s->map_len = len;
	s->seq++;
	chunk_start(s, off, len - DFT_CHUNK_HDR, now);
	return 0;
}

/* The next chunk of a ring: the oldest one. A chunk's blocks are taken
 * when it is first used (a short thread's ring stays small on disk); when
 * the disk has none left, the ring wraps early, over the chunks it has. */
static int stream_next_ring(struct dft_stream *s, uint64_t now)
{
	uint64_t off = DFT_STREAM_HDR + (s->seq % s->ring_n) * ring_chunk;

	if (s->seq < s->ring_n) {
		if (file_reserve(s->fd, off, ring_chunk)) {
			if (!s->seq)
				return -ENOSPC;
			s->ring_n = s->seq;
			off = DFT_STREAM_HDR + (s->seq % s->ring_n) * ring_chunk;
		} else {
			madvise(chunk_at(s, off & ~(uint64_t)(page_size - 1)), ring_chunk,
				MADV_POPULATE_WRITE);
		}
	}
	s->seq++;
	chunk_start(s, off, ring_chunk - DFT_CHUNK_HDR, now);
	if (s->stk)
		chunk_put_stack(s);
	return 0;
}

static void *stream_lost(struct dft_stream *s);

/* In the list dft_streams_totals() counts, closed at the thread's end. */
static void stream_register(struct dft_stream *s)
{
	pthread_setspecific(stream_key, s);
	pthread_mutex_lock(&streams_lock);
	s->next = streams;
	streams = s;
	pthread_mutex_unlock(&streams_lock);
}

static int stream_open(struct dft_stream *s, uint64_t now)
{
	pid_t tid = dft_gettid();
	char name[64];
	struct dft_stream_hdr *h;
	size_t len;
	void *map;
	int fd, err;

	if (dft_rec_dirfd < 0)
		return -1;
	s->state = STREAM_CLOSED; /* unless all goes well; never retried */
	dft_rec_thread_file(name, sizeof(name), NULL, DFT_FILE_STREAM_SUFFIX);
	len = ring_chunk ? DFT_STREAM_HDR + (size_t)ring_chunks * ring_chunk : chunk_first;
	if (budget_take(len, len) != len) {
		/* --max-size was reached before this thread's first event. */
		s->state = STREAM_STOPPED;
		stream_register(s);
		stream_lost(s);
		return -1;
	}
	fd = dft_rec_openat(dft_rec_dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	/* A ring's blocks are taken as it fills: its file starts sparse. */
	err = -file_reserve(fd, 0, ring_chunk ? DFT_STREAM_HDR : len);
	if (!err && ring_chunk && ftruncate(fd, len))
		err = errno;
	if (err)
		goto fail;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = errno;
		goto fail;
	}
	s->fd = fd;
	s->map = map;
	s->map_len = len;
	s->map_off = 0;
	h = map;
	memcpy(h->magic, DFT_STREAM_MAGIC, DFT_MAGIC_LEN);
	h->pid = dft_rec_pid;
	h->tid = tid;
	h->flags = ring_chunk ? DFT_STREAM_RING : 0;
	h->ts0 = now;
	prctl(PR_GET_NAME, h->comm);
	if (ring_chunk) {
		h->ring_chunks = ring_chunks;
		h->ring_chunk = ring_chunk;
		if (dft_stream_stacks && !s->stk) {
			map = mmap(NULL, DFT_STACK_MAX * sizeof(*s->stk), PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (map != MAP_FAILED) {
				s->stk = map;
				/* Frames hooked before the stream opened wrote no
				 * ENTRY: they stay out of the STACK events. */
				memset(s->stk, 0xff, DFT_STACK_MAX * sizeof(*s->stk));
			}
		}
		s->seq = 0;
		s->ring_n = ring_chunks;
		if (stream_next_ring(s, now)) {
			munmap(s->map, len);
			s->map = NULL;
			err = ENOSPC;
			goto fail;
		}
	} else {
		madvise(map, len, MADV_POPULATE_WRITE);
		s->seq = 1;
		chunk_start(s, DFT_STREAM_HDR, len - DFT_STREAM_HDR - DFT_CHUNK_HDR, now);
	}
	s->state = STREAM_OPEN;
	stream_register(s);
	return 0;
fail:
	/* One warning per thread is enough. */
	pr_warn("cannot create the stream %s: %s\n", name, strerror(err));
	if (fd >= 0)
		dft_rec_close(fd);
	return -1;
}

/* The event is dropped: counted, in the LOST event at the end of the chunk
 * (written in the room kept for it, then counted up in place). */
static void *stream_lost(struct dft_stream *s)
{
	uint64_t n;

	s->lost++;
	if (!s->ev)
		return NULL;
	if (s->lostp) {
		memcpy(&n, s->lostp, 8);
		n++;
		memcpy(s->lostp, &n, 8);
	} else {
		uint32_t *p = (uint32_t *)(s->ev + s->pos);

		/* Stamped with the previous event's time: delta 0. */
		n = 1;
		p[0] = DFT_EV_EXT;
		dft_ev_put(p, struct dft_ev_ext, kind, DFT_EXT_LOST);
		dft_ev_put(p, struct dft_ev_ext, len, sizeof(struct dft_ext_u64));
		s->lostp = (uint64_t *)(p + sizeof(struct dft_ev_ext) / 4);
		memcpy(s->lostp, &n, 8);
		dft_stream_commit(s, LOST_SIZE);
		s->events--; /* a mark, not an event */
		s->cap = 0; /* every event takes the slow path from now on */
	}
	return NULL;
}

/* Moves to the next chunk; false (the event is lost) when there is none. */
static int stream_room(struct dft_stream *s, size_t len, uint64_t now)
{
	int err;

	if (s->pos + len <= s->cap)
		return 1;
	if (s->state == STREAM_STOPPED)
		return 0;
	if (s->retry) {
		s->retry--;
		return 0;
	}
	if (ring_chunk) {
		stream_next_ring(s, now);
	} else if ((err = stream_next_linear(s, now))) {
		if (budget && budget->stop_ns)
			s->state = STREAM_STOPPED;
		s->retry = GROW_RETRY;
		return 0;
	}
	return s->pos + len <= s->cap;
}

static void *stream_slow(struct dft_stream *s, size_t len, uint64_t now, unsigned int type)
{
	uint32_t *p;

	if (s->state == STREAM_NONE) {
		if (stream_open(s, now))
			return NULL;
	} else if (s->state == STREAM_CLOSED || !s->ev) {
		if (s->state == STREAM_STOPPED)
			s->lost++;
		return NULL;
	}
	if (now - s->last >= DFT_DELTA_MAX) {
		size_t tsize = DFT_EXT_SIZE(sizeof(struct dft_ext_u64));

		if (!stream_room(s, tsize + len, now))
			return stream_lost(s);
		/* A new chunk starts at now: no TIME needed. */
		if (now - s->last >= DFT_DELTA_MAX) {
			p = (uint32_t *)(s->ev + s->pos);
			p[0] = DFT_EV_EXT;
			dft_ev_put(p, struct dft_ev_ext, kind, DFT_EXT_TIME);
			dft_ev_put(p, struct dft_ev_ext, len, sizeof(struct dft_ext_u64));
			memcpy(p + sizeof(struct dft_ev_ext) / 4, &now, 8);
			dft_stream_commit(s, tsize);
			s->events--;
			s->last = now;
		}
	}
	if (!stream_room(s, len, now))
		return stream_lost(s);
	p = (uint32_t *)(s->ev + s->pos);
	p[0] = (uint32_t)(now - s->last) << DFT_EV_TYPE_BITS | type;
	s->last = now;
	return p;
}

/* The program's errno is its own: the system calls here must not change it. */
void *dft_stream_slow(struct dft_stream *s, size_t len, uint64_t now, unsigned int type)
{
	int saved = errno;
	void *p = stream_slow(s, len, now, type);

	errno = saved;
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

void dft_stream_ctx_lost(struct dft_ops *ops)
{
	if (ops == dft_rec_ops)
		__atomic_fetch_add(&dft_stream.ctx_lost, 1, __ATOMIC_RELAXED);
}

void dft_stream_time(struct dft_stream *s, uint64_t ticks)
{
	uint64_t *p = dft_stream_ext(s, DFT_EXT_TIME, sizeof(struct dft_ext_u64),
				     s->state == STREAM_OPEN ? s->last : ticks);

	if (!p)
		return;
	memcpy(p, &ticks, 8);
	dft_stream_commit(s, dft_ext_size(sizeof(struct dft_ext_u64)));
	s->last = ticks;
}

/* The bytes of the file in use: the rest is cut off when the thread ends. */
static uint64_t stream_used(const struct dft_stream *s)
{
	if (ring_chunk && s->seq > s->ring_n)
		return DFT_STREAM_HDR + (uint64_t)s->ring_n * ring_chunk;
	return s->chunk_off + DFT_CHUNK_HDR + s->pos;
}

/* Thread exit: account the stream, unmap it and cut its file to what it
 * used. Events of later TLS destructors are dropped rather than reopening
 * (and truncating) the file. */
static void stream_close(void *arg)
{
	struct dft_stream *s = arg, **pp;
	int guard = dft_guard_enter();

	pthread_mutex_lock(&streams_lock);
	for (pp = &streams; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	closed_events += s->events;
	closed_lost += s->lost + READ_ONCE(s->ctx_lost);
	pthread_mutex_unlock(&streams_lock);
	if (s->map) {
		munmap(s->map, s->map_len);
		if (ftruncate(s->fd, stream_used(s)))
			pr_debug("cannot cut a stream to its size: %m\n");
		dft_rec_close(s->fd);
	}
	if (s->stk)
		munmap(s->stk, DFT_STACK_MAX * sizeof(*s->stk));
	s->stk = NULL;
	s->map = NULL;
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

/* With streams_lock held. */
static void streams_sum(uint64_t *events, uint64_t *lost)
{
	*events = closed_events;
	*lost = closed_lost;
	for (struct dft_stream *s = streams; s; s = s->next) {
		*events += READ_ONCE(s->events);
		*lost += READ_ONCE(s->lost) + READ_ONCE(s->ctx_lost);
	}
}

void dft_streams_totals(uint64_t *events, uint64_t *lost)
{
	pthread_mutex_lock(&streams_lock);
	streams_sum(events, lost);
	pthread_mutex_unlock(&streams_lock);
}

/*
 * The same from _exit() (exit.c): in a signal handler, maybe one that
 * interrupted this very thread inside streams_lock, or while another
 * thread holds it for a moment. Never waits for the lock for long: when
 * it cannot be had, returns 1 with what is known without it (the closed
 * streams and the calling thread's), a lower bound; the other threads'
 * streams cannot be walked without it, as an exiting thread frees its own.
 * Async-signal-safe in practice: POSIX does not list pthread_mutex_trylock,
 * but glibc's is one atomic exchange that never blocks.
 */
int dft_streams_totals_try(uint64_t *events, uint64_t *lost)
{
	/* Inside the recursion guard (a callback, or a recorder path, was
	 * interrupted), this thread may be the holder: one try. Otherwise a
	 * holder is another thread that lets go within microseconds, or is in
	 * fork() (pthread_atfork): 50 ms at most. */
	int tries = dft_thread.seq & 1 ? 1 : 100;
	struct timespec pause = { 0, 500000 };
	const struct dft_stream *own = &dft_stream;

	while (pthread_mutex_trylock(&streams_lock)) {
		if (--tries <= 0) {
			*events = READ_ONCE(closed_events);
			*lost = READ_ONCE(closed_lost);
			/* In the list, not yet counted in closed_*. */
			if (own->state == STREAM_OPEN || own->state == STREAM_STOPPED) {
				*events += READ_ONCE(own->events);
				*lost += READ_ONCE(own->lost) + READ_ONCE(own->ctx_lost);
			}
			return 1;
		}
		syscall(SYS_nanosleep, &pause, NULL); /* not a cancellation point */
	}
	streams_sum(events, lost);
	pthread_mutex_unlock(&streams_lock);
	return 0;
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
 * mappings, and its thread opens PID.TID.dat of its own at its next event.
 * Its open frames are those of the thread that forked. */
static void streams_child(void)
{
	struct dft_stack_ent *stk = dft_stream.stk;
	unsigned int depth = dft_stream.stk_depth;

	for (struct dft_stream *s = streams; s; s = s->next) {
		if (s->map) {
			munmap(s->map, s->map_len);
			dft_rec_close(s->fd);
		}
		if (s->stk && s != &dft_stream)
			munmap(s->stk, DFT_STACK_MAX * sizeof(*s->stk));
	}
	streams = NULL;
	closed_events = closed_lost = 0;
	memset(&dft_stream, 0, sizeof(dft_stream));
	dft_stream.stk = stk;
	dft_stream.stk_depth = depth;
	pthread_mutex_init(&streams_lock, NULL);
}

uint64_t dft_stream_ring_size(void)
{
	return (uint64_t)ring_chunk * ring_chunks;
}

/* DYNFTRACE_RING: bytes of each thread's ring (0 or unset: no ring). */
static void ring_init(const char *ring)
{
	uint64_t size = ring && *ring ? strtoull(ring, NULL, 0) : 0;
	size_t chunk;

	if (!size)
		return;
	chunk = size / RING_CHUNKS;
	if (chunk < RING_CHUNK_MIN)
		chunk = RING_CHUNK_MIN;
	if (chunk > CHUNK_MAX)
		chunk = CHUNK_MAX;
	chunk = (chunk + page_size - 1) & ~(page_size - 1);
	dft_stream_ring = 1;
	ring_chunk = chunk;
	ring_chunks = size / chunk > 2 ? size / chunk : 2;
}

int dft_streams_init(void)
{
	int err = pthread_key_create(&stream_key, stream_close);

	if (err)
		return -err;
	page_size = sysconf(_SC_PAGESIZE);
	chunk_first = CHUNK_FIRST > page_size ? CHUNK_FIRST : page_size;
	return -pthread_atfork(streams_prepare, streams_parent, streams_child);
}

void dft_streams_config(const char *ring, const char *max_size)
{
	dft_stream_ring = 0;
	ring_chunk = 0;
	ring_chunks = 0;
	ring_init(ring);
	budget_init(max_size);
}

void dft_streams_stop(void)
{
	pthread_mutex_lock(&streams_lock);
	while (streams) {
		struct dft_stream *s = streams;
		struct dft_stack_ent *stk = s->stk;

		streams = s->next;
		if (s->map) {
			munmap(s->map, s->map_len);
			if (ftruncate(s->fd, stream_used(s)))
				pr_debug("cannot cut a stream to its size: %m\n");
			dft_rec_close(s->fd);
		}
		/* Its thread opens a stream anew at its next event; the
		 * stack of open frames stays the thread's. */
		memset(s, 0, sizeof(*s));
		s->stk = stk;
		s->state = STREAM_NONE;
	}
	closed_events = closed_lost = 0;
	/* The budget is the directory's: a later recording has its own. */
	if (budget)
		munmap(budget, sizeof(*budget));
	budget = NULL;
	pthread_mutex_unlock(&streams_lock);
}
