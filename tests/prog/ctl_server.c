// SPDX-License-Identifier: MIT
/*
 * A multi-threaded TCP server for the attach tests, and its client.
 *
 *   ctl_server server PORTFILE THREADS   listens on 127.0.0.1, writes the
 *       port to PORTFILE; each of THREADS workers serves one connection at
 *       a time, request by request (srv_handle -> srv_parse, srv_compute,
 *       srv_reply). Runs until SIGTERM.
 *   ctl_server client PORT CONNS SECONDS  CONNS connections, one thread
 *       each, send requests for SECONDS and check every reply; exits 1 on
 *       any error, else prints the number of requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lsock;
static volatile sig_atomic_t stop;

__attribute__((noinline)) long srv_parse(const char *req)
{
	return strtol(req, NULL, 10);
}

__attribute__((noinline)) long srv_compute(long x)
{
	long r = 0;

	for (int i = 0; i < 16; i++)
		r += (x + i) * 3;
	return r;
}

__attribute__((noinline)) int srv_reply(char *out, size_t len, long v)
{
	return snprintf(out, len, "%ld\n", v);
}

__attribute__((noinline)) int srv_handle(const char *req, char *out, size_t len)
{
	return srv_reply(out, len, srv_compute(srv_parse(req)));
}

static long expected(long x)
{
	long r = 0;

	for (int i = 0; i < 16; i++)
		r += (x + i) * 3;
	return r;
}

/* One line in, one line out. */
static int serve(int fd)
{
	char buf[256], out[64];
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		have += n;
		buf[have] = 0;
		while ((nl = strchr(buf, '\n'))) {
			int len = srv_handle(buf, out, sizeof(out));

			if (write(fd, out, len) != len)
				return 0;
			have -= nl + 1 - buf;
			memmove(buf, nl + 1, have + 1);
		}
	}
}

static void *worker(void *arg)
{
	while (!stop) {
		int fd = accept(lsock, NULL, NULL);

		if (fd < 0)
			continue;
		serve(fd);
		close(fd);
	}
	return NULL;
}

static void on_term(int sig)
{
	stop = 1;
}

static int server(const char *portfile, int nthreads)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	pthread_t t[64];
	FILE *f;

	signal(SIGTERM, on_term);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsock = socket(AF_INET, SOCK_STREAM, 0);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) || listen(lsock, 64) ||
	    getsockname(lsock, (struct sockaddr *)&sa, &len)) {
		perror("server");
		return 1;
	}
	for (int i = 0; i < nthreads && i < 64; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	f = fopen(portfile, "w");
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	while (!stop)
		pause();
	return 0;
}

static int port;
static double seconds;
static long total, errors;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *client_thread(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	double end = now() + seconds;
	long n = 0, bad = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("client: connect");
		bad = 1;
		goto out;
	}
	for (long x = (long)arg * 1000000; now() < end; x++) {
		char req[64], rep[64];
		int len = snprintf(req, sizeof(req), "%ld\n", x), got = 0;

		if (write(fd, req, len) != len) {
			bad++;
			break;
		}
		while (got < (int)sizeof(rep) - 1) {
			ssize_t r = read(fd, rep + got, 1);

			if (r <= 0)
				break;
			if (rep[got++] == '\n')
				break;
		}
		rep[got] = 0;
		if (strtol(rep, NULL, 10) != expected(x)) {
			fprintf(stderr, "client: %ld -> '%s', expected %ld\n", x, rep, expected(x));
			bad++;
			break;
		}
		n++;
	}
	close(fd);
out:
	pthread_mutex_lock(&lock);
	total += n;
	errors += bad;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int client(int p, int conns, double secs)
{
	pthread_t t[64];

	port = p;
	seconds = secs;
	for (long i = 0; i < conns && i < 64; i++)
		pthread_create(&t[i], NULL, client_thread, (void *)i);
	for (int i = 0; i < conns && i < 64; i++)
		pthread_join(t[i], NULL);
	printf("%ld requests, %ld errors\n", total, errors);
	return errors || !total;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "server"))
		return server(argv[2], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: ctl_server server PORTFILE THREADS | client PORT CONNS SECONDS\n");
	return 2;
}
