// SPDX-License-Identifier: MIT
/*
 * dynftrace ctl PID snapshot -o DIR: the rings of a process recording under
 * `record --ring SIZE` (or `record -p PID --ring SIZE`), copied into a new
 * trace directory while it runs on (the use case of XRay's flight data
 * recorder: a process that runs for weeks, whose last minutes are wanted
 * now).
 *
 * The copy is made here, from the ring files the runtime names, not inside
 * the process: the runtime only answers `status` (recording=DIR, ring=BYTES)
 * and its threads never wait for us. Nothing of ours runs in the process,
 * none of its locks is taken, nothing is allocated there, and a failure
 * here cannot harm it. The files are the process's user's own (0600), and
 * so is the control channel: whoever may ask may read them.
 *
 * The writers go on overwriting their rings meanwhile. A writer that reuses
 * a chunk sets its seq to 0 before it writes any byte of it, and the new
 * seq once the header is whole (record/buffer.c): a seqlock. A chunk is
 * copied as seq, then its header, then the events its header says are
 * committed, then its header again, and is kept only if seq, ts and size
 * did not change; its events are then those of one use of the chunk, all
 * committed. Of the chunks kept, the newest run of consecutive numbers is
 * written out (a chunk overwritten while it was copied leaves a gap: what
 * precedes it is older than the gap and is left out, so that every thread's
 * events read on without a hole). The process files (maps, sites, clock)
 * are copied after the streams: they name every function the copied
 * events use.
 *
 * DYNFTRACE_SNAPSHOT_RACE=1, for tests (ctl_snapshot.sh), makes the race
 * happen every time: each thread's oldest chunk is overwritten between the
 * reading of its header and of its events, and must be left out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "trace.h"

static const char snapshot_usage[] =
	"usage: dynftrace ctl PID snapshot -o DIR\n"
	"\n"
	"Copies the rings of process PID, recording under `dynftrace record --ring\n"
	"SIZE`, into the new trace directory DIR (mode 0700) while it runs on:\n"
	"the newest SIZE of events of each of its threads. DIR must not exist or\n"
	"be empty. Read it like any trace: dynftrace report -i DIR.\n";

struct snap {
	pid_t pid;
	int src, dst;	   /* the recording's directory, the snapshot's */
	uint8_t *buf;	   /* one chunk */
	size_t cap;
	unsigned int threads;
	uint64_t bytes;	   /* of events copied */
	uint64_t dropped;  /* chunks overwritten while being copied */
	int race;	   /* DYNFTRACE_SNAPSHOT_RACE=1 (tests) */
};

/* Refuses a DIR that exists and is not empty (or not a directory). */
static void snap_dir_check(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d && errno == ENOENT)
		return;
	if (!d)
		die("cannot use %s: %s (name a new directory with -o)", dir, strerror(errno));
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	if (n)
		die("%s exists and is not empty: a snapshot goes into a new directory (name one "
		    "with -o)",
		    dir);
}

