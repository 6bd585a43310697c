// SPDX-License-Identifier: MIT
/*
 * Writes the binary files of a trace directory (docs/trace-format.md) from
 * a script on stdin, so that report can be tested on exactly known traces,
 * including truncated and corrupt ones. Streams are written in format 1
 * (one run of events; report reads it as one chunk). The text files (info, maps-*,
 * sites-*, clock-*, exit-*) are written by the tests themselves.
 *
 *   stream PID TID COMM TS0     start PID.TID.dat (ends the previous one)
 *   entry T FID                 events at absolute tick T; a TIME event is
 *   exit T                      inserted when the delta does not fit
 *   func T FID PARENT_IP
 *   args T FID VALUE...         VALUE: d:-1 u:1 x:0x1 f:1.5 s:text (%20 for blank)
 *   retval T FID VALUE
 *   lost T COUNT
 *   unwind T DEPTH
 *   comm T NAME
 *   patched T FID NAME          the call of FID just before ran NAME
 *   ext T KIND HEXBYTES         any EXT event
 *   raw HEXBYTES                bytes as they are (corruption)
 *   commit N                    the header's committed count (default: all)
 *   cut N                       the file ends N bytes early (truncation)
 *   profile PID TID             start profile-PID.TID
 *   prec FID HITS TOTAL SELF SUMSQ MAX
 *
 * `cmd_gentrace --bench DIR CALLS` writes a complete graph trace of CALLS
 * calls (two events each) in a fixed call tree, for throughput tests.
 *
 * Every layout comes from include/dynftrace/format.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dynftrace/format.h>

static const char *dir;
static unsigned char *buf;
static size_t len, cap;
static uint64_t last, commit_override = UINT64_MAX, cut;
static char name[64];
static int is_profile;
static uint32_t nrec;

static void die(const char *msg)
{
	fprintf(stderr, "cmd_gentrace: %s\n", msg);
	exit(2);
}

static void put(const void *p, size_t n)
{
	if (len + n > cap) {
		cap = (len + n) * 2;
		buf = realloc(buf, cap);
		if (!buf)
			die("out of memory");
	}
	memcpy(buf + len, p, n);
	len += n;
}

static void flush_file(void)
{
	char path[4096];
	int fd;

	if (!name[0])
		return;
	if (!is_profile) {
		uint64_t committed = len - sizeof(struct dft_stream_hdr_v1);

		if (commit_override != UINT64_MAX)
			committed = commit_override;
		memcpy(buf + offsetof(struct dft_stream_hdr_v1, committed), &committed, 8);
	} else {
		memcpy(buf + offsetof(struct dft_profile_hdr, nr), &nrec, 4);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, len - (cut < len ? cut : 0)) < 0 || close(fd))
		die(strerror(errno));
	name[0] = 0;
	len = 0;
	cut = 0;
	commit_override = UINT64_MAX;
}

static void stream_header(uint32_t pid, uint32_t tid, const char *comm, uint64_t ts0)
{
	struct dft_stream_hdr_v1 h = { .pid = pid, .tid = tid, .ts0 = ts0 };

	memcpy(h.magic, DFT_STREAM_MAGIC_V1, DFT_MAGIC_LEN);
	memcpy(h.comm, comm, strnlen(comm, sizeof(h.comm)));
	put(&h, sizeof(h));
}

static void profile_header(uint32_t pid, uint32_t tid)
{
	struct dft_profile_hdr h = { .pid = pid, .tid = tid };

	memcpy(h.magic, DFT_PROFILE_MAGIC, DFT_MAGIC_LEN);
	put(&h, sizeof(h));
}

/* The event word for tick @t, with a TIME event first when needed. */
static uint32_t word(uint64_t t, unsigned int type)
{
	uint32_t w;

	if (t < last || t - last >= DFT_DELTA_MAX) {
		struct dft_ev_ext e = { .word = DFT_EV_EXT, .kind = DFT_EXT_TIME,
					.len = sizeof(struct dft_ext_u64) };
		struct dft_ext_u64 v = { .value = t };

		put(&e, sizeof(e));
		put(&v, sizeof(v));
		last = t;
	}
	w = (uint32_t)(t - last) << DFT_EV_TYPE_BITS | type;
	last = t;
	return w;
}

