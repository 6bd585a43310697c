// SPDX-License-Identifier: MIT
/*
 * dynftrace record: runs a command with the runtime preloaded and the
 * DYNFTRACE_* variables that make it record (docs/trace-format.md). The
 * command keeps its standard streams; our messages go to stderr, after it.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "argspec.h"
#include "trace.h"
#include "ctl.h"

const char record_usage_opts[] =
	"  -t, --tracer TRACER   function_graph (default): entries, exits, durations\n"
	"                        function: one event per call, with its caller\n"
	"                        profile: per-function statistics only (cheapest)\n"
	"  -F, --filter GLOB     trace only matching functions (repeatable, or a\n"
	"                        comma list); lib:MOD and lib:MOD:GLOB select by module\n"
	"  -N, --notrace GLOB    never trace matching functions\n"
	"  -G, --graph-funcs GLOB       graph: trace only below these functions\n"
	"      --graph-notrace GLOB     graph: trace nothing below these functions\n"
	"  -D, --depth N         graph: record calls up to N deep\n"
	"      --thresh DURATION graph: record only calls at least this long\n"
	"                        (10us, 1.5ms, 2s; a bare number is ns)\n"
	"  -A, --args SPEC       record arguments: 'GLOB@arg1,arg2/s,fparg1'\n"
	"                        (/s string, /x hex, /d /u integers; repeatable)\n"
	"  -R, --retval SPEC     record return values: 'GLOB@retval[/FMT]'\n"
	"      --no-libcall      do not record the calls traced code makes into\n"
	"                        libraries without call sites (malloc, read, ...)\n"
	"  -o, --output DIR      the trace directory (default " DEFAULT_DIR ")\n"
	"  -p, --pid PID         record a running process instead of CMD (attaches\n"
	"                        with ptrace if it does not run the runtime); stops\n"
	"                        at Ctrl-C, SIGTERM, --duration or the process's exit\n"
	"      --duration SECS   with -p: record for this long (from when the\n"
	"                        recording starts, after the attach)\n"
	"  -f, --force           replace DIR if it holds a trace already, and run\n"
	"                        CMD even when neither it nor a library it needs\n"
	"                        has call sites (it may dlopen or exec some)\n"
	"      --ring SIZE       flight recorder: keep only the newest SIZE of events\n"
	"                        of each thread (4M, 64M, 1G), overwriting the oldest\n"
	"      --max-size SIZE   stop recording once the trace reaches SIZE; the\n"
	"                        command runs on, its trace ends at a LOST mark\n"
	"      --patch FILE      start CMD with the live patch FILE applied (a shared\n"
	"                        object built with <dynftrace/livepatch.h>; repeatable)\n"
	"      --log LEVEL       the runtime's log level: error, warn, info, debug\n"
	"  -h, --help            this help\n";

static const char record_usage[] =
	"usage: dynftrace record [OPTIONS] [--] CMD [ARGS]\n"
	"       dynftrace record -p PID [OPTIONS] [--duration SECS]\n"
	"\n"
	"Runs CMD, and its children, with the dynftrace runtime, and records its\n"
	"function calls into a trace directory. CMD must be built with call sites:\n"
	SITE_FLAGS ".\nCMD's exit status is returned (128+N when signal N killed it).\n"
	"\n";

/* 'a b' -> "'a b'": the info file's argv is shell-quoted. */
static void append_quoted(char **list, const char *s)
{
	size_t n = strlen(s);
	char *q = xmalloc(4 * n + 3), *p = q;

	if (n && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			   "@%+=:,./_-") == n) {
		list_append(list, s, ' ');
		free(q);
		return;
	}
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			/* info is line-based: keep it one line. */
			*p++ = *s == '\n' ? ' ' : *s;
		}
	}
	*p++ = '\'';
	*p = 0;
	list_append(list, q, ' ');
	free(q);
}

enum { OPT_THRESH = 256, OPT_GRAPH_NOTRACE, OPT_LOG, OPT_NO_LIBCALL, OPT_RING, OPT_MAX_SIZE,
       OPT_DURATION, OPT_PATCH };

/* The options only some tracers use, and which: given to another tracer,
 * one of them would be ignored, so it is an error. */
