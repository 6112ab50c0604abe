// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_bench: attach/detach and per-hit benchmarks of libusdt against the kernel floor and
 * libbpf's USDT support. Driven by tests/bench/run.sh, which formats the records it prints.
 *
 *   usdt_bench attach [-r REPS] [-p] [-v] BINARY GLOB
 *	libusdt (usdt_attach + usdt_link__destroy), its attach layer alone
 *	(usdt_attach_uprobe_multi with the offsets precomputed) and the raw BPF_LINK_CREATE of
 *	the same offsets, interleaved, REPS times each. -p: with "BINARY wait" running,
 *	attached by pid.
 *	Prints per method the medians of wall and CPU seconds and of the attach's page faults:
 *	attach <method> <idle|running> <sites> <attach> <attach CPU> <detach> <detach CPU> <faults>
 *	-v: each repetition to stderr, with the page faults of the attach.
 *   usdt_bench attach-once [-p] METHOD BINARY GLOB
 *	One attach + detach by METHOD (raw, layer, libusdt) in this fresh process, as a tool
 *	attaches once: a record as above, named "once".
 *   usdt_bench attach-libbpf [-p] BINARY PROVIDER NAME
 *	libbpf's bpf_program__attach_usdt (one perf_event uprobe per site), once.
 *   usdt_bench attach-user [-r REPS] BINARY GLOB
 *	CPU seconds of usdt_attach's own work, the kernel refusing the link at once (a pid that
 *	does not exist): user <first attach of the process> <median of the others>
 *   usdt_bench faults
 *	CPU microseconds of one page fault on a fresh anonymous page: faults <us>
 *   usdt_bench hit [-r REPS] [-n HITS] TARGET MODE...
 *	Runs "TARGET loop HITS" under each MODE (none, empty, args, libbpf-empty, libbpf-args),
 *	interleaved, REPS times, attached by pid before the target starts. Prints per mode:
 *	hit <mode> <ns per hit in the target's CPU time> <ns per hit in wall time> (medians)
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>

#include "compat.h"
#include "uprobe_multi.h"
#include "usdt.h"
#include "bench.skel.h"
#include "bench_libbpf.skel.h"

#define MAX_REPS  100
/* every probe of a generated binary has its own spec: room for 400,000 sites / 100 */
#define MAX_SPECS 8192

static bool verbose; /* -v: each repetition to stderr */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "usdt_bench: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wall time is what a user waits; this thread's CPU time (user + kernel, the syscalls run in
 * it) is what the attach costs, and stays put when other work shares the machine.
 */
struct stamp {
	double wall, cpu;
	long faults; /* minor page faults of this thread: ~20 us each on these VMs */
};

static struct stamp stamp(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (struct stamp){clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_THREAD_CPUTIME_ID),
			      ru.ru_minflt};
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ---- child processes ---------------------------------------------------------------------- */

/*
 * A child running argv, held before exec until child_go(): a tracer can attach by its pid
 * before it runs a single instruction of the target. Its stdout comes back through *out.
 */
struct child {
	pid_t pid;
	int gate; /* write end: closing it lets the child exec */
	FILE *out;
};

