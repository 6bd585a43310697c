// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the small parsers of what users and peers send: -A/-R
 * argument specs (util/argspec.c), pattern lists and globs (util/match.c),
 * and the control channel's framing (util/ctl.c), whose peer is another
 * process. The first byte picks what -A/-R allows; the rest is the text,
 * and also the byte stream read as frames.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "argspec.h"
#include "ctl.h"
#include "match.h"

static void frames(const uint8_t *data, size_t size)
{
	unsigned int type;
	size_t len;
	char *buf;
	int sv[2];

	/* A stream socket holds what a small input is (-max_len). */
	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	if (write(sv[1], data, size) == (ssize_t)size) {
		shutdown(sv[1], SHUT_WR);
		while (!dft_ctl_recv(sv[0], &type, &buf, &len)) {
			if (memchr(buf, 0, len + 1) == NULL)
				abort(); /* the frame is NUL-terminated */
			free(buf);
		}
	}
	close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dft_pattern *pats;
	struct dft_argspec spec;
	char *text, tok[256];
	const char *p;

	if (!size)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	dft_argspec_parse(text, size - 1, data[0] & 3, &spec);
	for (p = text; (p = dft_pattern_next(p, tok, sizeof(tok)));)
		;
	if (!dft_patterns_parse(text, &pats, NULL)) {
		dft_patterns_match(pats, "libfoo.so.1", "main", NULL);
		dft_patterns_match(pats, "a.out", "_ZN1a1bEv", "a::b()\0a::b\0b\0");
		dft_patterns_free(pats);
	}
	frames(data, size);
	free(text);
	return 0;
}