static const struct {
	int opt;
	const char *name, *tracers;
} tracer_only[] = {
	{ 'G', "-G/--graph-funcs", "function_graph" },
	{ OPT_GRAPH_NOTRACE, "--graph-notrace", "function_graph" },
	{ 'D', "-D/--depth", "function_graph" },
	{ OPT_THRESH, "--thresh", "function_graph" },
	{ 'A', "-A/--args", "function and function_graph" },
	{ 'R', "-R/--retval", "function_graph" },
	/* The profile tracer keeps tables of a fixed size, not events. */
	{ OPT_RING, "--ring", "function and function_graph" },
};

static void check_tracer_options(const char *tracer, const int *given)
{
	size_t n = strlen(tracer);

	for (size_t i = 0; i < ARRAY_SIZE(tracer_only); i++) {
		const char *t = tracer_only[i].tracers, *p;
		int ok = 0;

		if (!given[i])
			continue;
		/* Whole words of the list. */
		for (p = strstr(t, tracer); p && !ok; p = strstr(p + 1, tracer))
			ok = (p == t || p[-1] == ' ') && (!p[n] || p[n] == ' ');
		if (!ok)
			die_usage("%s applies to the %s tracer%s only, not to -t %s",
				  tracer_only[i].name, t, strchr(t, ' ') ? "s" : "", tracer);
	}
}

/* -A/-R: each ';'-separated spec must parse (util/argspec.c, which the
 * runtime uses too); a mistake is shown where it is, before anything runs. */
static void check_specs(int opt, const char *list)
{
	for (const char *spec = list; *spec;) {
		size_t len = strcspn(spec, ";");
		struct dft_argspec p;

		if (dft_argspec_parse(spec, len,
				      opt == 'A' ? DFT_ARGSPEC_ARGS : DFT_ARGSPEC_RETVAL, &p)) {
			fprintf(stderr, "dynftrace: -%c '%.*s': %s, at byte %zu:\n    %.*s\n    %*s^\n",
				opt, (int)len, spec, p.err, p.err_pos + 1, (int)len, spec,
				(int)p.err_pos, "");
			exit(2);
		}
		spec += len;
		spec += *spec == ';';
	}
}

/* LEVEL[,file=PATH], the levels of core/log.c. */
static void check_log_level(const char *s)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	size_t n = strcspn(s, ",");

	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		if (strlen(levels[i]) != n || strncmp(s, levels[i], n))
			continue;
		if (!s[n] || (!strncmp(s + n, ",file=", 6) && s[n + 6]))
			return;
	}
	die_usage("unknown log level '%s' (use error, warn, info or debug, "
		  "optionally followed by ,file=PATH)",
		  s);
}

/* --ring and --max-size: a size in bytes, with K, M, G or T. */
static void record_size(char **val, const char *arg, const char *opt)
{
	const uint64_t min = strcmp(opt, "--ring") ? 4096 : 64 << 10;
	char buf[32];
	uint64_t v;

	if (parse_size(arg, &v))
		die("%s takes a size like 4M, 512K or 1G, not '%s'", opt, arg);
	if (v < min)
		die("%s %s is too small: it takes at least %lluK", opt, arg,
		    (unsigned long long)min >> 10);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	free(*val);
	*val = xstrdup(buf);
}

