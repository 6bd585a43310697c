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

#include <dynftrace/format.h>

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
		struct dft_ev_ext e;
		struct dft_ext_u64 n;
		uint32_t w;

		memcpy(&w, p + off, 4);
		switch (w & DFT_EV_TYPE_MASK) {
		case DFT_EV_ENTRY: entries++; off += sizeof(struct dft_ev_entry); break;
		case DFT_EV_EXIT: exits++; off += sizeof(struct dft_ev_exit); break;
		case DFT_EV_FUNC: funcs++; off += sizeof(struct dft_ev_func); break;
		default:
			memcpy(&e, p + off, sizeof(e));
			if (e.kind == DFT_EXT_LOST && e.len >= sizeof(n)) {
				memcpy(&n, p + off + sizeof(e), sizeof(n));
				lost += n.value;
			}
			off += DFT_EXT_SIZE(e.len);
		}
	}
}

/* Returns the bytes the stream really holds (headers + committed events):
 * the file itself may be longer, reserved ahead of the writer. A stream is
 * chunks one after the other, or a ring of them (format 1: one run). */
static uint64_t stream(const unsigned char *p, size_t len)
{
	const size_t hdr = sizeof(struct dft_stream_hdr), ch = sizeof(struct dft_chunk_hdr);
	struct dft_stream_hdr h;
	uint64_t total = hdr, off = hdr;

	if (len < hdr)
		return len;
	if (!memcmp(p, DFT_STREAM_MAGIC_V1, DFT_MAGIC_LEN)) {
		struct dft_stream_hdr_v1 h1;

		memcpy(&h1, p, sizeof(h1));
		if (h1.committed > len - hdr)
			h1.committed = len - hdr;
		events(p + hdr, h1.committed);
		return hdr + h1.committed;
	}
	if (memcmp(p, DFT_STREAM_MAGIC, DFT_MAGIC_LEN))
		return len;
	memcpy(&h, p, sizeof(h));
	for (uint32_t i = 0; off + ch <= len; i++) {
		struct dft_chunk_hdr c;

		if (h.flags & DFT_STREAM_RING) {
			if (i == h.ring_chunks)
				break;
			off = hdr + (uint64_t)i * h.ring_chunk;
			if (off + ch > len)
				break;
		}
		memcpy(&c, p + off, ch);
		if (!c.seq) {
			if (h.flags & DFT_STREAM_RING)
				continue;
			break;
		}
		if (c.committed > len - off - ch)
			c.committed = len - off - ch;
		events(p + off + ch, c.committed);
		total += ch + c.committed;
		off += ch + (uint64_t)c.size;
	}
	return total;
}

static void profile(const unsigned char *p, size_t len)
{
	const size_t hdr = sizeof(struct dft_profile_hdr), rec = sizeof(struct dft_profile_rec);
	uint32_t nr;

	if (len < hdr || memcmp(p, DFT_PROFILE_MAGIC, DFT_MAGIC_LEN))
		return;
	memcpy(&nr, p + offsetof(struct dft_profile_hdr, nr), 4);
	for (uint32_t i = 0; i < nr && hdr + (i + 1) * rec <= len; i++) {
		uint64_t h;

		memcpy(&h, p + hdr + i * rec + offsetof(struct dft_profile_rec, hits), 8);
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
