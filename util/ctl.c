// SPDX-License-Identifier: MIT
/*
 * The control channel's framing and rendezvous (util/ctl.h). The runtime
 * and the command link this same file, so that the two sides cannot drift.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

int dft_ctl_dir(char *buf, size_t len, uid_t uid)
{
	int n = snprintf(buf, len, "/tmp/dynftrace-%u", (unsigned int)uid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dft_ctl_path(char *buf, size_t len, uid_t uid, pid_t pid)
{
	int n = snprintf(buf, len, "/tmp/dynftrace-%u/%d.ctl", (unsigned int)uid, (int)pid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		/* MSG_NOSIGNAL: a client that went away must not SIGPIPE the
		 * traced program. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return got ? -EPROTO : -ECONNRESET;
		got += n;
	}
	return 0;
}

int dft_ctl_send(int fd, unsigned int type, const void *buf, size_t len)
{
	unsigned char hdr[8] = { 'D', (unsigned char)type, 0, 0 };
	int err;

	if (len > DFT_CTL_FRAME_MAX)
		return -EMSGSIZE;
	for (int i = 0; i < 4; i++)
		hdr[4 + i] = (unsigned char)(len >> (8 * i));
	err = write_all(fd, hdr, sizeof(hdr));
	return err || !len ? err : write_all(fd, buf, len);
}

int dft_ctl_send_req(int fd, int argc, char *const argv[])
{
	size_t len = 0, off = 0;
	char *buf;
	int err;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		memcpy(buf + off, argv[i], n);
		off += n;
	}
	err = dft_ctl_send(fd, DFT_CTL_REQ, buf, len);
	free(buf);
	return err;
}

int dft_ctl_send_end(int fd, int status, const char *msg)
{
	size_t n = msg ? strlen(msg) : 0;
	unsigned char buf[4 + 1024];

	if (n > sizeof(buf) - 4)
		n = sizeof(buf) - 4;
	for (int i = 0; i < 4; i++)
		buf[i] = (unsigned char)((unsigned int)status >> (8 * i));
	if (n)
		memcpy(buf + 4, msg, n);
	return dft_ctl_send(fd, DFT_CTL_END, buf, 4 + n);
}

int dft_ctl_recv(int fd, unsigned int *type, char **buf, size_t *len)
{
	unsigned char hdr[8];
	uint32_t n = 0;
	char *p;
	int err;

	err = read_all(fd, hdr, sizeof(hdr));
	if (err)
		return err;
	for (int i = 0; i < 4; i++)
		n |= (uint32_t)hdr[4 + i] << (8 * i);
	if (hdr[0] != 'D' || hdr[2] || hdr[3] || n > DFT_CTL_FRAME_MAX)
		return -EPROTO;
	p = malloc(n + 1);
	if (!p)
		return -ENOMEM;
	err = n ? read_all(fd, p, n) : 0;
	if (err) {
		free(p);
		return err == -ECONNRESET ? -EPROTO : err;
	}
	p[n] = 0;
	*type = hdr[1];
	*buf = p;
	*len = n;
	return 0;
}

int dft_ctl_connect(pid_t pid, uid_t uid, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, err;

	err = dft_ctl_path(sa.sun_path, sizeof(sa.sun_path), uid, pid);
	if (err)
		return err;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno == ECONNREFUSED ? -ENOENT : -errno;
		close(s);
		return err;
	}
	*fd = s;
	return 0;
}
