// SPDX-License-Identifier: MIT
/*
 * The live patch verbs of the control channel (docs/control.md,
 * docs/livepatch.md), for `dynftrace patch`:
 *
 *   patch-apply FILE [immediate] [force] [timeout=MS]
 *   patch-revert FILE [force] [timeout=MS]
 *   patch-list
 *
 * Each runs the whole transition on the control thread and sends its
 * progress lines as DATA. Applied patches survive `detach`: no detach hook.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "dynftrace/livepatch.h"

struct said {
	struct dft_ctl_conn *c;
	int lines;
};

static void say(const char *line, void *arg)
{
	struct said *s = arg;

	dft_ctl_printf(s->c, "%s\n", line);
	s->lines++;
}

static int parse(struct dft_ctl_conn *c, int argc, char **argv, unsigned int *flags,
		 unsigned int *timeout_ms, int revert)
{
	*flags = 0;
	*timeout_ms = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "immediate") && !revert)
			*flags |= DFT_LIVEPATCH_IMMEDIATE;
		else if (!strcmp(argv[i], "force"))
			*flags |= DFT_LIVEPATCH_FORCE;
		else if (!strncmp(argv[i], "timeout=", 8))
			*timeout_ms = strtoul(argv[i] + 8, NULL, 10);
		else
			return dft_ctl_error(c, EINVAL, "%s: unknown option '%s'", argv[0], argv[i]);
	}
	return 0;
}

static int verb_apply(struct dft_ctl_conn *c, int argc, char **argv)
{
	struct said s = { c, 0 };
	unsigned int flags, timeout_ms;
	int ret;

	if (argc < 2)
		return dft_ctl_error(c, EINVAL, "usage: patch-apply FILE [immediate] [force] [timeout=MS]");
	ret = parse(c, argc, argv, &flags, &timeout_ms, 0);
	if (ret)
		return ret;
	ret = dft_livepatch_apply(argv[1], flags, timeout_ms, say, &s);
	return ret ? dft_ctl_error(c, -ret, "%s: not applied", argv[1]) : 0;
}

static int verb_revert(struct dft_ctl_conn *c, int argc, char **argv)
{
	struct said s = { c, 0 };
	unsigned int flags, timeout_ms;
	int ret;

	if (argc < 2)
		return dft_ctl_error(c, EINVAL, "usage: patch-revert FILE [force] [timeout=MS]");
	ret = parse(c, argc, argv, &flags, &timeout_ms, 1);
	if (ret)
		return ret;
	ret = dft_livepatch_revert(argv[1], flags, timeout_ms, say, &s);
	return ret ? dft_ctl_error(c, -ret, "%s: not reverted", argv[1]) : 0;
}

static void list_line(const char *line, void *arg)
{
	dft_ctl_printf(arg, "%s\n", line);
}

static int verb_list(struct dft_ctl_conn *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return dft_livepatch_list(list_line, c);
}

static struct dft_ctl_verb apply_verb = {
	.name = "patch-apply",
	.usage = "patch-apply FILE [immediate] [force] [timeout=MS]: apply a live patch, wait for its transition",
	.handler = verb_apply,
};
static struct dft_ctl_verb revert_verb = {
	.name = "patch-revert",
	.usage = "patch-revert FILE [force] [timeout=MS]: revert the newest live patch",
	.handler = verb_revert,
};
static struct dft_ctl_verb list_verb = {
	.name = "patch-list",
	.usage = "patch-list: the applied live patches: FILE STATE FUNCTIONS",
	.handler = verb_list,
};
DFT_CTL_VERB(apply_verb)
DFT_CTL_VERB(revert_verb)
DFT_CTL_VERB(list_verb)