void record_parse(int argc, char **argv, struct record_opts *o, const char *usage_text)
{
	static const struct option longopts[] = {
		{ "tracer", required_argument, NULL, 't' },
		{ "filter", required_argument, NULL, 'F' },
		{ "notrace", required_argument, NULL, 'N' },
		{ "graph-funcs", required_argument, NULL, 'G' },
		{ "graph-notrace", required_argument, NULL, OPT_GRAPH_NOTRACE },
		{ "depth", required_argument, NULL, 'D' },
		{ "thresh", required_argument, NULL, OPT_THRESH },
		{ "args", required_argument, NULL, 'A' },
		{ "retval", required_argument, NULL, 'R' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "no-libcall", no_argument, NULL, OPT_NO_LIBCALL },
		{ "ring", required_argument, NULL, OPT_RING },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "patch", required_argument, NULL, OPT_PATCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int given[ARRAY_SIZE(tracer_only)] = { 0 };
	char thresh[32];
	uint64_t ns;
	int c;

	memset(o, 0, sizeof(*o));
	o->tracer = "function_graph";
	o->out = DEFAULT_DIR;
	/* '+': options end at CMD, so CMD's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+t:F:N:G:D:A:R:o:fp:h", longopts, NULL)) != -1) {
		for (size_t i = 0; i < ARRAY_SIZE(tracer_only); i++)
			given[i] |= tracer_only[i].opt == c;
		switch (c) {
		case 't':
			if (strcmp(optarg, "function") && strcmp(optarg, "function_graph") &&
			    strcmp(optarg, "profile"))
				die("unknown tracer '%s' (use function, function_graph or profile)",
				    optarg);
			o->tracer = optarg;
			break;
		case 'F':
			list_append(&o->filter, optarg, ',');
			break;
		case 'N':
			list_append(&o->notrace, optarg, ',');
			break;
		case 'G':
			list_append(&o->graph_funcs, optarg, ',');
			break;
		case OPT_GRAPH_NOTRACE:
			list_append(&o->graph_notrace, optarg, ',');
			break;
		case 'D': {
			char *end;
			long d = strtol(optarg, &end, 10);

			if (*end || end == optarg || d < 1 || d > 100000)
				die("--depth takes a positive number, not '%s'", optarg);
			o->depth = optarg;
			break;
		}
		case OPT_THRESH:
			if (parse_duration(optarg, &ns))
				die("--thresh takes a duration like 10us, 1.5ms or 2s, not '%s'", optarg);
			snprintf(thresh, sizeof(thresh), "%llu", (unsigned long long)ns);
			o->thresh = xstrdup(thresh);
			break;
		case 'A':
		case 'R':
			check_specs(c, optarg);
			list_append(c == 'A' ? &o->args : &o->retval, optarg, ';');
			break;
		case 'o':
			o->out = optarg;
			o->out_given = 1;
			break;
		case 'f':
			o->force = 1;
			break;
		case OPT_NO_LIBCALL:
			o->no_libcall = 1;
			break;
		case OPT_LOG:
			check_log_level(optarg);
			o->log = optarg;
			break;
		case OPT_PATCH: {
			char *real = realpath(optarg, NULL);

			if (!real)
				die("--patch %s: %s", optarg, strerror(errno));
			list_append(&o->patches, real, ';');
			free(real);
			break;
		}
		case 'p':
			o->pid = parse_pid(optarg);
			break;
		case OPT_DURATION: {
			char *end;

			o->duration = strtod(optarg, &end);
			if (*end || end == optarg || o->duration <= 0)
				die("--duration takes a number of seconds, not '%s'", optarg);
			break;
		}
		case OPT_RING:
		case OPT_MAX_SIZE:
			record_size(c == OPT_RING ? &o->ring : &o->max_size, optarg,
				    c == OPT_RING ? "--ring" : "--max-size");
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(record_usage_opts, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			fputs(record_usage_opts, stderr);
			exit(2);
		}
	}
	check_tracer_options(o->tracer, given);
	if (o->pid && optind < argc)
		die("-p records a running process: give no command");
	if (o->pid && o->patches)
		die("--patch starts CMD patched: patch a running process with dynftrace patch PID FILE");
	if (o->duration && !o->pid)
		die("--duration needs -p PID (a command is recorded until it exits)");
	if (optind >= argc && !o->pid)
		die("no command to run: %s [OPTIONS] -- CMD [ARGS]", argv[0]);
	for (int i = 1; i < optind; i++) {
		if (strcmp(argv[i], "--"))
			append_quoted(&o->options, argv[i]);
	}
	o->argv = argv + optind;
}

/* The runtime: next to us in the build tree, in ../lib once installed. */
char *find_runtime(void)
{
	static const char *const rel[] = { "/libdynftrace.so", "/../lib/libdynftrace.so" };
	char self[PATH_MAX], path[PATH_MAX + 32];
	const char *env = getenv("DYNFTRACE_LIBRARY");
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (access(env, R_OK))
			die("DYNFTRACE_LIBRARY=%s: %s", env, strerror(errno));
		return realpath(env, NULL);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("cannot find our own executable: %s", strerror(errno));
	self[n] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		snprintf(path, sizeof(path), "%s%s", self, rel[i]);
		if (!access(path, R_OK))
			return realpath(path, NULL);
	}
	die("cannot find libdynftrace.so next to %s or in %s/../lib (set DYNFTRACE_LIBRARY)", self,
	    self);
}

char *find_command(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	int eacces = 0;
	struct stat st;

	if (strchr(cmd, '/')) {
		if (stat(cmd, &st)) {
			warnx("%s: %s", cmd, strerror(errno));
			exit(127);
		}
		if (S_ISDIR(st.st_mode) || access(cmd, X_OK)) {
			warnx("%s: not executable (%s)", cmd,
			      S_ISDIR(st.st_mode) ? "a directory" : strerror(errno));
			exit(126);
		}
		return xstrdup(cmd);
	}
	for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; p;) {
		const char *colon = strchr(p, ':');
		int len = colon ? colon - p : (int)strlen(p);

		snprintf(buf, sizeof(buf), "%.*s/%s", len, len ? p : ".", cmd);
		if (!stat(buf, &st) && !S_ISDIR(st.st_mode)) {
			if (!access(buf, X_OK))
				return xstrdup(buf);
			eacces = 1;
		}
		p = colon ? colon + 1 : NULL;
	}
	warnx("%s: %s", cmd, eacces ? "not executable (permission denied)" : "command not found");
	exit(eacces ? 126 : 127);
}

