/*
 * Counts what a dynftrace trace directory holds, straight from the files
 * (docs/trace-format.md), independently of `dynftrace report`:
 *   entries=N exits=N funcs=N lost=N hits=N bytes=N
 * hits is the sum over the profile tracer's files; bytes counts the streams'
 * committed events (plus headers) and every other file whole.
 *
 * tracecount --xray LOG... counts the function-entry records of LLVM XRay
 * FDR logs (llvm-xray account is slow and miscounts on this log), printing
 *   entries=N exits=N bytes=N
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long long entries, exits, funcs, lost, hits, bytes;

static const unsigned char *map(int dirfd, const char *name, size_t *len)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY);
	void *p;

	if (fd < 0 || fstat(fd, &st) || st.st_size == 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	*len = st.st_size;
	return p == MAP_FAILED ? NULL : p;
}

static void events(const unsigned char *p, uint64_t committed)
{
	for (uint64_t off = 0; off + 4 <= committed;) {
		uint32_t w;
		uint16_t kind, elen;
		uint64_t n;

		memcpy(&w, p + off, 4);
		switch (w & 3) {
		case 0: entries++; off += 8; break;
		case 1: exits++; off += 4; break;
		case 2: funcs++; off += 16; break;
		default:
			memcpy(&kind, p + off + 4, 2);
			memcpy(&elen, p + off + 6, 2);
			if (kind == 4 && elen >= 8) {
				memcpy(&n, p + off + 8, 8);
				lost += n;
			}
			off += 8 + ((elen + 3u) & ~3u);
		}
	}
}

/* Returns the bytes the stream really holds (headers + committed events):
 * the file itself may be longer, grown ahead of the writer. DFTTRC01: one
 * run of events; DFTTRC02: chunks (32-byte headers: committed, seq, ts,
 * size), one after the other, or a ring of them. */
static uint64_t stream(const unsigned char *p, size_t len)
{
	uint64_t committed, seq, total = 64, off = 64;
	uint32_t flags, nchunks = 0, size = 0, room;

	if (len < 64)
		return len;
	if (!memcmp(p, "DFTTRC01", 8)) {
		memcpy(&committed, p + 16, 8);
		if (committed > len - 64)
			committed = len - 64;
		events(p + 64, committed);
		return 64 + committed;
	}
	if (memcmp(p, "DFTTRC02", 8))
		return len;
	memcpy(&flags, p + 16, 4);
	if (flags & 1) {
		memcpy(&nchunks, p + 48, 4);
		memcpy(&size, p + 52, 4);
	}
	for (uint32_t i = 0; off + 32 <= len; i++) {
		if (flags & 1) {
			if (i == nchunks)
				break;
			off = 64 + (uint64_t)i * size;
			if (off + 32 > len)
				break;
		}
		memcpy(&committed, p + off, 8);
		memcpy(&seq, p + off + 8, 8);
		memcpy(&room, p + off + 24, 4);
		if (!seq) {
			if (flags & 1)
				continue;
			break;
		}
		if (committed > len - off - 32)
			committed = len - off - 32;
		events(p + off + 32, committed);
		total += 32 + committed;
		off += 32 + (uint64_t)room;
	}
	return total;
}

static void profile(const unsigned char *p, size_t len)
{
	uint32_t nr;

	if (len < 32 || memcmp(p, "DFTPRF01", 8))
		return;
	memcpy(&nr, p + 16, 4);
	for (uint32_t i = 0; i < nr && 32 + (i + 1) * 48ul <= len; i++) {
		uint64_t h;

		memcpy(&h, p + 32 + i * 48ul + 8, 8);
		hits += h;
	}
}

/* FDR: a 32-byte file header, then 16-byte metadata records (bit 0 set,
 * type in bits 1-7) and 8-byte function records (bit 0 clear, kind in bits
 * 1-3: 0 enter, 1 exit, 2 tail exit, 3 enter with args). Custom and typed
 * event metadata (types 5 and 8) are followed by a payload of the int32
 * size at byte 1. Buffer extents (type 7) give the bytes that follow. */
static int xray(int argc, char **argv)
{
	unsigned long long ent = 0, ext = 0, total = 0;

	for (int i = 2; i < argc; i++) {
		size_t len = 0, off = 32;
		const unsigned char *p = map(AT_FDCWD, argv[i], &len);

		total += len;
		while (p && off + 8 <= len) {
			if (p[off] & 1) {
				int type = p[off] >> 1;
				int32_t sz = 0;

				if (type == 5 || type == 8)
					memcpy(&sz, p + off + 1, 4);
				off += 16 + (sz > 0 ? sz : 0);
			} else {
				int kind = (p[off] >> 1) & 7;

				if (kind == 0 || kind == 3)
					ent++;
				else
					ext++;
				off += 8;
			}
		}
		if (p)
			munmap((void *)p, len);
	}
	printf("entries=%llu exits=%llu bytes=%llu\n", ent, ext, total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--xray"))
		return xray(argc, argv);

	DIR *d = argc > 1 ? opendir(argv[1]) : NULL;
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "usage: tracecount DIR\n");
		return 2;
	}
	while ((e = readdir(d))) {
		const unsigned char *p;
		size_t len = 0;
		struct stat st;

		if (fstatat(dirfd(d), e->d_name, &st, 0) || !S_ISREG(st.st_mode))
			continue;
		if (!(p = map(dirfd(d), e->d_name, &len))) {
			bytes += st.st_size;
			continue;
		}
		if (strstr(e->d_name, ".dat"))
			bytes += stream(p, len);
		else
			bytes += st.st_size;
		if (!strncmp(e->d_name, "profile-", 8))
			profile(p, len);
		munmap((void *)p, len);
	}
	closedir(d);
	printf("entries=%llu exits=%llu funcs=%llu lost=%llu hits=%llu bytes=%llu\n", entries,
	       exits, funcs, lost, hits, bytes);
	return 0;
}
