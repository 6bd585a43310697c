// SPDX-License-Identifier: MIT
/*
 * record-start and record-stop: `dynftrace record -p` has a live process
 * record into a trace directory, in the format of a launched recording
 * (docs/trace-format.md), through the recorder of record.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "control.h"

/* The configuration of the current recording (the recorder keeps a
 * pointer to it). */
static struct dft_rec_conf conf;
static char *strings[12];

static void conf_free(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
		free(strings[i]);
		strings[i] = NULL;
	}
	memset(&conf, 0, sizeof(conf));
}

static int verb_record_start(struct dft_ctl_conn *c, int argc, char **argv)
{
	static const char *const keys[] = { "filter", "notrace", "graph_funcs", "graph_notrace",
					    "args",   "retval",  "depth",	"thresh",
					    "ring",   "max_size" };
	const char **fields[] = { &conf.filter, &conf.notrace, &conf.graph_funcs,
				  &conf.graph_notrace, &conf.args, &conf.retval,
				  &conf.depth, &conf.thresh, &conf.ring, &conf.max_size };
	char err[512];
	int ret;

	if (argc < 3)
		return dft_ctl_error(c, EINVAL, "usage: record-start DIR TRACER [KEY=VALUE...]");
	if (dft_rec_dir())
		return dft_ctl_error(c, EBUSY, "already recording into %s: record-stop first",
				     dft_rec_dir());
	conf_free();
	conf.dir = strings[0] = strdup(argv[1]);
	conf.tracer = strings[1] = strdup(argv[2]);
	for (int i = 3; i < argc; i++) {
		size_t k;
		char *eq = strchr(argv[i], '=');

		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			if (eq && (size_t)(eq - argv[i]) == strlen(keys[k]) &&
			    !strncmp(argv[i], keys[k], eq - argv[i]))
				break;
		}
		if (k == ARRAY_SIZE(keys)) {
			conf_free();
			return dft_ctl_error(c, EINVAL, "record-start: unknown setting '%s'",
					     argv[i]);
		}
		*fields[k] = strings[2 + k] = strdup(eq + 1);
	}
	ret = dft_rec_start(&conf, err, sizeof(err));
	if (ret) {
		/* Whatever started is stopped: the process is as before. */
		dft_rec_stop();
		conf_free();
		return dft_ctl_error(c, -ret, "%s", err);
	}
	dft_ctl_printf(c, "recording into %s\n", conf.dir);
	return 0;
}

static int verb_record_stop(struct dft_ctl_conn *c, int argc, char **argv)
{
	if (dft_rec_stop())
		return dft_ctl_error(c, ENOENT, "not recording");
	conf_free();
	return 0;
}

static void record_detach(void)
{
	if (!dft_rec_stop())
		conf_free();
}

static struct dft_ctl_verb start_verb = {
	.name = "record-start",
	.usage = "record-start DIR TRACER [KEY=VALUE...]: record into DIR (dynftrace record -p)",
	.handler = verb_record_start,
	.detach = record_detach,
};
static struct dft_ctl_verb stop_verb = {
	.name = "record-stop",
	.usage = "record-stop: stop recording; the directory is a finished trace",
	.handler = verb_record_stop,
};
DFT_CTL_VERB(start_verb)
DFT_CTL_VERB(stop_verb)