/* Removes a trace directory's files: only one that looks like a trace (or
 * is empty), so that -f never empties a directory of other things. */
void remove_trace_dir(const char *dir, int rm_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int entries = 0;

	if (!d)
		die("cannot open %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/" DFT_FILE_INFO, dir);
	while ((de = readdir(d)))
		entries += de->d_name[0] != '.';
	if (entries && access(path, F_OK))
		die("%s is not empty and holds no trace: not replacing it", dir);
	rewinddir(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path))
			die("cannot remove %s: %s", path, strerror(errno));
	}
	closedir(d);
	if (rm_dir && rmdir(dir))
		die("cannot remove %s: %s", dir, strerror(errno));
}

char *make_trace_dir(const char *dir, int force)
{
	char *abs;

	if (mkdir(dir, 0700)) {
		if (errno != EEXIST)
			die("cannot create %s: %s", dir, strerror(errno));
		if (!force)
			die("%s exists: use -f to replace it, or -o to name another directory", dir);
		remove_trace_dir(dir, 0);
	}
	/* Traces show what a program did and with which arguments. */
	if (chmod(dir, 0700))
		die("cannot chmod %s: %s", dir, strerror(errno));
	abs = realpath(dir, NULL);
	if (!abs)
		die("%s: %s", dir, strerror(errno));
	return abs;
}

void write_info(const char *dir, struct record_opts *o, pid_t pid)
{
	char path[PATH_MAX], *argv = NULL;
	struct timespec now;
	struct utsname u;
	FILE *f;
	int fd;

	for (char **a = o->argv; *a; a++)
		append_quoted(&argv, *a);
	snprintf(path, sizeof(path), "%s/" DFT_FILE_INFO, dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		die("cannot write %s: %s", path, strerror(errno));
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(f, "version=%s\ntracer=%s\nargv=%s\noptions=%s\nstart=%lld.%09ld\npid=%d\n",
		DFT_VERSION, o->tracer, argv, o->options ? o->options : "", (long long)now.tv_sec,
		now.tv_nsec, (int)pid);
	/* For report (the names of recorded values) and info. */
	fprintf(f, "filter=%s\nnotrace=%s\nargs=%s\nretval=%s\ndepth=%s\nthresh=%s\n",
		o->filter ? o->filter : "", o->notrace ? o->notrace : "", o->args ? o->args : "",
		o->retval ? o->retval : "", o->depth ? o->depth : "", o->thresh ? o->thresh : "");
	if (!uname(&u))
		fprintf(f, "host=%s\nsystem=%s %s %s\n", u.nodename, u.sysname, u.release,
			u.machine);
	if (fclose(f))
		die("cannot write %s: %s", path, strerror(errno));
	free(argv);
}

/* When the command ended, and how: appended to the info file. */
static void end_info(const char *dir, int status)
{
	char path[PATH_MAX];
	struct timespec now;
	FILE *f;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(path, sizeof(path), "%s/info", dir);
	f = fopen(path, "a");
	if (!f || fprintf(f, "end=%lld.%09ld\nstatus=%d\n", (long long)now.tv_sec, now.tv_nsec,
			  status) < 0 ||
	    fclose(f))
		warnx("cannot complete %s: %s", path, strerror(errno));
}

static void set_env(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static volatile pid_t child;
static const char *patches; /* --patch files, applied in CMD's process only */

/* Signals sent to us with kill() go on to the command. Those a terminal
 * sends reach the whole process group, the command included, already. */
static void forward(int sig, siginfo_t *si, void *uc)
{
	if (child > 0 && si->si_code <= 0)
		kill(child, sig);
}

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
				 SIGWINCH, SIGCONT };

/* "PID:0:FILE;PID:0:FILE": the runtime applies them in the process whose
 * pid it is (the program exec keeps ours), not in the children it runs. */
static char *patch_spec(const char *list)
{
	char *spec = NULL, *copy = xstrdup(list), *save, *tok, pre[32];

	snprintf(pre, sizeof(pre), "%d:0:", (int)getpid());
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *item = xmalloc(strlen(pre) + strlen(tok) + 1);

		strcpy(item, pre);
		strcat(item, tok);
		list_append(&spec, item, ';');
		free(item);
	}
	free(copy);
	return spec;
}

