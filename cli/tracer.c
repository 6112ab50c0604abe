// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracer behind usdtctl trace, latency and the runtime commands: attaches one BPF program
 * to every matching probe site (one link per object file) and prints each hit with its decoded
 * arguments, or counts and aggregates them in BPF.
 *
 * Lifecycle (this file): options (the command's file) -> probe patterns -> objects (TARGET,
 * -p, -c) -> scan their notes (which sizes the maps) -> open, size, load, attach, per-probe
 * config (tracer_bpf.c) -> start -> poll -> detach -> drain -> counts and summary
 * (tracer_loop.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "analysis.h"
#include "cli.h"
#include "latency.h"
#include "symbolize.h"
#include "target.h"
#include "trace.h"
#include "trace.skel.h"
#include "tracer_internal.h"
#include "usdt.h"

#define STDOUT_BUF (1u << 20)

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* errors reach the user as one line of usdtctl's; libbpf's own log on request */
	if ((level == LIBBPF_WARN && cli_env.verbose) || getenv("USDTCTL_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int add_sym_file(const char *open_path, const char *path, void *ctx)
{
	(void)path;
	symbolizer_add(ctx, open_path);
	return 0;
}

/*
 * --stack: the files stacks are symbolized from, by build id: the objects the scan found (the
 * libraries of a TARGET or -c's program among them), and with -p every object of the process.
 */
static int stack_setup(struct tracer *t)
{
	const char *dir = getenv("USDTCTL_DEBUG_DIR");
	struct symbolizer *s = symbolizer_new(dir ? dir : "/usr/lib/debug");

	if (!s)
		return cli_error(EXIT_RUNTIME, "out of memory");
	t->out.sym = s;
	t->out.stacks_fd = bpf_map__fd(t->skel->maps.stacks);
	/* the scan has the named files' libraries already (as the loader finds them) */
	for (size_t i = 0; i < t->sc.obj_cnt; i++) {
		if (trace_object_readable(&t->sc.objs[i]))
			symbolizer_add(s, t->sc.objs[i].path);
	}
	for (size_t i = 0; i < t->o.pid_cnt; i++)
		cli_pid_objects(t->o.pids[i], NULL, 0, NULL, add_sym_file, s);
	return 0;
}

/* A file a followed process maps, not seen before: its matching probes are attached. */
static int follow_arm(void *ctx, const char *open_path, const char *path)
{
	struct tracer *t = ctx;
	size_t oi;
	int err = trace_scan_add_mapped(&t->sc, open_path, path, t->probe_cap, &oi);

	if (err || oi == SIZE_MAX)
		return err;
	/* a file that fails is reported, the others are still traced */
	if (tracer_attach_object(t, &t->sc.objs[oi], -1))
		return 0;
	if (cli_env.verbose)
		cli_note("attached %zu sites in %s", usdt_link__site_cnt(t->sc.objs[oi].link),
			 path);
	if (t->out.sym)
		symbolizer_add(t->out.sym, t->sc.objs[oi].path);
	return tracer_setup_probes(t);
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
	size_t objs = 0, sites = 0, probes;
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
	t0 = tracer_now_ns();
	/* following: one link per file, the program keeps the followed processes' hits */
	err = tracer_attach_all(t, t->fol ? -1 : pid, &objs, &sites);
	if (!err && tracer_pid_gone(t))
		err = tracer_gone_error(t);
	if (!err)
		err = tracer_setup_probes(t);
	if (!err && t->fol)
		err = start_follow(t, &objs, &sites);
	probes = t->out.probe_cnt;
	if (!err)
		err = analysis_check_probes(&t->o.an, t->out.probes, t->out.probe_cnt);
	if (!err && t->o.an.stack)
		err = stack_setup(t);
	if (err)
		return err;
	err = tracer_open_ring(t);
	if (err)
		return err;
	trace_out_prepare(&t->out);
	if (!t->o.json && !t->o.count && !t->o.perfetto && !t->o.on_event)
		trace_out_header(&t->out);
	if (!t->o.json && !t->o.perfetto && t->o.an.lat.send_pairs)
		latency_out_slow_header(&t->out);
	fflush(t->out.f);
	t->start_ns = t->out.start_ns = tracer_now_ns();
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
		sites, probes, objs, (unsigned long long)(tracer_now_ns() - t0) / 1000000);
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
		err = runtime_needs_scan(&t->sc, t->o.probes, t->o.probe_cnt, t->o.cmd,
					 t->o.runtimes, &t->np);
	if (err)
		return err;
	t->cat = catalog_load();
	if (!t->cat)
		return cli_error(EXIT_RUNTIME, "out of memory");
	err = tracer_load_bpf(t);
	if (!err)
		err = start_trace(t);
	if (err)
		return err;
	counts = calloc(t->probe_cap, sizeof(*counts));
	if (!counts)
		return cli_error(EXIT_RUNTIME, "out of memory");
	err = tracer_run_loop(t, counts, &ticks);
	/* what was counted is still shown after a failure; the first error is the exit code */
	fin = tracer_finish(t, counts, ticks);
	free(counts);
	return err ? err : fin;
}

int tracer_main(const struct trace_opts *o)
{
	struct tracer t = {.o = *o, .pidfd = -1, .child = {.go_fd = -1}};
	int err;

	libbpf_set_print(libbpf_print);
	tracer_install_signals();
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