static void ext(uint64_t t, uint16_t kind, const void *payload, uint16_t n)
{
	static const unsigned char pad[4];
	struct dft_ev_ext e = { .word = word(t, DFT_EV_EXT), .kind = kind, .len = n };

	put(&e, sizeof(e));
	put(payload, n);
	put(pad, DFT_EXT_SIZE(n) - sizeof(e) - n);
}

static void entry(uint64_t t, uint32_t fid)
{
	struct dft_ev_entry e = { .word = word(t, DFT_EV_ENTRY), .fid = fid };

	put(&e, sizeof(e));
}

static void exit_ev(uint64_t t)
{
	struct dft_ev_exit e = { .word = word(t, DFT_EV_EXIT) };

	put(&e, sizeof(e));
}

static size_t value(char *tok, unsigned char *out)
{
	char *v = tok + 2;

	out[0] = tok[0];
	if (tok[1] != ':')
		die("a value is TYPE:VALUE");
	if (tok[0] == DFT_VAL_STR) {
		uint16_t n = 0;

		for (char *p = v; *p; p++) {
			unsigned int ch;

			if (*p == '%' && sscanf(p + 1, "%2x", &ch) == 1)
				p += 2;
			else
				ch = (unsigned char)*p;
			out[3 + n++] = ch;
		}
		memcpy(out + 1, &n, 2);
		return 3 + n;
	}
	if (tok[0] == DFT_VAL_F64) {
		double d = strtod(v, NULL);

		memcpy(out + 1, &d, 8);
	} else {
		uint64_t u = tok[0] == DFT_VAL_S64 ? (uint64_t)strtoll(v, NULL, 0) :
						     strtoull(v, NULL, 0);

		memcpy(out + 1, &u, 8);
	}
	return 9;
}

static void hexbytes(char *s, int as_ext, uint64_t t, uint16_t kind)
{
	unsigned char b[4096];
	size_t n = 0;
	unsigned int x;

	for (char *tok = strtok(s, " \t\n"); tok && n < sizeof(b); tok = strtok(NULL, " \t\n")) {
		if (sscanf(tok, "%x", &x) != 1)
			die("bad hex byte");
		b[n++] = x;
	}
	if (as_ext)
		ext(t, kind, b, n);
	else
		put(b, n);
}

