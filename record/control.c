// SPDX-License-Identifier: MIT
/*
 * The control channel's server (docs/control.md). The runtime stays
 * dormant, with no thread, socket or file of its own, until a tool wakes it
 * with a SIGURG carrying DFT_CTL_WAKE_VALUE (sigqueue). The handler starts
 * one control thread; it makes the per-user directory and the socket, and
 * serves requests until `detach`, when it removes the socket and exits.
 *
 * SIGURG is ignored by default, so a wake-up sent to a process without the
 * runtime, or one that took SIGURG for itself, does nothing; our handler is
 * installed only where the program has none, and ignores every SIGURG that
 * is not a wake-up, which is what the default disposition did.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "record.h"
#include "control.h"

#define MAX_CONNS 8
#define OUT_FLUSH 65536

struct dft_ctl_conn {
	int fd;
	char *out;
	size_t len, cap;
	char msg[512];
	int (*more)(struct dft_ctl_conn *c, uint64_t *cookie); /* streaming */
	uint64_t cookie;
};

static struct dft_ctl_verb *verbs;
static int running;	/* a control thread exists (or is starting) */
static int quit;	/* `detach` was asked */
static int handler_installed;
static char sock_path[108];

void dft_ctl_register(struct dft_ctl_verb *v)
{
	v->next = verbs;
	verbs = v;
}

int dft_ctl_active(void)
{
	return __atomic_load_n(&running, __ATOMIC_ACQUIRE);
}

static int out_flush(struct dft_ctl_conn *c)
{
	int err = 0;

	if (c->len && c->fd >= 0)
		err = dft_ctl_send(c->fd, DFT_CTL_DATA, c->out, c->len);
	c->len = 0;
	if (err) {
		/* The client went away: drop its output from now on. */
		close(c->fd);
		c->fd = -1;
	}
	return err;
}

int dft_ctl_write(struct dft_ctl_conn *c, const void *buf, size_t len)
{
	if (c->fd < 0)
		return -EPIPE;
	if (c->len + len > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *p;

		while (cap < c->len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->cap = cap;
	}
	memcpy(c->out + c->len, buf, len);
	c->len += len;
	return c->len >= OUT_FLUSH ? out_flush(c) : 0;
}

int dft_ctl_printf(struct dft_ctl_conn *c, const char *fmt, ...)
{
	char buf[1024], *big = NULL;
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(buf)) {
		va_start(ap, fmt);
		n = vasprintf(&big, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -ENOMEM;
	}
	err = dft_ctl_write(c, big ? big : buf, n);
	free(big);
	return err;
}

int dft_ctl_error(struct dft_ctl_conn *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return -err;
}

void dft_ctl_stream(struct dft_ctl_conn *c, int (*more)(struct dft_ctl_conn *c, uint64_t *cookie),
		    uint64_t cookie)
{
	c->more = more;
	c->cookie = cookie;
}

/* ---- the built-in verbs: help, detach ---- */

static int verb_help(struct dft_ctl_conn *c, int argc, char **argv)
{
	for (struct dft_ctl_verb *v = verbs; v; v = v->next)
		dft_ctl_printf(c, "%s\n", v->usage ? v->usage : v->name);
	return 0;
}

static void detach_all(void);

/* Everything off and the socket gone before the answer: a client that
 * reads it may check that every site is a NOP. The connections close,
 * and the thread ends, right after. */
static int verb_detach(struct dft_ctl_conn *c, int argc, char **argv)
{
	quit = 1;
	detach_all();
	unlink(sock_path);
	return 0;
}

static struct dft_ctl_verb help_verb = {
	.name = "help",
	.usage = "help: the verbs this runtime knows",
	.handler = verb_help,
};
static struct dft_ctl_verb detach_verb = {
	.name = "detach",
	.usage = "detach: stop tracing, every site a NOP again; close the channel",
	.handler = verb_detach,
};
DFT_CTL_VERB(help_verb)
DFT_CTL_VERB(detach_verb)

/* ---- requests ---- */

static void serve_request(struct dft_ctl_conn *c, char *req, size_t len)
{
	char *argv[64];
	int argc = 0, err = -ENOENT;
	struct dft_ctl_verb *v;

	for (size_t off = 0; off < len && argc < (int)ARRAY_SIZE(argv) - 1;) {
		argv[argc++] = req + off;
		off += strlen(req + off) + 1;
	}
	argv[argc] = NULL;
	c->msg[0] = 0;
	c->more = NULL;
	if (!argc) {
		dft_ctl_send_end(c->fd, EINVAL, "empty request");
		return;
	}
	for (v = verbs; v; v = v->next) {
		if (!strcmp(v->name, argv[0]))
			break;
	}
	/* A library loaded where no wrapper saw it (core/dlhook.c): its
	 * sites are known before the verb looks at them. */
	dft_modules_rescan();
	if (v)
		err = v->handler(c, argc, argv);
	else
		snprintf(c->msg, sizeof(c->msg), "unknown verb '%s' (`help` lists them)", argv[0]);
	if (out_flush(c))
		return;
	if (!err && c->more)
		return; /* a stream: END comes when it ends */
	c->more = NULL;
	if (dft_ctl_send_end(c->fd, -err, err ? c->msg : NULL)) {
		close(c->fd);
		c->fd = -1;
	}
}

/* Only the process's own user and root: the same people who could
 * ptrace it (docs/control.md). */
static int peer_allowed(int fd, char *msg, size_t len)
{
	struct ucred cred;
	socklen_t n = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &n)) {
		snprintf(msg, len, "cannot check the credentials of the connection: %s",
			 strerror(errno));
		return 0;
	}
	if (cred.uid == 0 || cred.uid == geteuid())
		return 1;
	snprintf(msg, len, "process %d belongs to uid %u; uid %u may not control it", getpid(),
		 (unsigned int)geteuid(), (unsigned int)cred.uid);
	return 0;
}