/* DIR, new or empty, made private. */
static int snap_dir(const char *dir)
{
	struct stat st;
	int fd;

	snap_dir_check(dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		die("cannot create %s: %s", dir, strerror(errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", dir, strerror(errno));
	if (fstat(fd, &st) || st.st_uid != geteuid())
		die("%s is not your directory: name another with -o", dir);
	/* Traces show what a program did and with which arguments. */
	if (fchmod(fd, 0700))
		die("cannot chmod %s: %s", dir, strerror(errno));
	return fd;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len ? 0 : -1;
}

/*
 * Copies the chunk at @off (room @room) into s->buf, header first: 1 when
 * it is kept, 0 when it was not in use or was overwritten while we copied
 * it. The fences order our reads, done by the kernel in this thread, as
 * the writer's release stores need.
 */
static int copy_chunk(struct snap *s, int fd, uint64_t off, uint32_t room, uint64_t seq,
		      int oldest)
{
	uint8_t again[CHUNK_HDR];
	uint64_t v, committed;

	if (read_at(fd, &v, 8, off + offsetof(struct dft_chunk_hdr, seq)) || v != seq || !seq)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (read_at(fd, s->buf, CHUNK_HDR, off) ||
	    field64(s->buf, struct dft_chunk_hdr, seq) != seq)
		return 0;
	committed = field64(s->buf, struct dft_chunk_hdr, committed);
	if (committed > room || committed % 4)
		return 0;
	/* Tests: the race this is made for, every time. The writer reuses
	 * the oldest chunk next: wait (60 s at most) until it has written a
	 * quarter of it anew, so that the events read below are not those
	 * the header describes. */
	for (int i = 0; s->race && oldest && i < 60000; i++) {
		struct timespec ms = { 0, 1000000 };

		if (read_at(fd, again, CHUNK_HDR, off))
			break;
		v = field64(again, struct dft_chunk_hdr, seq);
		if (v != seq && v && field64(again, struct dft_chunk_hdr, committed) >= room / 4)
			break;
		nanosleep(&ms, NULL);
	}
	if (read_at(fd, s->buf + CHUNK_HDR, committed, off + CHUNK_HDR))
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (read_at(fd, again, CHUNK_HDR, off))
		return 0;
	/* committed only grows while the chunk is the same. */
	return !memcmp(again + offsetof(struct dft_chunk_hdr, seq),
		       s->buf + offsetof(struct dft_chunk_hdr, seq),
		       CHUNK_HDR - offsetof(struct dft_chunk_hdr, seq));
}

struct slot {
	uint64_t seq;
	uint32_t index;
};

static int cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One thread's ring, into a ring file of the same geometry holding its
 * newest consecutive chunks, oldest first. */
static void copy_ring(struct snap *s, const char *name)
{
	uint8_t hdr[STREAM_HDR];
	struct slot *slot;
	uint32_t n, size, used = 0, k = 0;
	uint64_t last = 0, bytes = 0;
	int fd, out;

	fd = openat(s->src, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", name, strerror(errno));
	/* A thread that is creating its file has written no event yet. */
	if (read_at(fd, hdr, STREAM_HDR, 0) || memcmp(hdr, DFT_STREAM_MAGIC, DFT_MAGIC_LEN)) {
		close(fd);
		return;
	}
	n = field32(hdr, struct dft_stream_hdr, ring_chunks);
	size = field32(hdr, struct dft_stream_hdr, ring_chunk);
	if (!(field32(hdr, struct dft_stream_hdr, flags) & DFT_STREAM_RING) || n < 2 ||
	    n > 1 << 20 || size <= CHUNK_HDR || size % 4)
		die("%s is no ring stream: the recording is not a flight recorder", name);
	if (s->cap < size) {
		s->buf = xrealloc(s->buf, size);
		s->cap = size;
	}
	slot = xcalloc(n, sizeof(*slot));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t seq;

		if (read_at(fd, &seq, 8, STREAM_HDR + (uint64_t)i * size +
						 offsetof(struct dft_chunk_hdr, seq)))
			break; /* not reached yet: the file is sparse up to here */
		if (seq)
			slot[used++] = (struct slot){ .seq = seq, .index = i };
	}
	qsort(slot, used, sizeof(*slot), cmp_slot);
	out = openat(s->dst, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0 || pwrite(out, hdr, STREAM_HDR, 0) != STREAM_HDR)
		die("cannot write %s: %s", name, strerror(errno));
	/* Oldest first, as the writer reuses them. */
	for (uint32_t i = 0; i < used; i++) {
		uint64_t off = STREAM_HDR + (uint64_t)slot[i].index * size, len;

		if (!copy_chunk(s, fd, off, size - CHUNK_HDR, slot[i].seq, !i)) {
			s->dropped++;
			continue;
		}
		/* After a chunk overwritten while we copied: what we have
		 * is older than the gap, and goes. */
		if (k && slot[i].seq != last + 1 && ftruncate(out, STREAM_HDR))
			die("cannot write %s: %s", name, strerror(errno));
		if (k && slot[i].seq != last + 1)
			k = 0;
		len = CHUNK_HDR + field64(s->buf, struct dft_chunk_hdr, committed);
		if (pwrite(out, s->buf, len, STREAM_HDR + (uint64_t)k * size) != (ssize_t)len)
			die("cannot write %s: %s", name, strerror(errno));
		bytes = (k ? bytes : 0) + len - CHUNK_HDR;
		last = slot[i].seq;
		k++;
	}
	if (close(out))
		die("cannot write %s: %s", name, strerror(errno));
	s->threads++;
	s->bytes += bytes;
	free(slot);
	close(fd);
}

/* A small file of the recording, copied; 0, or -1 when there is none. */
static int copy_file(struct snap *s, const char *name, const char *extra)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = openat(s->src, name, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = openat(s->dst, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		die("cannot write %s: %s", name, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n)
			die("cannot write %s: %s", name, strerror(errno));
	}
	if (n < 0 || (extra && write(out, extra, strlen(extra)) != (ssize_t)strlen(extra)) ||
	    close(out))
		die("cannot copy %s: %s", name, strerror(errno));
	close(in);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The streams of s->pid, then its process files. */
static void copy_trace(struct snap *s)
{
	static const char *const files[] = { DFT_FILE_MAPS, DFT_FILE_SITES, DFT_FILE_CLOCK,
					     DFT_FILE_EXIT };
	char name[64], line[128], **names = NULL;
	unsigned int nnames = 0;
	struct timespec now;
	struct dirent *de;
	DIR *d;

	d = fdopendir(dup(s->src));
	if (!d)
		die("cannot read the recording's directory: %s", strerror(errno));
	while ((de = readdir(d))) {
		int pid, tid, len = 0;

		if (sscanf(de->d_name, "%d.%d." DFT_FILE_STREAM_SUFFIX "%n", &pid, &tid, &len) ==
			    2 &&
		    !de->d_name[len] && pid == s->pid) {
			names = xrealloc(names, (nnames + 1) * sizeof(*names));
			names[nnames++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), cmp_name);
	for (unsigned int i = 0; i < nnames; i++) {
		copy_ring(s, names[i]);
		free(names[i]);
	}
	free(names);
	/* After the streams: every function they name is in the sites file
	 * by now (the runtime writes it before a new id is used, but flushes
	 * it just after). */
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(name, sizeof(name), "%s-%d", files[i], (int)s->pid);
		if (copy_file(s, name, NULL) && i + 1 < ARRAY_SIZE(files))
			die("the recording has no %s: the process recorded no call yet", name);
	}
	copy_file(s, DFT_FILE_BUDGET, NULL);
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(line, sizeof(line), "snapshot=%lld.%09ld\nsnapshot_pid=%d\n",
		 (long long)now.tv_sec, now.tv_nsec, (int)s->pid);
	if (copy_file(s, DFT_FILE_INFO, line))
		die("the recording's directory has no info file: it is no trace directory");
}

/* The value of @key in the runtime's status, or NULL. */
static char *status_value(int fd, const char *key)
{
	char *argv[] = { "status" }, *buf = NULL, msg[512];
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int err = ctl_call(fd, 1, argv, mem, msg, sizeof(msg));
	char *v;

	fclose(mem);
	if (err)
		die("status: %s", *msg ? msg : strerror(err));
	v = info_value(buf, key);
	free(buf);
	return v;
}

int ctl_snapshot(pid_t pid, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *race = getenv("DYNFTRACE_SNAPSHOT_RACE");
	struct snap s = { .pid = pid, .race = race && !strcmp(race, "1") };
	const char *out = NULL;
	char *rec, *ring, kept[32];
	int c, fd, has;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(snapshot_usage, 0);
		default:
			usage(snapshot_usage, 2);
		}
	}
	if (!out || optind != argc)
		die_usage("snapshot needs -o DIR, a new directory for the copy (and nothing else)");
	attach_check(pid);
	snap_dir_check(out);
	has = proc_has_runtime(pid);
	if (has <= 0) {
		warnx("process %d does not run the dynftrace runtime, so nothing records it: start "
		      "it with `dynftrace record --ring SIZE -- CMD` to snapshot its rings",
		      (int)pid);
		exit(has < 0 ? EXIT_CTL_NOPROC : EXIT_CTL_NOCHAN);
	}
	fd = ctl_open(pid, 0, NULL);
	rec = status_value(fd, "recording");
	ring = status_value(fd, "ring");
	close(fd);
	if (!rec || !*rec)
		die("process %d is not recording: snapshot copies the rings of one started with "
		    "`dynftrace record --ring SIZE -- CMD`",
		    (int)pid);
	if (!ring || !*ring)
		die("process %d records every event into %s (no --ring): nothing there is "
		    "overwritten, that directory is its trace; snapshot is for `record --ring SIZE`",
		    (int)pid, rec);
	s.src = open(rec, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.src < 0)
		die("cannot open %s, the directory process %d records into: %s", rec, (int)pid,
		    strerror(errno));
	s.dst = snap_dir(out);
	copy_trace(&s);
	close(s.src);
	close(s.dst);
	human_bytes(s.bytes, kept, sizeof(kept));
	printf("snapshot of process %d in %s: %s of events from %u thread%s", (int)pid, out, kept,
	       s.threads, s.threads == 1 ? "" : "s");
	if (s.dropped)
		printf(" (%llu chunk%s overwritten while copied left out)",
		       (unsigned long long)s.dropped, s.dropped == 1 ? "" : "s");
	printf("\n");
	free(s.buf);
	free(rec);
	free(ring);
	return 0;
}