static void bench(uint64_t calls)
{
	char path[4096];
	FILE *f;
	uint64_t t = 1000, done = 0;

	/* A tree of 6 functions: f0 calls f1 and f2, f2 calls f3..f5. */
	snprintf(path, sizeof(path), "%s/" DFT_FILE_SITES "-1", dir);
	f = fopen(path, "w");
	for (int i = 0; i < 6; i++)
		fprintf(f, "%d 0 %x %x bench_f%d\n", i, 0x1000 + i * 64, 0x1000 + i * 64, i);
	fclose(f);
	strcpy(name, "1.1." DFT_FILE_STREAM_SUFFIX);
	stream_header(1, 1, "bench", t);
	last = t;
	while (done < calls) {
		static const int shape[][2] = { { 0, 0 }, { 1, 1 }, { 1, -1 }, { 2, 1 },
						{ 3, 1 }, { 3, -1 }, { 4, 1 }, { 4, -1 },
						{ 5, 1 }, { 5, -1 }, { 2, -1 }, { 0, -1 } };

		for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
			t += 7 + (i & 3);
			if (shape[i][1] >= 0) {
				entry(t, shape[i][0]);
				done++;
			} else {
				exit_ev(t);
			}
		}
		if (len > (64 << 20)) {
			/* Stream the file out in pieces: memory stays small. */
			if (fwrite(buf, 1, len, stdout) != len)
				die("write");
			len = 0;
		}
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char line[8192];

	if (argc == 4 && !strcmp(argv[1], "--bench")) {
		char path[4096];
		uint64_t committed;
		FILE *f;

		dir = argv[2];
		snprintf(path, sizeof(path), "%s/1.1." DFT_FILE_STREAM_SUFFIX, dir);
		if (!freopen(path, "w", stdout))
			die(strerror(errno));
		bench(strtoull(argv[3], NULL, 0));
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout))
			die("write");
		committed = ftell(stdout) - sizeof(struct dft_stream_hdr_v1);
		f = fopen(path, "r+");
		fseek(f, offsetof(struct dft_stream_hdr_v1, committed), SEEK_SET);
		fwrite(&committed, 8, 1, f);
		fclose(f);
		return 0;
	}
	if (argc != 2)
		die("usage: cmd_gentrace DIR < SCRIPT, or cmd_gentrace --bench DIR CALLS");
	dir = argv[1];
	while (fgets(line, sizeof(line), stdin)) {
		char cmd[32], comm[64];
		unsigned long long a, b, c, d, e, g;
		int n = 0;

		if (sscanf(line, "%31s%n", cmd, &n) != 1 || cmd[0] == '#')
			continue;
		if (!strcmp(cmd, "stream") &&
		    sscanf(line + n, "%llu %llu %63s %llu", &a, &b, comm, &c) == 4) {
			flush_file();
			is_profile = 0;
			snprintf(name, sizeof(name), "%llu.%llu." DFT_FILE_STREAM_SUFFIX, a, b);
			stream_header(a, b, comm, c);
			last = c;
		} else if (!strcmp(cmd, "entry") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			entry(a, b);
		} else if (!strcmp(cmd, "exit") && sscanf(line + n, "%llu", &a) == 1) {
			exit_ev(a);
		} else if (!strcmp(cmd, "func") &&
			   sscanf(line + n, "%llu %llu %llx", &a, &b, &c) == 3) {
			struct dft_ev_func e = { .word = word(a, DFT_EV_FUNC), .fid = b,
						 .parent_ip = c };

			put(&e, sizeof(e));
		} else if ((!strcmp(cmd, "args") || !strcmp(cmd, "retval")) &&
			   sscanf(line + n, "%llu %llu%n", &a, &b, &n) >= 2) {
			unsigned char p[4096];
			struct dft_ext_fid h = { .fid = b };
			size_t pl = sizeof(h);
			char *rest = line + strlen(cmd) + 1 + n;

			memcpy(p, &h, sizeof(h));
			for (char *tok = strtok(rest, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
				pl += value(tok, p + pl);
			ext(a, cmd[0] == 'a' ? DFT_EXT_ARGS : DFT_EXT_RETVAL, p, pl);
		} else if (!strcmp(cmd, "lost") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			struct dft_ext_u64 v = { .value = b };

			ext(a, DFT_EXT_LOST, &v, sizeof(v));
		} else if (!strcmp(cmd, "unwind") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			struct dft_ext_unwind u = { .depth = b };

			ext(a, DFT_EXT_UNWIND, &u, sizeof(u));
		} else if (!strcmp(cmd, "comm") && sscanf(line + n, "%llu %63s", &a, comm) == 2) {
			ext(a, DFT_EXT_COMM, comm, strlen(comm));
		} else if (!strcmp(cmd, "patched") &&
			   sscanf(line + n, "%llu %llu %63s", &a, &b, comm) == 3) {
			unsigned char p[4 + 64];
			struct dft_ext_fid h = { .fid = b };

			memcpy(p, &h, sizeof(h));
			memcpy(p + sizeof(h), comm, strlen(comm));
			ext(a, DFT_EXT_PATCHED, p, sizeof(h) + strlen(comm));
		} else if (!strcmp(cmd, "ext") && sscanf(line + n, "%llu %llu%n", &a, &b, &n) >= 2) {
			hexbytes(line + strlen(cmd) + 1 + n, 1, a, b);
		} else if (!strcmp(cmd, "raw")) {
			hexbytes(line + n, 0, 0, 0);
		} else if (!strcmp(cmd, "commit") && sscanf(line + n, "%llu", &a) == 1) {
			commit_override = a;
		} else if (!strcmp(cmd, "cut") && sscanf(line + n, "%llu", &a) == 1) {
			cut = a;
		} else if (!strcmp(cmd, "profile") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			flush_file();
			is_profile = 1;
			nrec = 0;
			snprintf(name, sizeof(name), DFT_FILE_PROFILE "-%llu.%llu", a, b);
			profile_header(a, b);
		} else if (!strcmp(cmd, "prec") &&
			   sscanf(line + n, "%llu %llu %llu %llu %llu %llu", &a, &b, &c, &d, &e, &g) ==
				   6) {
			struct dft_profile_rec r = { .fid = a, .hits = b, .total = c, .self = d,
						     .sum_sq_ns = (double)e, .max = g };

			put(&r, sizeof(r));
			nrec++;
		} else {
			fprintf(stderr, "cmd_gentrace: bad line: %s", line);
			return 2;
		}
	}
	flush_file();
	return 0;
}
