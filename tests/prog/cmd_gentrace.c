// SPDX-License-Identifier: MIT
/*
 * Writes the binary files of a trace directory (docs/trace-format.md) from
 * a script on stdin, so that report can be tested on exactly known traces,
 * including truncated and corrupt ones. The text files (info, maps-*,
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
 *   ext T KIND HEXBYTES         any EXT event
 *   raw HEXBYTES                bytes as they are (corruption)
 *   commit N                    the header's committed count (default: all)
 *   cut N                       the file ends N bytes early (truncation)
 *   profile PID TID             start profile-PID.TID
 *   prec FID HITS TOTAL SELF SUMSQ MAX
 *
 * `cmd_gentrace --bench DIR CALLS` writes a complete graph trace of CALLS
 * calls (two events each) in a fixed call tree, for throughput tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void put32(uint32_t v)
{
	put(&v, 4);
}

static void put64(uint64_t v)
{
	put(&v, 8);
}

static void flush_file(void)
{
	char path[4096];
	int fd;

	if (!name[0])
		return;
	if (!is_profile) {
		uint64_t committed = len - 64;

		if (commit_override != UINT64_MAX)
			committed = commit_override;
		memcpy(buf + 16, &committed, 8);
	} else {
		memcpy(buf + 16, &nrec, 4);
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

static void header(const char *magic, uint32_t pid, uint32_t tid, const char *comm, uint64_t ts0,
		   size_t size)
{
	unsigned char h[64] = { 0 };

	memcpy(h, magic, 8);
	memcpy(h + 8, &pid, 4);
	memcpy(h + 12, &tid, 4);
	memcpy(h + 24, &ts0, 8);
	if (comm)
		strncpy((char *)h + 32, comm, 16);
	put(h, size);
}

static void ext(uint16_t kind, const void *payload, uint16_t n)
{
	static const unsigned char pad[4];

	put32(kind | (uint32_t)n << 16);
	put(payload, n);
	put(pad, (4 - n % 4) % 4);
}

/* The event word for tick @t, with a TIME event first when needed. */
static void word(uint64_t t, unsigned int type)
{
	if (t < last || t - last >= (1u << 30)) {
		put32(3);
		ext(1, &t, 8);
		last = t;
	}
	put32((uint32_t)(t - last) << 2 | type);
	last = t;
}

static size_t value(char *tok, unsigned char *out)
{
	char *v = tok + 2;

	out[0] = tok[0];
	if (tok[1] != ':')
		die("a value is TYPE:VALUE");
	if (tok[0] == 's') {
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
	if (tok[0] == 'f') {
		double d = strtod(v, NULL);

		memcpy(out + 1, &d, 8);
	} else {
		uint64_t u = tok[0] == 'd' ? (uint64_t)strtoll(v, NULL, 0) : strtoull(v, NULL, 0);

		memcpy(out + 1, &u, 8);
	}
	return 9;
}

static void hexbytes(char *s, int as_ext, uint16_t kind)
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
		ext(kind, b, n);
	else
		put(b, n);
}

static void bench(uint64_t calls)
{
	char path[4096];
	FILE *f;
	uint64_t t = 1000, done = 0;

	/* A tree of 6 functions: f0 calls f1 and f2, f2 calls f3..f5. */
	snprintf(path, sizeof(path), "%s/sites-1", dir);
	f = fopen(path, "w");
	for (int i = 0; i < 6; i++)
		fprintf(f, "%d 0 %x %x bench_f%d\n", i, 0x1000 + i * 64, 0x1000 + i * 64, i);
	fclose(f);
	strcpy(name, "1.1.dat");
	header("DFTTRC01", 1, 1, "bench", t, 64);
	last = t;
	while (done < calls) {
		static const int shape[][2] = { { 0, 0 }, { 1, 1 }, { 1, -1 }, { 2, 1 },
						{ 3, 1 }, { 3, -1 }, { 4, 1 }, { 4, -1 },
						{ 5, 1 }, { 5, -1 }, { 2, -1 }, { 0, -1 } };

		for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
			t += 7 + (i & 3);
			if (shape[i][1] >= 0) {
				word(t, 0);
				put32(shape[i][0]);
				done++;
			} else {
				word(t, 1);
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
		snprintf(path, sizeof(path), "%s/1.1.dat", dir);
		if (!freopen(path, "w", stdout))
			die(strerror(errno));
		bench(strtoull(argv[3], NULL, 0));
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout))
			die("write");
		committed = ftell(stdout) - 64;
		f = fopen(path, "r+");
		fseek(f, 16, SEEK_SET);
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
			snprintf(name, sizeof(name), "%llu.%llu.dat", a, b);
			header("DFTTRC01", a, b, comm, c, 64);
			last = c;
		} else if (!strcmp(cmd, "entry") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			word(a, 0);
			put32(b);
		} else if (!strcmp(cmd, "exit") && sscanf(line + n, "%llu", &a) == 1) {
			word(a, 1);
		} else if (!strcmp(cmd, "func") &&
			   sscanf(line + n, "%llu %llu %llx", &a, &b, &c) == 3) {
			word(a, 2);
			put32(b);
			put64(c);
		} else if ((!strcmp(cmd, "args") || !strcmp(cmd, "retval")) &&
			   sscanf(line + n, "%llu %llu%n", &a, &b, &n) >= 2) {
			unsigned char p[4096];
			size_t pl = 4;
			char *rest = line + strlen(cmd) + 1 + n;
			uint32_t fid = b;

			memcpy(p, &fid, 4);
			for (char *tok = strtok(rest, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
				pl += value(tok, p + pl);
			word(a, 3);
			ext(cmd[0] == 'a' ? 2 : 3, p, pl);
		} else if (!strcmp(cmd, "lost") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			word(a, 3);
			ext(4, &b, 8);
		} else if (!strcmp(cmd, "unwind") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			uint32_t depth = b;

			word(a, 3);
			ext(5, &depth, 4);
		} else if (!strcmp(cmd, "comm") && sscanf(line + n, "%llu %63s", &a, comm) == 2) {
			word(a, 3);
			ext(6, comm, strlen(comm));
		} else if (!strcmp(cmd, "ext") && sscanf(line + n, "%llu %llu%n", &a, &b, &n) >= 2) {
			word(a, 3);
			hexbytes(line + strlen(cmd) + 1 + n, 1, b);
		} else if (!strcmp(cmd, "raw")) {
			hexbytes(line + n, 0, 0);
		} else if (!strcmp(cmd, "commit") && sscanf(line + n, "%llu", &a) == 1) {
			commit_override = a;
		} else if (!strcmp(cmd, "cut") && sscanf(line + n, "%llu", &a) == 1) {
			cut = a;
		} else if (!strcmp(cmd, "profile") && sscanf(line + n, "%llu %llu", &a, &b) == 2) {
			flush_file();
			is_profile = 1;
			nrec = 0;
			snprintf(name, sizeof(name), "profile-%llu.%llu", a, b);
			header("DFTPRF01", a, b, NULL, 0, 32);
		} else if (!strcmp(cmd, "prec") &&
			   sscanf(line + n, "%llu %llu %llu %llu %llu %llu", &a, &b, &c, &d, &e, &g) ==
				   6) {
			double sq = (double)e;

			put32(a);
			put32(0);
			put64(b);
			put64(c);
			put64(d);
			put(&sq, 8);
			put64(g);
			nrec++;
		} else {
			fprintf(stderr, "cmd_gentrace: bad line: %s", line);
			return 2;
		}
	}
	flush_file();
	return 0;
}
