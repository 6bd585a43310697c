/* SPDX-License-Identifier: MIT */
/*
 * The dynftrace command: shared helpers of the subcommands (uftrace style,
 * one file per subcommand and one per report format).
 */
#ifndef DFT_CMD_H
#define DFT_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DEFAULT_DIR "dynftrace.data"

/* From the Makefile: the version, and the flags that give a program call
 * sites on this target, for messages. */
#define SITE_FLAGS DFT_SITE_FLAGS
#define SITE_CXXFLAGS DFT_SITE_CXXFLAGS

/* dynftrace.c */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Appends @s to the @sep-separated list *@list (allocated). */
void list_append(char **list, const char *s, char sep);
/* Appends the items of the comma list @list to @v, which holds @n; returns
 * the new count. */
unsigned int split_list(char ***v, unsigned int n, const char *list);
/* The path of program @cmd as execvp would find it; exits 127 (not found)
 * or 126 (not executable) with a message, like a shell. */
char *find_command(const char *cmd);
/* Removes the files of a trace directory (refusing a directory that holds
 * other things), and the directory itself with @rm_dir. */
void remove_trace_dir(const char *dir, int rm_dir);
/* The runtime's path: DYNFTRACE_LIBRARY, next to us, or ../lib; exits
 * with a message when there is none. */
char *find_runtime(void);
/* "10us", "1.5ms", "2s", "300" (ns): 0, or -1 for a malformed duration. */
int parse_duration(const char *s, uint64_t *ns);
/* @v nanoseconds, rounded, into *@ns: 0, or -1 when @v is negative, NaN
 * or too large for 64 bits (converting it would be undefined). */
int ns_from_double(double v, uint64_t *ns);
/* "4M", "512K", "1G", "4MiB", "100" (bytes): 0, or -1 when malformed. */
int parse_size(const char *s, uint64_t *bytes);
/* "123 bytes", "12.3 KiB", "4.0 MiB", "1.5 GiB". */
void human_bytes(uint64_t n, char *buf, size_t len);
/* Prints the usage text of a subcommand and exits with @status. */
void usage(const char *text, int status) __attribute__((noreturn));
/* A command line mistake: the message, exit status 2. */
void die_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* The subcommands. */
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_patch(int argc, char **argv);

/* record.c, shared with live */
struct record_opts {
	const char *tracer;
	char *filter, *notrace, *graph_funcs, *graph_notrace;
	char *args, *retval;
	const char *depth, *thresh, *log;
	char *ring, *max_size; /* bytes, in decimal */
	const char *out;
	int out_given; /* -o was used */
	int temporary; /* live: out is removed after the report */
	int force;
	char *patches; /* --patch: live patches to start CMD with (';' list) */
	int no_libcall; /* --no-libcall */
	char *options; /* the options as given, for the info file */
	char **argv;   /* CMD and its arguments */
	int pid;       /* -p: a running process */
	double duration; /* --duration, seconds */
};
extern const char record_usage_opts[];
/* Parses the record options of argv[1..]; exits on bad input. */
void record_parse(int argc, char **argv, struct record_opts *o, const char *usage_text);
/* nosites.c: 1 when the command at @path or a library it needs (DT_NEEDED)
 * has call sites, 0 when none has, -1 when unknown (not ELF; *@missing
 * names a library that was not found). */
int command_has_sites(const char *path, const char **missing);
/* Runs the command into o->out; returns its exit status (128+sig if killed). */
int record_run(struct record_opts *o);
/* record -p (record_pid.c): records process o->pid into o->out. */
int record_pid(struct record_opts *o);
/* The trace directory, made (or emptied with @force) and made private. */
char *make_trace_dir(const char *dir, int force);
void write_info(const char *dir, struct record_opts *o, pid_t pid);
/* The summary line after a recording, and its warnings. */
/* Returns the number of errors it reported (filters or specs that selected
 * nothing). */
int summarise(const char *dir, struct record_opts *o, const char *cmd);

/* symbols.c: names, interned once for the whole trace (all processes). */
uint32_t name_intern(const char *mangled);
const char *name_str(uint32_t id);  /* as the --demangle mode shows it */
const char *name_full(uint32_t id); /* demangled in full */
enum demangle_mode { DEMANGLE_SIMPLE, DEMANGLE_FULL, DEMANGLE_NO };
void names_mode(enum demangle_mode m);
/* Makes name @id known before any is shown, so that simple names that
 * two functions share are shown in full for both. */
void names_register(uint32_t id);
const char *name_raw(uint32_t id); /* as recorded */
uint32_t name_count(void);
/* Prints the names closest to @glob (by edit distance) after a warning that
 * it matched nothing; @names are ids, @n of them. */
void warn_close_names(const char *what, const char *glob, const uint32_t *names, size_t n);
/* Whether @glob selects name @id (util/match.h: mangled or demangled, with
 * or without the parameter list). */
int name_match(uint32_t id, const char *glob);

#endif /* DFT_CMD_H */