static pid_t run(char *path, char **argv)
{
	struct sigaction sa = { .sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	pid_t pid;

	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		/* exec resets the handlers; nothing may run them before it. */
		if (patches)
			setenv("DYNFTRACE_PATCH", patch_spec(patches), 1);
		execv(path, argv);
		fprintf(stderr, "dynftrace: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	child = pid;
	return pid;
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	}
	child = 0;
	if (WIFSIGNALED(status)) {
		warnx("the command was killed by signal %d (%s)", WTERMSIG(status),
		      strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* What --ring and --max-size left out. */
static void summarise_buffers(struct trace *t, uint64_t lost)
{
	uint64_t over = 0, kept = 0;
	unsigned int rings = 0;
	char size[32];

	for (unsigned int i = 0; i < t->nthreads; i++) {
		const struct thread *th = t->threads[i];

		rings += th->ring;
		over += th->overwritten;
		for (uint32_t k = 0; k < th->nchunks; k++)
			kept += th->chunks[k].len;
	}
	if (rings) {
		human_bytes(kept, size, sizeof(size));
		fprintf(stderr,
			"dynftrace: flight recorder: %s of the newest events kept in %u ring%s, "
			"%llu older chunk%s overwritten\n",
			size, rings, rings == 1 ? "" : "s", (unsigned long long)over,
			over == 1 ? "" : "s");
	}
	if (t->stop_ns) {
		human_bytes(t->max_size, size, sizeof(size));
		fprintf(stderr,
			"dynftrace: the recording stopped when it reached --max-size %s, %.6f s "
			"after it started: %llu events were not recorded (the program ran on)\n",
			size, t->stop_ns > t->t0 ? (t->stop_ns - t->t0) / 1e9 : 0.0,
			(unsigned long long)lost);
	}
}

/* lib:MOD[:GLOB] patterns whose MOD matches no module of any process: the
 * library was never loaded (trace_check_globs() checks the GLOB). */
static void check_lib_globs(struct trace *t, char **globs, unsigned int n, const char *what)
{
	for (unsigned int i = 0; i < n; i++) {
		char *mod, *colon;
		int found = 0;

		if (strncmp(globs[i], "lib:", 4))
			continue;
		mod = xstrdup(globs[i] + 4);
		colon = strchr(mod, ':');
		if (colon)
			*colon = 0;
		for (unsigned int p = 0; p < t->nprocs && !found; p++) {
			for (unsigned int m = 0; m < t->procs[p]->nmods && !found; m++) {
				const char *path = t->procs[p]->mods[m].path, *base;

				if (!path)
					continue;
				base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
				found = !fnmatch(mod, base, 0);
			}
		}
		if (!found)
			warnx("warning: %s '%s' matches no library the command loaded", what,
			      globs[i]);
		free(mod);
	}
}

/* Whether a glob of a filter list (GLOB, lib:MOD, lib:MOD:GLOB) names a
 * function of some process; lib:MOD alone is not checked here. */
static int glob_found(struct trace *t, const char *g)
{
	if (!strncmp(g, "lib:", 4)) {
		g = strchr(g + 4, ':');
		if (!g)
			return 1;
		g++;
	}
	for (unsigned int p = 0; p < t->nprocs; p++) {
		for (uint32_t f = 0; f < t->procs[p]->nfuncs; f++) {
			uint32_t name = t->procs[p]->funcs[f].name;

			if (name != UINT32_MAX && name_match(name, g))
				return 1;
		}
	}
	return 0;
}

/* -A/-R specs whose function no process had, even in libraries loaded
 * later: an error (checked here, as dlopen may bring them). Returns the
 * number of such specs. */
static int check_spec_funcs(struct trace *t, int opt, const char *list)
{
	int bad = 0;

	for (const char *spec = list; spec && *spec;) {
		size_t len = strcspn(spec, ";");
		struct dft_argspec p;
		char *glob, **v = NULL;
		unsigned int nv, found = 0;

		if (!dft_argspec_parse(spec, len, DFT_ARGSPEC_ARGS | DFT_ARGSPEC_RETVAL, &p)) {
			glob = xmalloc(p.glob_len + 1);
			memcpy(glob, spec, p.glob_len);
			glob[p.glob_len] = 0;
			nv = split_list(&v, 0, glob);
			for (unsigned int i = 0; i < nv; i++) {
				found |= glob_found(t, v[i]);
				free(v[i]);
			}
			if (!found) {
				warnx("error: -%c '%.*s': no function matches '%s' in the program or "
				      "the libraries it loaded",
				      opt, (int)len, spec, glob);
				bad++;
			}
			free(v);
			free(glob);
		}
		spec += len;
		spec += *spec == ';';
	}
	return bad;
}

/* The one-line summary, and the warnings that need the trace: no call
 * sites at all, filters that matched nothing. */
int summarise(const char *dir, struct record_opts *o, const char *cmd)
{
	int errors = 0;
	uint64_t events = 0, lost = 0, bytes = 0, funcs = 0;
	char size[32], **v = NULL;
	unsigned int nv = 0, maps = 0;
	struct dirent *de;
	struct trace t;
	DIR *d;

	trace_open(&t, dir, 1);
	trace_trim(&t);
	for (unsigned int i = 0; i < t.nprocs; i++) {
		struct proc *p = t.procs[i];
		uint64_t seen = 0;

		for (unsigned int j = 0; j < t.nthreads; j++) {
			struct cursor c;
			struct event ev = { 0 };

			if (t.threads[j]->proc != p)
				continue;
			cursor_init(&c, t.threads[j]);
			while (cursor_next(&c, &ev) > 0) {
				events += ev.type != DFT_EV_EXT;
				if (ev.type == DFT_EV_EXT && ev.kind == DFT_EXT_LOST &&
				    ev.len >= sizeof(struct dft_ext_u64))
					seen += field64(ev.data, struct dft_ext_u64, value);
			}
			thread_unmap(t.threads[j]);
		}
		/* A stream that never had room again could not say what it
		 * lost; the exit file counts it all. */
		lost += seen > p->lost ? seen : p->lost;
		maps += p->nmods > 0;
		for (uint32_t f = 0; f < t.procs[i]->nfuncs; f++)
			funcs += t.procs[i]->funcs[f].name != UINT32_MAX;
	}
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && !stat(path, &st))
			bytes += st.st_blocks * 512ULL < (uint64_t)st.st_size ? st.st_blocks * 512ULL
									     : (uint64_t)st.st_size;
	}
	if (d)
		closedir(d);

	if (!maps && !t.nosites)
		warnx("warning: the runtime did not start in %s (statically linked, or setuid?): "
		      "nothing was recorded",
		      cmd);
	else if (!funcs)
		warnx("warning: %s has no call sites, so nothing was traced: rebuild it with " SITE_FLAGS,
		      cmd);
	if (funcs) {
		const struct {
			const char *what, *globs;
		} lists[] = { { "filter", o->filter },
			      { "notrace", o->notrace },
			      { "graph function", o->graph_funcs },
			      { "graph notrace", o->graph_notrace } };

		for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
			nv = split_list(&v, 0, lists[i].globs);
			trace_check_globs(&t, v, nv, lists[i].what);
			check_lib_globs(&t, v, nv, lists[i].what);
		}
		errors += check_spec_funcs(&t, 'A', o->args);
		errors += check_spec_funcs(&t, 'R', o->retval);
	}
	human_bytes(bytes, size, sizeof(size));
	if (t.nprofiles) {
		uint64_t calls = 0;

		/* The profile tracer writes tables, not events. */
		for (unsigned int i = 0; i < t.nprofiles; i++) {
			struct pfile pf;

			if (profile_open(&t, t.profiles[i], &pf))
				continue;
			for (uint32_t j = 0; j < pf.nr; j++)
				calls += get64(pf.map + PROFILE_HDR + (size_t)j * PROFILE_REC + 8);
			profile_close(&pf);
		}
		fprintf(stderr, "dynftrace: profile of %llu calls, %u thread%s in %u process%s, %s",
			(unsigned long long)calls, t.nprofiles, t.nprofiles == 1 ? "" : "s",
			t.nprocs, t.nprocs == 1 ? "" : "es", size);
	} else {
		fprintf(stderr, "dynftrace: %llu events, %u thread%s in %u process%s, %s",
			(unsigned long long)events, t.nthreads, t.nthreads == 1 ? "" : "s",
			t.nprocs, t.nprocs == 1 ? "" : "es", size);
	}
	if (lost)
		fprintf(stderr, ", %llu dropped", (unsigned long long)lost);
	if (t.nosites)
		fprintf(stderr, " (and %u process%s without call sites)", t.nosites,
			t.nosites == 1 ? "" : "es");
	fprintf(stderr, o->temporary ? "\n" : " -> %s\n", o->out);
	summarise_buffers(&t, lost);
	return errors;
}

/* A command with no call sites, nor in the libraries it needs, records
 * nothing: refused before it runs (as uftrace does), unless --force. */
static void refuse_without_sites(const char *cmd, const char *name)
{
	const char *missing;

	if (command_has_sites(cmd, &missing))
		return;
	die("%s has no call sites, nor have the libraries it needs: nothing would be traced. "
	    "Build it with " SITE_FLAGS "; C++ with " SITE_CXXFLAGS "; or use --force "
	    "to run it anyway (for a program that loads instrumented libraries with dlopen or "
	    "runs instrumented programs)",
	    name);
}

int record_run(struct record_opts *o)
{
	char *lib = find_runtime(), *cmd = find_command(o->argv[0]);
	char *dir, *preload;
	const char *old = getenv("LD_PRELOAD");
	pid_t pid;
	int status;

	if (!o->force)
		refuse_without_sites(cmd, o->argv[0]);
	dir = make_trace_dir(o->out, o->force || o->temporary);
	preload = xstrdup(lib);
	if (old && *old)
		list_append(&preload, old, ':');
	setenv("LD_PRELOAD", preload, 1);
	setenv("DYNFTRACE_DIR", dir, 1);
	setenv("DYNFTRACE_TRACER", o->tracer, 1);
	set_env("DYNFTRACE_FILTER", o->filter);
	set_env("DYNFTRACE_NOTRACE", o->notrace);
	set_env("DYNFTRACE_GRAPH_FUNCS", o->graph_funcs);
	set_env("DYNFTRACE_GRAPH_NOTRACE", o->graph_notrace);
	set_env("DYNFTRACE_DEPTH", o->depth);
	set_env("DYNFTRACE_THRESH", o->thresh);
	set_env("DYNFTRACE_ARGS", o->args);
	set_env("DYNFTRACE_RETVAL", o->retval);
	set_env("DYNFTRACE_RING", o->ring);
	set_env("DYNFTRACE_MAX_SIZE", o->max_size);
	if (o->log)
		setenv("DYNFTRACE_LOG", o->log, 1);
	/* Library calls are taken from bound GOT slots (core/plt.c): bind
	 * them all at load time. */
	setenv("DYNFTRACE_LIBCALL", o->no_libcall ? "0" : "1", 1);
	/* Filters that select nothing are said once, here, at the end. */
	setenv("DYNFTRACE_CHECKED", "1", 1);
	if (!o->no_libcall)
		setenv("LD_BIND_NOW", "1", 1);

	patches = o->patches;
	pid = run(cmd, o->argv);
	write_info(dir, o, pid);
	status = wait_child(pid);
	end_info(dir, status);
	/* A spec that named no function: the run did not record what was
	 * asked. The command's own failure status comes first. */
	if (summarise(dir, o, o->argv[0]) && !status)
		status = 1;
	free(preload);
	free(lib);
	free(cmd);
	free(dir);
	return status;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;

	record_parse(argc, argv, &o, record_usage);
	return o.pid ? record_pid(&o) : record_run(&o);
}
