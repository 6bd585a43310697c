/* SPDX-License-Identifier: MIT */
/*
 * The control channel's server inside the runtime (docs/control.md).
 *
 * A verb is a struct dft_ctl_verb in any file of the runtime, registered by
 * DFT_CTL_VERB() at load time: control.c never needs editing to add one.
 * Handlers run one at a time on the control thread (never in a traced
 * thread, never in a signal handler), and may take dft_lock through the
 * public API. They write text with dft_ctl_printf()/dft_ctl_write() and
 * return 0, or a negative errno after dft_ctl_error() said why.
 */
#ifndef DFT_CONTROL_H
#define DFT_CONTROL_H

#include <stddef.h>
#include <stdint.h>

struct dft_ctl_conn;

struct dft_ctl_verb {
	const char *name;
	const char *usage; /* "VERB ARGS: what it does", for `help` */
	/* argv[0] is the verb. */
	int (*handler)(struct dft_ctl_conn *c, int argc, char **argv);
	/* Optional: at `detach`, after the handlers stopped tracing, so that
	 * the file can drop what it set up (sites must be NOPs after). */
	void (*detach)(void);
	struct dft_ctl_verb *next;
};

void dft_ctl_register(struct dft_ctl_verb *v);
#define DFT_CTL_VERB(var)                                                                          \
	__attribute__((constructor)) static void var##_register(void)                              \
	{                                                                                          \
		dft_ctl_register(&(var));                                                          \
	}

/* Output of the current request (buffered, sent as DATA frames). */
int dft_ctl_write(struct dft_ctl_conn *c, const void *buf, size_t len);
int dft_ctl_printf(struct dft_ctl_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sets the message of a failed request; returns -@err for the handler to
 * return. */
int dft_ctl_error(struct dft_ctl_conn *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Turns the connection into a stream (trace_pipe): after the handler
 * returns 0, @more (with its own word, @cookie, first set here) is called about every 100 ms, and whenever the server
 * is idle, to write what is new; it returns 0 to go on, or 1 to end the
 * stream (an END frame follows). The stream also ends when the client
 * closes the connection.
 */
void dft_ctl_stream(struct dft_ctl_conn *c, int (*more)(struct dft_ctl_conn *c, uint64_t *cookie),
		    uint64_t cookie);

/* Whether a control thread is running (status, the recorder's stop). */
int dft_ctl_active(void);

/* ---- ctl_trace.c: the tracer the tracefs verbs drive ---- */
/* "nop", "function", "function_graph" or "profile". */
const char *dft_ctl_tracer_name(void);
int dft_ctl_tracing_on(void);

/* ---- record.c: recording into a trace directory from a live process ---- */
struct dft_rec_conf {
	const char *dir, *tracer;
	const char *filter, *notrace, *graph_funcs, *graph_notrace;
	const char *args, *retval, *depth, *thresh;
	const char *ring, *max_size; /* bytes (record --ring, --max-size) */
};
/* 0, or -errno with a message in @err. */
int dft_rec_start(const struct dft_rec_conf *conf, char *err, size_t errlen);
/* Stops the tracer (every site it used is a NOP after) and writes the
 * files a finished trace has. */
int dft_rec_stop(void);
/* The directory being recorded into, or NULL. */
const char *dft_rec_dir(void);

#endif /* DFT_CONTROL_H */