/* The per-user directory: ours, a directory, 0700; never through a link. */
static int make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		pr_err("control: %s is not a private directory of uid %u: not opening the "
		       "control channel (remove it)",
		       dir, (unsigned int)geteuid());
		return -EPERM;
	}
	return 0;
}

static int open_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[64];
	int s, err;

	if (dft_ctl_dir(dir, sizeof(dir), geteuid()) ||
	    dft_ctl_path(sa.sun_path, sizeof(sa.sun_path), geteuid(), getpid()))
		return -ENAMETOOLONG;
	err = make_dir(dir);
	if (err)
		return err;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	/* A socket left by a process that had our pid before. */
	unlink(sa.sun_path);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || chmod(sa.sun_path, 0600) ||
	    listen(s, MAX_CONNS)) {
		err = -errno;
		close(s);
		unlink(sa.sun_path);
		return err;
	}
	strcpy(sock_path, sa.sun_path);
	return s;
}

static void conn_close(struct dft_ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void accept_one(int ls, struct dft_ctl_conn *conns)
{
	int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	char msg[256];
	int i;

	if (fd < 0)
		return;
	if (!peer_allowed(fd, msg, sizeof(msg))) {
		dft_ctl_send_end(fd, EACCES, msg);
		close(fd);
		return;
	}
	for (i = 0; i < MAX_CONNS && conns[i].fd >= 0; i++)
		;
	if (i == MAX_CONNS) {
		dft_ctl_send_end(fd, EBUSY, "too many control connections; close one");
		close(fd);
		return;
	}
	conns[i].fd = fd;
}

static void conn_input(struct dft_ctl_conn *c)
{
	unsigned int type;
	char *buf;
	size_t len;

	if (dft_ctl_recv(c->fd, &type, &buf, &len)) {
		conn_close(c);
		return;
	}
	if (c->more) {
		/* Anything from a streaming client ends its stream. */
		c->more = NULL;
		dft_ctl_send_end(c->fd, 0, NULL);
	}
	if (type == DFT_CTL_REQ)
		serve_request(c, buf, len);
	else
		dft_ctl_send_end(c->fd, EPROTO, "expected a request frame");
	free(buf);
	if (c->fd < 0)
		conn_close(c);
}

static void stream_more(struct dft_ctl_conn *c)
{
	int done = c->more(c, &c->cookie);

	if (out_flush(c)) {
		conn_close(c);
		return;
	}
	if (done) {
		c->more = NULL;
		dft_ctl_send_end(c->fd, 0, NULL);
	}
}

/* Stops everything the verbs started, so that every site is a NOP. */
static void detach_all(void)
{
	for (struct dft_ctl_verb *v = verbs; v; v = v->next) {
		if (v->detach)
			v->detach();
	}
}

static void *ctl_thread(void *arg)
{
	struct dft_ctl_conn conns[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS + 1];
	int ls;

	prctl(PR_SET_NAME, "dynftrace-ctl");
	for (int i = 0; i < MAX_CONNS; i++) {
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].fd = -1;
	}
	ls = open_socket();
	if (ls < 0) {
		pr_err("control: cannot open the control socket: %s", strerror(-ls));
		__atomic_store_n(&running, 0, __ATOMIC_RELEASE);
		return NULL;
	}
	pr_info("control: listening on %s", sock_path);
	while (!quit) {
		int streaming = 0, n;

		pfd[0].fd = ls;
		pfd[0].events = POLLIN;
		for (int i = 0; i < MAX_CONNS; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
			streaming |= conns[i].more != NULL;
		}
		n = poll(pfd, MAX_CONNS + 1, streaming ? 100 : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pfd[0].revents & POLLIN))
			accept_one(ls, conns);
		for (int i = 0; i < MAX_CONNS && !quit; i++) {
			if (conns[i].fd >= 0 && n > 0 && pfd[i + 1].fd == conns[i].fd &&
			    pfd[i + 1].revents)
				conn_input(&conns[i]);
			else if (conns[i].fd >= 0 && conns[i].more)
				stream_more(&conns[i]);
		}
	}
	/* detach (verb_detach turned tracing off and removed the socket), or
	 * poll failed: tracing off in any case. */
	detach_all();
	for (int i = 0; i < MAX_CONNS; i++) {
		if (conns[i].fd >= 0 && conns[i].more)
			dft_ctl_send_end(conns[i].fd, 0, NULL);
		conn_close(&conns[i]);
	}
	unlink(sock_path);
	close(ls);
	pr_info("control: detached");
	quit = 0;
	__atomic_store_n(&running, 0, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * In the signal handler: starts the control thread, with every signal
 * blocked so that none of the program's is delivered to it. errno and the
 * interrupted thread's mask are left as they were.
 */
static void ctl_wake(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno, expected = 0;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;

	if (si->si_code != SI_QUEUE || si->si_value.sival_int != DFT_CTL_WAKE_VALUE ||
	    (si->si_uid != 0 && si->si_uid != geteuid()) || !dft_initialised)
		return; /* someone else's SIGURG: ignored, as by default */
	if (!__atomic_compare_exchange_n(&running, &expected, 1, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, ctl_thread, NULL))
		__atomic_store_n(&running, 0, __ATOMIC_RELEASE);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
}

/* A fork child has no control thread, whatever its parent had. */
static void ctl_atfork_child(void)
{
	running = 0;
	quit = 0;
}

/* After the core's constructor (101), before the recorder's (200). */
__attribute__((constructor(150))) static void ctl_init(void)
{
	struct sigaction sa = { .sa_sigaction = ctl_wake }, old;

	if (handler_installed || dft_real_sigaction(SIGURG, NULL, &old))
		return;
	if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) {
		pr_info("control: the program handles SIGURG itself: no control channel");
		return;
	}
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (!dft_real_sigaction(SIGURG, &sa, NULL))
		handler_installed = 1;
	pthread_atfork(NULL, NULL, ctl_atfork_child);
}