static void child_start(struct child *c, char *const argv[])
{
	int gate[2], out[2];
	char b;

	if (pipe(gate) || pipe(out))
		die("pipe: %s", strerror(errno));
	c->pid = fork();
	if (c->pid < 0)
		die("fork: %s", strerror(errno));
	if (c->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(gate[1]);
		close(out[0]);
		dup2(out[1], STDOUT_FILENO);
		/* the target's stdin is the gate: "wait" mode runs until usdt_bench closes it */
		dup2(gate[0], STDIN_FILENO);
		if (read(gate[0], &b, 1) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(gate[0]);
	close(out[1]);
	c->gate = gate[1];
	c->out = fdopen(out[0], "r");
	if (!c->out)
		die("fdopen: %s", strerror(errno));
}

/* Lets the child exec: one byte through the gate, which stays open as its stdin. */
static void child_go(struct child *c)
{
	if (write(c->gate, "g", 1) != 1)
		die("cannot start the child: %s", strerror(errno));
}

static void child_line(struct child *c, char *buf, size_t sz, const char *what)
{
	if (!fgets(buf, sz, c->out))
		die("%s: the target exited without output", what);
}

static void child_end(struct child *c)
{
	int status;

	close(c->gate);
	fclose(c->out);
	if (waitpid(c->pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("target %d failed (status 0x%x)", c->pid, status);
}

/* "BINARY wait" with its binary mapped: what a tracer attaching to a live process meets. */
static void child_wait_ready(struct child *c, const char *binary)
{
	char *argv[] = {(char *)binary, "wait", NULL};
	char line[64];

	child_start(c, argv);
	child_go(c);
	child_line(c, line, sizeof(line), binary);
	if (strncmp(line, "ready", 5))
		die("%s wait: unexpected output '%s'", binary, line);
}

/* ---- BPF objects -------------------------------------------------------------------------- */

struct objs {
	struct bench *skel;
	struct bench_libbpf *lb;
	struct usdt_manager *man;
};

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void objs_load(struct objs *o)
{
	struct usdt_manager_opts mopts = {.sz = sizeof(mopts), .max_specs = MAX_SPECS};
	struct bpf_program *raw;
	int err;

	libbpf_set_print(print_libbpf);
	o->skel = bench__open();
	if (!o->skel)
		die("bench.bpf.o: open: %s", strerror(errno));
	o->man = usdt_manager__new(o->skel->obj, &mopts);
	if (!o->man)
		die("usdt_manager__new: %s", strerror(errno));
	/* the floor: a program loaded for BPF_TRACE_UPROBE_MULTI, as the kernel requires */
	raw = o->skel->progs.raw;
	if (bpf_program__set_type(raw, BPF_PROG_TYPE_KPROBE) ||
	    bpf_program__set_expected_attach_type(raw, USDT_BPF_TRACE_UPROBE_MULTI))
		die("cannot prepare the raw program");
	err = usdt_program_prepare(o->skel->progs.empty, USDT_MODE_MULTI);
	if (!err)
		err = usdt_program_prepare(o->skel->progs.args, USDT_MODE_MULTI);
	if (err)
		die("usdt_program_prepare: %s", strerror(-err));
	err = bench__load(o->skel);
	if (err)
		die("bench.bpf.o: load: %s", strerror(-err));
	o->lb = bench_libbpf__open_and_load();
	if (!o->lb)
		die("bench_libbpf.bpf.o: open and load: %s", strerror(errno));
}

static void objs_free(struct objs *o)
{
	usdt_manager__free(o->man);
	bench__destroy(o->skel);
	bench_libbpf__destroy(o->lb);
}

/* ---- attach ------------------------------------------------------------------------------- */

/* The same sites libusdt attaches, as the arrays the kernel takes. */
struct sites {
	const char *path;
	unsigned long *offsets;
	__u64 *cookies;
	size_t cnt;
};

static void sites_collect(struct sites *s, const char *path, const char *glob)
{
	struct usdt_file_opts fopts = {.sz = sizeof(fopts)};
	struct usdt_file *f = usdt_file__open(path, &fopts);
	size_t n;

	if (!f)
		die("%s: %s", path, strerror(errno));
	n = usdt_file__site_cnt(f);
	s->path = path;
	s->offsets = calloc(n ? n : 1, sizeof(*s->offsets));
	s->cookies = calloc(n ? n : 1, sizeof(*s->cookies));
	if (!s->offsets || !s->cookies)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct usdt_site *site = usdt_file__site(f, i);

		if (!usdt_probe_match(glob, site->provider, site->name))
			continue;
		s->offsets[s->cnt] = site->file_offset;
		s->cookies[s->cnt] = s->cnt;
		s->cnt++;
	}
	usdt_file__close(f);
	if (!s->cnt)
		die("%s: no site matches '%s'", path, glob);
}

/* The floor: one BPF_LINK_CREATE syscall with the compat.h layout. */
static int raw_link_create(int prog_fd, const struct sites *s, pid_t pid)
{
	union bpf_attr attr;
	struct usdt_link_create_uprobe_multi *um = (void *)&attr;

	memset(&attr, 0, sizeof(attr));
	um->prog_fd = prog_fd;
	um->attach_type = USDT_BPF_TRACE_UPROBE_MULTI;
	um->path = (uintptr_t)s->path;
	um->offsets = (uintptr_t)s->offsets;
	um->cookies = (uintptr_t)s->cookies;
	um->cnt = s->cnt;
	um->pid = pid > 0 ? pid : 0;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

/* Per repetition: attach and detach, wall and CPU. */
struct timing {
	double attach[MAX_REPS], detach[MAX_REPS];
	double attach_cpu[MAX_REPS], detach_cpu[MAX_REPS];
	long faults[MAX_REPS]; /* of the attach */
	size_t sites;	       /* libusdt: sites in the link */
};

static void timing_set(struct timing *t, int rep, struct stamp t0, struct stamp t1, struct stamp t2,
		       const char *method)
{
	if (verbose)
		fprintf(stderr,
			"rep %d %-8s attach %6.2f ms CPU %5ld faults, detach %6.2f ms CPU\n", rep,
			method, (t1.cpu - t0.cpu) * 1e3, t1.faults - t0.faults,
			(t2.cpu - t1.cpu) * 1e3);
	t->attach[rep] = t1.wall - t0.wall;
	t->detach[rep] = t2.wall - t1.wall;
	t->attach_cpu[rep] = t1.cpu - t0.cpu;
	t->detach_cpu[rep] = t2.cpu - t1.cpu;
	t->faults[rep] = t1.faults - t0.faults;
}

static void time_raw(const struct objs *o, const struct sites *s, pid_t pid, struct timing *t,
		     int rep)
{
	struct stamp t0 = stamp(), t1, t2;
	int fd = raw_link_create(bpf_program__fd(o->skel->progs.raw), s, pid);

	if (fd < 0)
		die("raw BPF_LINK_CREATE of %zu sites: %s", s->cnt, strerror(errno));
	t1 = stamp();
	close(fd);
	t2 = stamp();
	timing_set(t, rep, t0, t1, t2, "raw");
}

static void time_libusdt(const struct objs *o, const char *path, const char *glob, pid_t pid,
			 size_t want, struct timing *t, int rep)
{
	struct stamp t0 = stamp(), t1, t2;
	struct usdt_link *link = usdt_attach(o->man, o->skel->progs.empty, pid, path, glob, NULL);

	if (!link)
		die("usdt_attach %s %s: %s", path, glob, strerror(errno));
	t1 = stamp();
	t->sites = usdt_link__site_cnt(link);
	if (want && t->sites != want)
		die("usdt_attach: %zu sites, the raw link %zu", t->sites, want);
	if (usdt_link__destroy(link))
		die("usdt_link__destroy: %s", strerror(errno));
	t2 = stamp();
	timing_set(t, rep, t0, t1, t2, "libusdt");
}

static void print_timing(const char *record, const char *method, bool running, size_t cnt,
			 const struct timing *t, int reps)
{
	double faults[MAX_REPS];

	for (int r = 0; r < reps; r++)
		faults[r] = t->faults[r];
	printf("%s\t%s\t%s\t%zu\t%.6f\t%.6f\t%.6f\t%.6f\t%.0f\n", record, method,
	       running ? "running" : "idle", cnt, median(t->attach, reps),
	       median(t->attach_cpu, reps), median(t->detach, reps), median(t->detach_cpu, reps),
	       median(faults, reps));
}

/*
 * The library's attach layer alone, with the offsets precomputed: what usdt_attach() costs
 * beyond it is the notes, the selection and the specs.
 */
static void time_layer(const struct objs *o, const struct sites *s, pid_t pid, struct timing *t,
		       int rep)
{
	struct usdt_uprobe_multi_opts uopts = {
		.sz = sizeof(uopts), .offsets = s->offsets, .cookies = s->cookies, .cnt = s->cnt};
	struct stamp t0 = stamp(), t1, t2;
	struct usdt_uprobe_link *link =
		usdt_attach_uprobe_multi(o->skel->progs.empty, pid, s->path, NULL, &uopts);

	if (!link)
		die("usdt_attach_uprobe_multi of %zu sites: %s", s->cnt, strerror(errno));
	t1 = stamp();
	usdt_uprobe_link__destroy(link);
	t2 = stamp();
	timing_set(t, rep, t0, t1, t2, "layer");
}

static int cmd_attach(int reps, bool running, const char *path, const char *glob)
{
	struct timing raw = {}, layer = {}, lib = {};
	struct child c = {.pid = -1};
	struct sites s = {};
	struct objs o = {};

	objs_load(&o);
	sites_collect(&s, path, glob);
	if (running)
		child_wait_ready(&c, path);
	for (int r = 0; r < reps; r++) {
		/* rotate who goes first, so that none always follows the same one */
		for (int k = 0; k < 3; k++) {
			switch ((r + k) % 3) {
			case 0:
				time_raw(&o, &s, c.pid, &raw, r);
				break;
			case 1:
				time_layer(&o, &s, c.pid, &layer, r);
				break;
			default:
				time_libusdt(&o, path, glob, c.pid, s.cnt, &lib, r);
			}
		}
	}
	if (running)
		child_end(&c);
	print_timing("attach", "raw", running, s.cnt, &raw, reps);
	print_timing("attach", "layer", running, s.cnt, &layer, reps);
	print_timing("attach", "libusdt", running, s.cnt, &lib, reps);
	free(s.offsets);
	free(s.cookies);
	objs_free(&o);
	return 0;
}

/*
 * One attach in a fresh process, as usdtctl does it: the first use of the library's memory
 * and of the file's pages is part of the cost. raw and layer get their offsets computed
 * beforehand (that is the floor's premise); libusdt starts from nothing, and its sites are
 * counted afterwards to check the link.
 */
static int cmd_attach_once(bool running, const char *method, const char *path, const char *glob)
{
	struct child c = {.pid = -1};
	struct timing t = {};
	struct sites s = {};
	struct objs o = {};

	objs_load(&o);
	if (strcmp(method, "libusdt"))
		sites_collect(&s, path, glob);
	if (running)
		child_wait_ready(&c, path);
	if (!strcmp(method, "raw"))
		time_raw(&o, &s, c.pid, &t, 0);
	else if (!strcmp(method, "layer"))
		time_layer(&o, &s, c.pid, &t, 0);
	else if (!strcmp(method, "libusdt"))
		time_libusdt(&o, path, glob, c.pid, 0, &t, 0);
	else
		die("attach-once: no method '%s' (raw, layer, libusdt)", method);
	if (running)
		child_end(&c);
	if (!s.cnt)
		sites_collect(&s, path, glob);
	if (t.sites && t.sites != s.cnt)
		die("usdt_attach: %zu sites, the file has %zu", t.sites, s.cnt);
	print_timing("once", method, running, s.cnt, &t, 1);
	free(s.offsets);
	free(s.cookies);
	objs_free(&o);
	return 0;
}

static int cmd_attach_libbpf(bool running, const char *path, const char *provider, const char *name)
{
	struct child c = {.pid = -1};
	struct timing t = {};
	struct sites s = {};
	struct objs o = {};
	struct bpf_link *link;
	struct stamp t0, t1;
	char glob[256];

	objs_load(&o);
	snprintf(glob, sizeof(glob), "%s:%s", provider, name);
	sites_collect(&s, path, glob);
	if (running)
		child_wait_ready(&c, path);
	t0 = stamp();
	link = bpf_program__attach_usdt(o.lb->progs.lb_empty, c.pid, path, provider, name, NULL);
	if (!link)
		die("bpf_program__attach_usdt %s %s: %s", path, glob, strerror(errno));
	t1 = stamp();
	bpf_link__destroy(link);
	timing_set(&t, 0, t0, t1, stamp(), "libbpf");
	if (running)
		child_end(&c);
	print_timing("attach", "libbpf", running, s.cnt, &t, 1);
	free(s.offsets);
	free(s.cookies);
	objs_free(&o);
	return 0;
}

/* A pid no process has: a child's, once it is reaped (pids are not reused that fast). */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/*
 * libusdt's own work in usdt_attach, without the kernel's: the link is asked for a pid that
 * does not exist, which the kernel refuses after one path lookup, before any uprobe. The
 * first attach of this fresh process, then the median of the others.
 */
static int cmd_attach_user(int reps, const char *path, const char *glob)
{
	pid_t nobody = dead_pid();
	double cpu[MAX_REPS];
	struct objs o = {};

	objs_load(&o);
	for (int r = 0; r < reps; r++) {
		struct stamp t0 = stamp();
		struct usdt_link *link =
			usdt_attach(o.man, o.skel->progs.empty, nobody, path, glob, NULL);

		cpu[r] = stamp().cpu - t0.cpu;
		if (link || errno != ESRCH)
			die("usdt_attach for pid %d: %s, expected ESRCH", nobody,
			    link ? "attached" : strerror(errno));
	}
	printf("user\t%.6f\t%.6f\n", cpu[0], reps > 1 ? median(cpu + 1, reps - 1) : cpu[0]);
	objs_free(&o);
	return 0;
}

/*
 * What a first touch of a fresh anonymous page costs here (the attach's arrays are such
 * pages): microseconds per page, median of 5 runs of 1,000 pages.
 */
static int cmd_faults(void)
{
	const size_t pages = 1000, page = sysconf(_SC_PAGESIZE);
	double cost[5];

	for (int r = 0; r < 5; r++) {
		struct stamp t0 = stamp(), t1;
		char *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		for (size_t i = 0; i < pages; i++)
			((volatile char *)p)[i * page] = 1;
		t1 = stamp();
		cost[r] = (t1.cpu - t0.cpu) / (t1.faults - t0.faults);
		munmap(p, pages * page);
	}
	printf("faults\t%.3f\n", median(cost, 5) * 1e6);
	return 0;
}

/* ---- per hit ------------------------------------------------------------------------------ */

enum hit_mode { HIT_NONE, HIT_EMPTY, HIT_ARGS, HIT_LB_EMPTY, HIT_LB_ARGS, HIT_MODE_CNT };

static const char *const hit_modes[HIT_MODE_CNT] = {"none", "empty", "args", "libbpf-empty",
						    "libbpf-args"};

static int hit_mode_of(const char *name)
{
	for (int i = 0; i < HIT_MODE_CNT; i++) {
		if (!strcmp(name, hit_modes[i]))
			return i;
	}
	return -1;
}

/* hit: the probes the programs attach to, and the loop of the target that fires them */
static const char *hit_glob = "bench:hit", *hit_loop = "loop";

/* Attaches mode's program to hit_glob of target in pid; returns a destroy-able handle. */
struct hit_link {
	struct usdt_link *ulink;
	struct bpf_link *blink;
};

static struct hit_link hit_attach(const struct objs *o, enum hit_mode mode, const char *target,
				  pid_t pid)
{
	struct hit_link l = {};

	switch (mode) {
	case HIT_EMPTY:
	case HIT_ARGS:
		l.ulink = usdt_attach(
			o->man, mode == HIT_EMPTY ? o->skel->progs.empty : o->skel->progs.args, pid,
			target, hit_glob, NULL);
		if (!l.ulink)
			die("usdt_attach %s %s: %s", target, hit_glob, strerror(errno));
		break;
	case HIT_LB_EMPTY:
	case HIT_LB_ARGS:
		l.blink = bpf_program__attach_usdt(mode == HIT_LB_EMPTY ? o->lb->progs.lb_empty
									: o->lb->progs.lb_args,
						   pid, target, "bench", "hit", NULL);
		if (!l.blink)
			die("bpf_program__attach_usdt %s bench:hit: %s", target, strerror(errno));
		break;
	default:
		break;
	}
	return l;
}

/* One run of "TARGET LOOP HITS": ns per hit in the target's CPU time and in wall time. */
struct hit_cost {
	double cpu, wall;
};

static struct hit_cost hit_run(const struct objs *o, enum hit_mode mode, const char *target,
			       const char *hits)
{
	char *argv[] = {(char *)target, (char *)hit_loop, (char *)hits, NULL};
	struct hit_cost cost;
	struct child c;
	struct hit_link l;
	char line[128];

	child_start(&c, argv);
	l = hit_attach(o, mode, target, c.pid);
	child_go(&c);
	child_line(&c, line, sizeof(line), target);
	child_end(&c);
	usdt_link__destroy(l.ulink);
	bpf_link__destroy(l.blink);
	if (sscanf(line, "%lf %lf", &cost.cpu, &cost.wall) != 2)
		die("%s loop: unexpected output '%s'", target, line);
	return cost;
}

static int cmd_hit(int reps, const char *hits, const char *target, char **modes, int mode_cnt)
{
	static double cpu[HIT_MODE_CNT][MAX_REPS], wall[HIT_MODE_CNT][MAX_REPS];
	enum hit_mode idx[HIT_MODE_CNT];
	struct objs o = {};

	if (mode_cnt > HIT_MODE_CNT)
		die("at most %d modes", HIT_MODE_CNT);
	for (int m = 0; m < mode_cnt; m++) {
		int i = hit_mode_of(modes[m]);

		if (i < 0)
			die("unknown mode '%s'", modes[m]);
		idx[m] = i;
	}
	objs_load(&o);
	for (int r = 0; r < reps; r++) {
		for (int m = 0; m < mode_cnt; m++) {
			struct hit_cost c = hit_run(&o, idx[m], target, hits);

			cpu[m][r] = c.cpu;
			wall[m][r] = c.wall;
		}
	}
	for (int m = 0; m < mode_cnt; m++)
		printf("hit\t%s\t%.2f\t%.2f\n", modes[m], median(cpu[m], reps),
		       median(wall[m], reps));
	objs_free(&o);
	return 0;
}

/* ---- main --------------------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: usdt_bench attach [-r REPS] [-p] [-v] BINARY GLOB\n"
		"       usdt_bench attach-once [-p] METHOD BINARY GLOB\n"
		"       usdt_bench attach-libbpf [-p] BINARY PROVIDER NAME\n"
		"       usdt_bench attach-user [-r REPS] BINARY GLOB\n"
		"       usdt_bench faults\n"
		"       usdt_bench hit [-r REPS] [-n HITS] [-g GLOB -l LOOP] TARGET MODE...\n"
		"MODE: none, empty, args, libbpf-empty, libbpf-args (bench:hit only)\n"
		"GLOB: the probes (default bench:hit); LOOP: the target's loop (default loop)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "", *hits = "1000000";
	bool running = false;
	int reps = 5, opt;

	/* a hung kernel call or target must not hang run.sh */
	alarm(600);
	optind = 2;
	while ((opt = getopt(argc, argv, "r:pn:vg:l:")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'p':
			running = true;
			break;
		case 'n':
			hits = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'g':
			hit_glob = optarg;
			break;
		case 'l':
			hit_loop = optarg;
			break;
		default:
			return usage();
		}
	}
	if (reps < 1 || reps > MAX_REPS || atol(hits) < 1)
		return usage();
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "attach") && argc == 2)
		return cmd_attach(reps, running, argv[0], argv[1]);
	if (!strcmp(cmd, "attach-once") && argc == 3)
		return cmd_attach_once(running, argv[0], argv[1], argv[2]);
	if (!strcmp(cmd, "attach-user") && argc == 2)
		return cmd_attach_user(reps, argv[0], argv[1]);
	if (!strcmp(cmd, "faults") && !argc)
		return cmd_faults();
	if (!strcmp(cmd, "attach-libbpf") && argc == 3)
		return cmd_attach_libbpf(running, argv[0], argv[1], argv[2]);
	if (!strcmp(cmd, "hit") && argc >= 2)
		return cmd_hit(reps, hits, argv[0], argv + 1, argc - 1);
	return usage();
}
