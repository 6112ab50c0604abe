// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracer's loop: polls the ring buffer, the traced processes, the exporters and the
 * follower until Ctrl-C, -d, -n or the traced processes' exit; reports the counts and
 * aggregates at each -i; then detaches, drains what is left and prints the summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "latency.h"
#include "percpu.h"
#include "trace.h"
#include "trace.skel.h"
#include "tracer_internal.h"
#include "usdt.h"

#define NO_PIDFD_POLL	 200   /* ms between kill(pid, 0) checks without pidfd_open */
#define COUNT_N_POLL	 100   /* ms between total checks for --count -n */
#define AGG_SETTLE_US	 10000 /* -i: hits that read the old interval are done after this */
/*
 * ring_buffer__consume() returns only once the ring is empty or on_event says stop: a process
 * firing nonstop into a slow output (a terminal, a pipe) keeps it from ever being empty, so
 * on_event stops after this many, and -d, Ctrl-C and the process's exit are checked between.
 */
#define EVENTS_PER_ROUND 1024
#define ROUND_OVER	 (-EAGAIN) /* on_event: more may wait, the loop's checks first */
/* after the detach, what the ring buffer still holds is shown for this long at most */
#define DRAIN_MAX_NS	 (2 * 1000000000ull)

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

void tracer_install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	/* no SA_RESTART: the poll returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

__u64 tracer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
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
	if (!--t->round_left || (exiting && !t->draining))
		return ROUND_OVER;
	return 0;
}

/*
 * At most EVENTS_PER_ROUND events: whether the ring buffer may hold more (0), is empty (1),
 * or the trace stopped (-1).
 */
static int consume_round(struct tracer *t)
{
	int n;

	t->round_left = EVENTS_PER_ROUND;
	n = ring_buffer__consume(t->rb);
	if (n == ROUND_OVER)
		return 0;
	return n < 0 || t->stop ? -1 : 1;
}

int tracer_open_ring(struct tracer *t)
{
	if (t->o.count && !t->o.an.lat.send_pairs)
		return 0;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	return t->rb ? 0 : tracer_bpf_failure("opening the ring buffer", errno);
}

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

int tracer_run_loop(struct tracer *t, __u64 *counts, int *ticks)
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
		__u64 now = tracer_now_ns();
		int n = epoll_wait(ep, evs, 4, poll_timeout(t, now, deadline, next_tick));
		bool gone = false;

		for (int i = 0; i < n; i++) {
			gone |= evs[i].data.u32 == 2;
			trace_pids_exited(&t->pids, ep, evs[i].data.u32);
		}
		if (t->rb && consume_round(t) < 0)
			break;
		trace_export_work(&t->exp);
		if (t->fol && (err = follower_work(t->fol)))
			break; /* reported */
		if (fflush(t->out.f) || ferror(t->out.f))
			break; /* a closed pipe or a full disk: nothing more can be shown */
		if (gone || !target_alive(t))
			break;
		now = tracer_now_ns();
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

/* The summary's warnings: what the maps and the ring buffer could not hold. */
static void warn_losses(const struct tracer *t, const struct trace_summary *s, int stats_fd)
{
	__u64 bad = 0, dropped = 0, no_value = 0, no_stack = 0;

	percpu_sum(stats_fd, TRACE_STAT_BAD_ID, &bad);
	percpu_sum(stats_fd, TRACE_STAT_DROPPED, &dropped);
	percpu_sum(stats_fd, TRACE_STAT_NO_VALUE, &no_value);
	percpu_sum(stats_fd, TRACE_STAT_NO_STACK, &no_stack);
	if (dropped && t->skel->rodata->agg_arr_probes)
		cli_warn("%llu hits were not aggregated: more than %u probes (half of --max-keys: "
			 "each has a slot for two intervals; raise --max-keys)",
			 (unsigned long long)dropped, t->skel->rodata->agg_arr_probes);
	else if (dropped)
		cli_warn("%llu hits were not aggregated: more than %u keys (raise --max-keys)",
			 (unsigned long long)dropped, t->o.an.agg.max_keys);
	if (no_stack)
		cli_warn("%llu hits without their stack: the stack map was full or two stacks "
			 "collided in it (raise --max-keys)",
			 (unsigned long long)no_stack);
	if (no_value)
		cli_warn("%llu hits were not aggregated: arg%d could not be read",
			 (unsigned long long)no_value, t->o.an.agg.cfg.value_arg);
	if (s->lost)
		cli_warn("%llu events were lost: the ring buffer was full (output too slow?)",
			 (unsigned long long)s->lost);
	if (bad || t->out.malformed)
		cli_warn("%llu hits of unknown probes, %llu malformed events",
			 (unsigned long long)bad, (unsigned long long)t->out.malformed);
}

/* What the ring buffer holds once nothing adds to it: shown, for DRAIN_MAX_NS at most. */
static void drain(struct tracer *t)
{
	__u64 end = tracer_now_ns() + DRAIN_MAX_NS;
	int r;

	if (!t->rb || t->stop)
		return;
	t->draining = true;
	while ((r = consume_round(t)) == 0 && tracer_now_ns() < end)
		;
	if (r == 0)
		cli_warn("events left in the ring buffer were not shown: showing them took "
			 "more than %llu s (output too slow?)",
			 DRAIN_MAX_NS / 1000000000ull);
}

int tracer_finish(struct tracer *t, __u64 *counts, int ticks)
{
	struct trace_summary s = {0};
	int fd = bpf_map__fd(t->skel->maps.stats);
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
	s.duration_ns = tracer_now_ns() - t->start_ns;
	for (size_t i = 0; i < t->sc.obj_cnt; i++) {
		usdt_link__destroy(t->sc.objs[i].link);
		t->sc.objs[i].link = NULL;
	}
	drain(t);
	if (t->o.count) {
		s.events = read_counts(t, counts);
		report(t, counts, ticks ? ticks + 1 : 0, true);
		trace_export_counts(&t->exp, counts, tracer_now_ns());
	} else {
		s.events = t->events;
	}
	percpu_sum(fd, TRACE_STAT_LOST, &s.lost);
	if (t->o.an.latency)
		latency_report(&t->out, fd, t->o.an.lat.pair == LAT_PAIR_TID);
	trace_out_summary(&t->out, &s);
	err = trace_export_close(&t->exp);
	warn_losses(t, &s, fd);
	return err;
}
