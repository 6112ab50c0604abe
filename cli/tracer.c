// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracer behind usdtctl trace, latency and the runtime commands: attaches one BPF program
 * to every matching probe site (one link per object file) and prints each hit with its decoded
 * arguments, or counts and aggregates them in BPF.
 *
 * Lifecycle: options (the command's file) -> probe patterns -> objects (TARGET, -p, -c) -> scan
 * their notes (which sizes the maps) -> open, size, load -> attach -> per-probe config -> start ->
 * poll -> detach
 * -> drain -> counts and summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "analysis.h"
#include "catalog.h"
#include "cli.h"
#include "latency.h"
#include "symbolize.h"
#include "percpu.h"
#include "runtime_needs.h"
#include "target.h"
#include "trace.h"
#include "trace.skel.h"
#include "trace_cmd.h"
#include "trace_export.h"
#include "trace_follow.h"
#include "trace_output.h"
#include "trace_pids.h"
#include "trace_scan.h"
#include "tracer.h"
#include "uprobe_multi.h"
#include "usdt.h"

#define RINGBUF_SIZE  (16u << 20)
#define STDOUT_BUF    (1u << 20)
#define NO_PIDFD_POLL 200   /* ms between kill(pid, 0) checks without pidfd_open */
#define COUNT_N_POLL  100   /* ms between total checks for --count -n */
#define AGG_SETTLE_US 10000 /* -i: hits that read the old interval are done after this */
/* following processes: room for the probes and argument specs of the files they map later */
#define FOLLOW_PROBES 4096
#define FOLLOW_SPECS  8192

struct tracer {
	struct trace_opts o;
	struct trace_scan sc;
	struct needs_probes np; /* with those attached for their semaphores only */
	struct catalog *cat;
	struct trace *skel;
	struct usdt_manager *man;
	struct ring_buffer *rb;
	struct trace_out out;
	struct trace_child child;
	struct trace_export exp;
	struct follower *fol; /* -c, -p --follow, system-wide */
	size_t probe_cap;     /* probe ids the maps hold */
	__u64 cgroup_id;      /* --cgroup, resolved; 0: none */
	__u32 cgroup_level;
	struct trace_pids pids; /* -p: the trace ends when the last one exits */
	int pidfd;
	pid_t watch_pid; /* -c: the trace ends when it exits */
	__u64 events;
	__u64 start_ns;
	__u32 gen; /* aggregates with -i: the interval hits count in */
	bool stop; /* -n reached, or stdout failed */
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* errors reach the user as one line of usdtctl's; libbpf's own log on request */
	if ((level == LIBBPF_WARN && cli_env.verbose) || getenv("USDTCTL_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* ---- BPF: open, size, load; attach; per-probe config -------------------------------------- */

static int bpf_failure(const char *what, int err)
{
	err = err < 0 ? -err : err;
	if (err == EPERM || err == EACCES)
		return cli_error(EXIT_RUNTIME, "%s: %s: needs root or CAP_BPF+CAP_PERFMON", what,
				 strerror(err));
	/* out of descriptors or memory makes the probe fail too: only EINVAL says "unknown" */
	if (err == EINVAL && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 0)
		return cli_error(EXIT_RUNTIME, "%s: the kernel lacks BPF ring buffers (Linux 5.8+)",
				 what);
	return cli_error(EXIT_RUNTIME, "%s: %s (USDTCTL_DEBUG=1 shows libbpf's log)", what,
			 strerror(err));
}

/* Which processes the program keeps: the followed ones, those of --cgroup. */
static int set_scope(struct tracer *t, struct trace *s)
{
	s->rodata->cgroup_id = t->cgroup_id;
	s->rodata->cgroup_level = t->cgroup_level;
	s->rodata->follow_only = t->fol && (t->o.cmd || t->o.pid);
	return t->fol ? bpf_map__reuse_fd(s->maps.followed, follower_followed_fd(t->fol)) : 0;
}

static int load_bpf(struct tracer *t)
{
	struct usdt_manager_opts mopts = {
		.sz = sizeof(mopts),
		.max_specs = t->sc.site_cnt + (t->fol ? FOLLOW_SPECS : 0),
	};
	struct trace *s;
	int err;

	t->probe_cap = t->sc.found_cnt + (t->fol ? FOLLOW_PROBES : 0);
	if (!t->probe_cap)
		t->probe_cap = 1;
	s = t->skel = trace__open();
	if (!s)
		return bpf_failure("opening the tracer", errno);
	s->rodata->str_max = t->out.str_max;
	s->rodata->quiet_probes = t->np.all != NULL;
	err = set_scope(t, s);
	if (!err)
		err = analysis_configure(&t->o.an, s, t->probe_cap);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.counts, t->probe_cap);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.probe_cfg, t->probe_cap);
	/* --count sends no events: the smallest ring buffer there is */
	if (!err)
		err = bpf_map__set_max_entries(s->maps.events, t->o.count && !t->o.an.lat.send_pairs
								       ? (__u32)getpagesize()
								       : RINGBUF_SIZE);
	if (err)
		return bpf_failure("sizing the tracer's maps", err);
	err = usdt_program_prepare(s->progs.usdtctl_trace,
				   cli_env.legacy_attach ? USDT_MODE_LEGACY : USDT_MODE_AUTO);
	if (err)
		return bpf_failure("preparing the tracer", err);
	t->man = usdt_manager__new(s->obj, &mopts);
	if (!t->man)
		return bpf_failure("creating the USDT manager", errno);
	err = trace__load(s);
	if (err)
		return bpf_failure("loading the tracer", err);
	return 0;
}

/*
 * -p: has a process whose pidfd was opened before its maps were read exited? Then its pid may
 * name another process now, which the links must not trace.
 */
static bool pid_gone(const struct tracer *t)
{
	return trace_pids_gone(&t->pids) != 0;
}

static int gone_error(const struct tracer *t)
{
	return cli_error(EXIT_RUNTIME, "process %d exited before its probes were attached",
			 trace_pids_gone(&t->pids));
}

static int attach_object(struct tracer *t, struct trace_object *o, pid_t pid)
{
	struct usdt_attach_opts aopts = {.sz = sizeof(aopts), .skip_bad_sites = true};
	const char *why;
	int err;

	cli_clear_lib_message();
	cli_hold_lib_warnings(o->path, o->shown);
	o->link = usdt_plan__attach(o->plan, t->man, t->skel->progs.usdtctl_trace, pid, &aopts);
	err = o->link ? 0 : errno;
	trace_scan_attached(o);
	cli_release_lib_warnings(o->link);
	if (o->link)
		return 0;
	if (pid_gone(t))
		return gone_error(t);
	if (err == EPERM || err == EACCES)
		return cli_error(EXIT_RUNTIME,
				 "%s: attaching: %s: needs root or CAP_BPF+CAP_PERFMON", o->shown,
				 strerror(err));
	why = cli_last_lib_message();
	/* the library's "FILE: attaching N USDT site(s) failed: WHY": FILE and N are said here */
	if (why && strstr(why, " failed: ") && !strncmp(why, o->shown, strlen(o->shown)))
		why = strstr(why, " failed: ") + strlen(" failed: ");
	return cli_error(EXIT_RUNTIME, "%s: attaching %zu sites failed: %s", o->shown, o->site_cnt,
			 why ? why : strerror(err));
}

static int attach_all(struct tracer *t, pid_t pid, size_t *objs, size_t *sites)
{
	for (size_t i = 0; i < t->sc.obj_cnt; i++) {
		struct trace_object *o = &t->sc.objs[i];
		int err;

		if (!o->glob_cnt)
			continue;
		/* -p: each process's files are objects of their own */
		err = attach_object(t, o, t->fol ? -1 : o->pid ? o->pid : pid);
		if (err)
			return err;
		(*objs)++;
		*sites += usdt_link__site_cnt(o->link);
	}
	return 0;
}

/* One probe id: names, formats, type list (the PROBE's, or the catalog's), BPF config. */
static int setup_probe(struct tracer *t, __u32 id, const struct usdt_probe_info *info,
		       const struct found_probe *f)
{
	struct trace_probe_desc *d = &t->out.probes[id];
	const struct trace_pattern *pats = t->sc.pats;
	struct trace_probe_cfg cfg;
	int err = trace_desc_init(d, info->provider, info->name);

	if (err)
		return err;
	d->arg_cnt = info->arg_cnt;
	if (f) {
		memcpy(d->fmt, f->fmt, sizeof(d->fmt));
		if (pats[f->pat].has_types)
			d->types = pats[f->pat].types;
	}
	if (!f || !pats[f->pat].has_types)
		catalog_lookup(t->cat, info->provider, info->name, &d->types);
	for (int i = 0; i < d->types.cnt; i++) {
		if (d->types.type[i] == ARG_HEX)
			d->fmt[i] = FMT_HEX;
	}
	cfg.str_mask = arg_types_mask(&d->types, ARG_STR);
	cfg.strn_mask = arg_types_mask(&d->types, ARG_STRN);
	cfg.role = 0;
	if (t->o.an.latency && f) {
		cfg.role = latency_role(&t->sc, f);
		if (cfg.role == (LAT_START | LAT_END))
			return -EINVAL;
	}
	if (f && runtime_needs_quiet(&t->sc, &t->np, f)) {
		cfg.role = TRACE_ROLE_QUIET;
		d->quiet = true;
	}
	err = bpf_map__update_elem(t->skel->maps.probe_cfg, &id, sizeof(id), &cfg, sizeof(cfg), 0);
	return err;
}

/* What the scan found for each probe id of n that the objects' links hold (NULL: nothing). */
static void found_of_ids(const struct tracer *t, const struct found_probe **found, __u32 n)
{
	struct usdt_probe_info info;

	for (size_t oi = 0; oi < t->sc.obj_cnt; oi++) {
		size_t cnt = 0;
		const __u32 *ids = t->sc.objs[oi].link
					   ? usdt_link__probe_ids(t->sc.objs[oi].link, &cnt)
					   : NULL;

		for (size_t k = 0; k < cnt; k++) {
			if (ids[k] < n && !usdt_manager__probe_info(t->man, ids[k], &info))
				found[ids[k]] =
					trace_scan_find(&t->sc, oi, k, info.provider, info.name);
		}
	}
}

/* The probes attached since the last call (all, the first time). */
static int setup_probes(struct tracer *t, size_t *cnt)
{
	const struct found_probe **found;
	struct trace_probe_desc *d;
	struct usdt_probe_info info;
	__u32 n = t->out.probe_cnt;
	int err = 0;

	/* probe ids are dense from 0, one per (object, provider, name) attached */
	while (usdt_manager__probe_info(t->man, n, &info) == 0)
		n++;
	if (n > t->sc.found_cnt || n > t->probe_cap)
		return cli_error(EXIT_RUNTIME, "internal: %u probes attached, %zu expected", n,
				 t->sc.found_cnt);
	d = realloc(t->out.probes, (n ? n : 1) * sizeof(*d));
	if (!d)
		return cli_error(EXIT_RUNTIME, "out of memory");
	t->out.probes = d;
	memset(d + t->out.probe_cnt, 0, (n - t->out.probe_cnt) * sizeof(*d));
	found = calloc(n ? n : 1, sizeof(*found));
	if (!found)
		return cli_error(EXIT_RUNTIME, "out of memory");
	found_of_ids(t, found, n);
	for (__u32 id = t->out.probe_cnt; id < n && !err; id++) {
		usdt_manager__probe_info(t->man, id, &info);
		err = setup_probe(t, id, &info, found[id]);
		t->out.probe_cnt = id + 1;
	}
	free(found);
	if (err == -EINVAL)
		return cli_error(EXIT_USAGE, "%s: %s:%s matches both START and END", t->o.an.cmd,
				 info.provider, info.name);
	if (err)
		return cli_error(EXIT_RUNTIME, "setting up probe %s:%s: %s", info.provider,
				 info.name, strerror(-err));
	*cnt = n;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	if (t->o.on_event && trace_event_valid(&t->out, data, size))
		t->o.on_event(t->o.event_ctx, &t->out, data);
	else if (t->o.on_event)
		t->out.malformed++;
	else if (t->exp.pf)
		trace_export_record(&t->exp, &t->out, data, size);
	else if (t->o.an.latency)
		latency_out_slow(&t->out, &t->o.an, data, size);
	else
		trace_out_event(&t->out, data, size);
	/* -n reached, or a closed pipe: nothing more can be shown */
	if (++t->events == t->o.max_events || ferror_unlocked(t->out.f)) {
		t->stop = true;
		return -ECANCELED;
	}
	return 0;
}

static int add_sym_file(const char *open_path, const char *path, void *ctx)
{
	(void)path;
	symbolizer_add(ctx, open_path);
	return 0;
}

/*
 * --stack: the files stacks are symbolized from, by build id: the objects traced, the
 * libraries of those named (a TARGET, -c's program), and with -p every object of the process.
 */
static int stack_setup(struct tracer *t)
{
	const char *dir = getenv("USDTCTL_DEBUG_DIR");
	struct symbolizer *s = symbolizer_new(dir ? dir : "/usr/lib/debug");

	if (!s)
		return cli_error(EXIT_RUNTIME, "out of memory");
	t->out.sym = s;
	t->out.stacks_fd = bpf_map__fd(t->skel->maps.stacks);
	for (size_t i = 0; i < t->sc.obj_cnt; i++) {
		const struct trace_object *o = &t->sc.objs[i];
		char **libs = NULL;
		size_t cnt = 0;

		symbolizer_add(s, o->path);
		if (o->named && !trace_cmd_libraries(o->path, &libs, &cnt)) {
			for (size_t k = 0; k < cnt; k++)
				symbolizer_add(s, libs[k]);
		}
		for (size_t k = 0; k < cnt; k++)
			free(libs[k]);
		free(libs);
	}
	for (size_t i = 0; i < t->o.pid_cnt; i++)
		cli_pid_objects(t->o.pids[i], NULL, 0, NULL, add_sym_file, s);
	return 0;
}

/* A file a followed process maps, not seen before: its matching probes are attached. */
static int follow_arm(void *ctx, const char *open_path, const char *path)
{
	struct tracer *t = ctx;
	size_t oi, probes;
	int err = trace_scan_add_mapped(&t->sc, open_path, path, &oi);

	if (err || oi == SIZE_MAX)
		return err;
	if (t->sc.found_cnt > t->probe_cap) {
		cli_warn("%s: not traced: more than %zu probes", path, t->probe_cap);
		return 0;
	}
	/* a file that fails is reported, the others are still traced */
	if (attach_object(t, &t->sc.objs[oi], -1))
		return 0;
	if (cli_env.verbose)
		cli_note("attached %zu sites in %s", usdt_link__site_cnt(t->sc.objs[oi].link),
			 path);
	if (t->out.sym)
		symbolizer_add(t->out.sym, t->sc.objs[oi].path);
	return setup_probes(t, &probes);
}

/* Following: what the processes map now is attached as well; the objects attached in all. */
static int start_follow(struct tracer *t, size_t *objs, size_t *sites)
{
	int err = follower_begin(t->fol, &t->o, t->child.pid);

	*objs = *sites = 0;
	for (size_t i = 0; i < t->sc.obj_cnt; i++) {
		if (t->sc.objs[i].link) {
			(*objs)++;
			*sites += usdt_link__site_cnt(t->sc.objs[i].link);
		}
	}
	return err;
}

/* Attaches everything, configures the probes, and starts the trace (and the command). */
static int start_trace(struct tracer *t)
{
	size_t objs = 0, sites = 0, probes = 0;
	pid_t pid = t->o.pid ? t->o.pid : -1;
	__u64 t0;
	int err;

	if (t->o.cmd) {
		err = trace_child_spawn(&t->child, t->o.cmd);
		if (err)
			return cli_error(EXIT_RUNTIME, "-c: cannot start '%s': %s", t->o.cmd,
					 strerror(-err));
		pid = t->child.pid;
	}
	t0 = now_ns();
	/* following: one link per file, the program keeps the followed processes' hits */
	err = attach_all(t, t->fol ? -1 : pid, &objs, &sites);
	if (!err && pid_gone(t))
		err = gone_error(t);
	if (!err)
		err = setup_probes(t, &probes);
	if (!err && t->fol)
		err = start_follow(t, &objs, &sites);
	probes = t->out.probe_cnt;
	if (!err)
		err = analysis_check_probes(&t->o.an, t->out.probes, t->out.probe_cnt);
	if (!err && t->o.an.stack)
		err = stack_setup(t);
	if (err)
		return err;
	if (!t->o.count || t->o.an.lat.send_pairs) {
		t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
		if (!t->rb)
			return bpf_failure("opening the ring buffer", errno);
	}
	trace_out_prepare(&t->out);
	if (!t->o.json && !t->o.count && !t->o.perfetto && !t->o.on_event)
		trace_out_header(&t->out);
	if (!t->o.json && !t->o.perfetto && t->o.an.lat.send_pairs)
		latency_out_slow_header(&t->out);
	fflush(t->out.f);
	t->start_ns = t->out.start_ns = now_ns();
	err = trace_export_start(&t->exp, &t->out, &t->sc,
				 &(struct trace_export_maps){
					 .counts = bpf_map__fd(t->skel->maps.counts),
					 .stats = bpf_map__fd(t->skel->maps.stats),
					 .agg = bpf_map__fd(t->skel->maps.agg_map),
					 .agg_arr = bpf_map__fd(t->skel->maps.agg_arr),
					 .agg_arr_probes = t->skel->rodata->agg_arr_probes,
					 .stacks = t->out.stacks_fd,
				 },
				 t->start_ns);
	if (err)
		return err;
	/* an on_event command (flow) draws its own slices */
	t->out.exp = t->exp.pf ? &t->exp : NULL;
	t->skel->bss->ready = true;
	fprintf(stderr, "usdtctl: attached %zu sites of %zu probes in %zu objects in %llu ms\n",
		sites, probes, objs, (unsigned long long)(now_ns() - t0) / 1000000);
	if (t->o.cmd) {
		err = trace_child_start(&t->child);
		if (err)
			return cli_error(EXIT_RUNTIME, "-c: cannot start '%s': %s", t->o.cmd,
					 strerror(-err));
	}
	t->watch_pid = t->child.pid > 0 ? t->child.pid : 0;
	if (t->watch_pid && t->pidfd < 0)
		t->pidfd = syscall(SYS_pidfd_open, t->watch_pid, 0);
	return 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

/* Running totals per probe id (counts must hold out.probe_cnt); returns their sum. */
static __u64 read_counts(struct tracer *t, __u64 *counts)
{
	int fd = bpf_map__fd(t->skel->maps.counts);
	__u64 total = 0;

	for (__u32 id = 0; id < t->out.probe_cnt; id++) {
		if (percpu_sum(fd, id, &counts[id]))
			counts[id] = 0;
		total += counts[id];
	}
	return total;
}

/*
 * --count and the aggregates: prints what the maps gathered since the last report (interval
 * 1, 2, ... with -i; 0 for a plain total). With -i, hits move on to the next interval's keys
 * first: the program runs for microseconds, so after a moment the older keys are complete.
 */
static void report(struct tracer *t, __u64 *counts, int interval, bool last)
{
	struct agg_out ao = {
		.f = t->out.f,
		.json = t->o.json,
		.opts = &t->o.an.agg,
		.probes = t->out.probes,
		.probe_cnt = t->out.probe_cnt,
		.end = t->o.an.latency ? t->o.an.end : NULL,
		.sym = t->out.sym,
		.stacks_fd = t->out.stacks_fd,
		.folded = t->o.an.folded,
		.arr_fd = bpf_map__fd(t->skel->maps.agg_arr),
		.arr_probes = t->skel->rodata->agg_arr_probes,
	};
	long long err;

	if (!analysis_aggregates(&t->o.an)) {
		read_counts(t, counts);
		trace_out_counts(&t->out, counts, interval);
		return;
	}
	if (!last) {
		t->skel->bss->gen = ++t->gen;
		usleep(AGG_SETTLE_US);
	}
	err = agg_print(&ao, bpf_map__fd(t->skel->maps.agg_map), t->gen, interval, last);
	if (err < 0)
		cli_warn("reading the aggregates: %s", strerror((int)-err));
}

static bool target_alive(struct tracer *t)
{
	if (t->pids.cnt)
		return trace_pids_alive(&t->pids);
	if (!t->watch_pid)
		return true;
	if (t->pidfd >= 0)
		return true; /* its exit shows up in the poll */
	/* a child stays a zombie until reaped: kill() still finds it */
	if (t->child.pid > 0) {
		siginfo_t si = {0};

		return waitid(P_PID, t->child.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		       si.si_pid == 0;
	}
	return kill(t->watch_pid, 0) == 0 || errno != ESRCH;
}

static int poll_timeout(struct tracer *t, __u64 now, __u64 deadline, __u64 next_tick)
{
	__u64 until = deadline;
	long ms;
	int http;

	if (next_tick && (!until || next_tick < until))
		until = next_tick;
	ms = until ? (long)((until > now ? until - now : 0) / 1000000) + 1 : -1;
	if (((t->watch_pid && t->pidfd < 0) || trace_pids_polled(&t->pids)) &&
	    (ms < 0 || ms > NO_PIDFD_POLL))
		ms = NO_PIDFD_POLL;
	if (t->o.count && t->o.max_events && (ms < 0 || ms > COUNT_N_POLL))
		ms = COUNT_N_POLL;
	/* events below the wakeup threshold are picked up by polling */
	if (t->rb && (ms < 0 || ms > TRACE_POLL_MS))
		ms = TRACE_POLL_MS;
	http = trace_export_timeout_ms(&t->exp);
	if (http >= 0 && (ms < 0 || ms > http))
		ms = http;
	return ms;
}

static int run_loop(struct tracer *t, __u64 *counts, int *ticks)
{
	struct epoll_event ev = {.events = EPOLLIN}, evs[4];
	__u64 deadline = 0, next_tick = 0, step = t->o.interval_s * 1e9;
	int ep = epoll_create1(EPOLL_CLOEXEC), err = 0;

	if (ep < 0)
		return cli_error(EXIT_RUNTIME, "epoll: %s", strerror(errno));
	if (t->rb) {
		ev.data.u32 = 1;
		epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(t->rb), &ev);
	}
	if (t->pidfd >= 0) {
		ev.data.u32 = 2;
		epoll_ctl(ep, EPOLL_CTL_ADD, t->pidfd, &ev);
	}
	trace_pids_watch(&t->pids, ep);
	if (trace_export_fd(&t->exp) >= 0) {
		ev.data.u32 = 3;
		epoll_ctl(ep, EPOLL_CTL_ADD, trace_export_fd(&t->exp), &ev);
	}
	if (t->fol) {
		ev.data.u32 = 4;
		epoll_ctl(ep, EPOLL_CTL_ADD, follower_fd(t->fol), &ev);
	}
	if (t->o.duration_s)
		deadline = t->start_ns + (__u64)(t->o.duration_s * 1e9);
	if (step)
		next_tick = t->start_ns + step;
	while (!exiting && !t->stop) {
		__u64 now = now_ns();
		int n = epoll_wait(ep, evs, 4, poll_timeout(t, now, deadline, next_tick));
		bool gone = false;

		for (int i = 0; i < n; i++) {
			gone |= evs[i].data.u32 == 2;
			trace_pids_exited(&t->pids, ep, evs[i].data.u32);
		}
		if (t->rb && ring_buffer__consume(t->rb) < 0 && !t->stop)
			break;
		trace_export_work(&t->exp);
		if (t->fol && (err = follower_work(t->fol)))
			break; /* reported */
		if (fflush(t->out.f) || ferror(t->out.f))
			break; /* a closed pipe or a full disk: nothing more can be shown */
		if (gone || !target_alive(t))
			break;
		now = now_ns();
		if (deadline && now >= deadline)
			break;
		if (next_tick && now >= next_tick) {
			report(t, counts, ++*ticks, false);
			trace_export_counts(&t->exp, counts, now);
			fflush(t->out.f);
			next_tick += step;
		}
		if (t->o.count && t->o.max_events && read_counts(t, counts) >= t->o.max_events)
			break;
	}
	close(ep);
	return err;
}

/* Stops the command, detaches, shows what is left, the counts and the summary. */
static int finish_trace(struct tracer *t, __u64 *counts, int ticks)
{
	struct trace_summary s = {0};
	int fd = bpf_map__fd(t->skel->maps.stats);
	__u64 bad = 0, dropped = 0, no_value = 0, no_stack = 0;
	int err;

	/* nothing is stopped or armed from here on */
	if (t->fol)
		trace_scan_warn_unmatched(&t->sc);
	follower_free(t->fol);
	t->fol = NULL;
	/* -c: the command ends with the trace, not untraced after it */
	if (t->child.pid > 0)
		s.have_status = trace_child_finish(&t->child, &s.status) == 0;
	/*
	 * Hits stop counting before the links go: a detach takes up to seconds (0.08 s a site
	 * with --legacy-attach) while nothing drains the ring buffer, and its hits are no part
	 * of the trace. duration_ns is the time hits were counted.
	 */
	t->skel->bss->ready = false;
	s.duration_ns = now_ns() - t->start_ns;
	for (size_t i = 0; i < t->sc.obj_cnt; i++) {
		usdt_link__destroy(t->sc.objs[i].link);
		t->sc.objs[i].link = NULL;
	}
	if (t->rb && !t->stop)
		ring_buffer__consume(t->rb);
	if (t->o.count) {
		s.events = read_counts(t, counts);
		report(t, counts, ticks ? ticks + 1 : 0, true);
		trace_export_counts(&t->exp, counts, now_ns());
	} else {
		s.events = t->events;
	}
	percpu_sum(fd, TRACE_STAT_LOST, &s.lost);
	percpu_sum(fd, TRACE_STAT_BAD_ID, &bad);
	percpu_sum(fd, TRACE_STAT_DROPPED, &dropped);
	percpu_sum(fd, TRACE_STAT_NO_VALUE, &no_value);
	percpu_sum(fd, TRACE_STAT_NO_STACK, &no_stack);
	if (t->o.an.latency)
		latency_report(&t->out, fd);
	trace_out_summary(&t->out, &s);
	err = trace_export_close(&t->exp);
	if (dropped)
		cli_warn("%llu hits were not aggregated: more than %u keys (raise --max-keys)",
			 (unsigned long long)dropped, t->o.an.agg.max_keys);
	if (no_stack)
		cli_warn("%llu hits without their stack: the stack map was full or two stacks "
			 "collided in it (raise --max-keys)",
			 (unsigned long long)no_stack);
	if (no_value)
		cli_warn("%llu hits were not aggregated: arg%d could not be read",
			 (unsigned long long)no_value, t->o.an.agg.cfg.value_arg);
	if (s.lost)
		cli_warn("%llu events were lost: the ring buffer was full (output too slow?)",
			 (unsigned long long)s.lost);
	if (bad || t->out.malformed)
		cli_warn("%llu hits of unknown probes, %llu malformed events",
			 (unsigned long long)bad, (unsigned long long)t->out.malformed);
	return err;
}

static void tracer_free(struct tracer *t)
{
	int status;

	follower_free(t->fol);
	for (size_t i = 0; i < t->sc.obj_cnt; i++)
		usdt_link__destroy(t->sc.objs[i].link);
	if (t->child.pid > 0)
		trace_child_finish(&t->child, &status);
	if (t->pidfd >= 0)
		close(t->pidfd);
	trace_pids_close(&t->pids);
	trace_export_free(&t->exp);
	ring_buffer__free(t->rb);
	symbolizer_free(t->out.sym);
	usdt_manager__free(t->man);
	trace__destroy(t->skel);
	for (size_t i = 0; i < t->out.probe_cnt; i++)
		trace_desc_free(&t->out.probes[i]);
	free(t->out.probes);
	trace_scan_free(&t->sc);
	runtime_needs_free(&t->np);
	catalog_free(t->cat);
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	/* no SA_RESTART: the poll returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* -c, -p --follow, every process: the follower, and --cgroup. */
static int trace_follow_open(struct tracer *t)
{
	struct follow_opts fo = {.arm = follow_arm, .ctx = t};
	int err = follower_for(&t->o, &fo, &t->fol);

	t->cgroup_id = fo.cgroup_id;
	t->cgroup_level = fo.cgroup_level;
	t->sc.follow = t->fol != NULL;
	return err;
}

static int trace_run(struct tracer *t)
{
	__u64 *counts;
	int err, fin, ticks = 0;

	t->sc.pid = t->o.pid;
	t->sc.pids = t->o.pids;
	t->sc.pid_cnt = t->o.pid_cnt;
	t->sc.cmd = t->o.cmd;
	t->sc.target = t->o.target;
	err = trace_follow_open(t);
	if (err)
		return err;
	/* before their maps are read: the processes, not whichever ones get their pids later */
	err = trace_pids_open(&t->pids, t->o.pids, t->o.pid_cnt);
	if (err)
		return cli_error(EXIT_RUNTIME, "process %d: no such process", -err);
	err = trace_export_open(&t->exp, &t->o);
	if (!err)
		err = trace_scan_patterns(&t->sc, t->o.probes, t->o.probe_cnt);
	if (!err)
		err = trace_scan_objects(&t->sc);
	if (!err)
		err = trace_scan_sites(&t->sc);
	if (!err)
		err = trace_scan_check(&t->sc);
	if (!err)
		err = runtime_needs_scan(&t->sc, t->o.probes, t->o.probe_cnt, t->o.cmd, &t->np);
	if (err)
		return err;
	t->cat = catalog_load();
	if (!t->cat)
		return cli_error(EXIT_RUNTIME, "out of memory");
	err = load_bpf(t);
	if (!err)
		err = start_trace(t);
	if (err)
		return err;
	counts = calloc(t->probe_cap, sizeof(*counts));
	if (!counts)
		return cli_error(EXIT_RUNTIME, "out of memory");
	err = run_loop(t, counts, &ticks);
	/* what was counted is still shown after a failure; the first error is the exit code */
	fin = finish_trace(t, counts, ticks);
	free(counts);
	return err ? err : fin;
}

int tracer_main(const struct trace_opts *o)
{
	struct tracer t = {.o = *o, .pidfd = -1, .child = {.go_fd = -1}};
	int err;

	libbpf_set_print(libbpf_print);
	install_signals();
	t.out.f = stdout;
	/* -o: the trace in a file of its own, -c's command keeps stdout */
	if (o->output && !(t.out.f = fopen(o->output, "we")))
		return cli_error(EXIT_RUNTIME, "-o %s: %s", o->output, strerror(errno));
	setvbuf(t.out.f, NULL, _IOFBF, STDOUT_BUF);
	t.out.json = t.o.json;
	t.out.str_max = o->str_max ? o->str_max : TRACE_STR_MAX;
	/* --perfetto draws latency's pairs: BPF sends them all */
	t.o.an.lat.send_pairs |= t.o.perfetto && t.o.an.latency;
	err = trace_run(&t);
	tracer_free(&t);
	if ((fflush(t.out.f) || ferror(t.out.f)) && o->output && !err)
		err = cli_error(EXIT_RUNTIME, "-o %s: %s", o->output, strerror(errno));
	if (t.out.f != stdout)
		fclose(t.out.f);
	return err;
}
