/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal to the tracer (tracer.h is its interface): one run's state, shared by its lifecycle
 * (tracer.c), its BPF side (tracer_bpf.c: open, size, load, attach, per-probe config) and its
 * loop (tracer_loop.c: poll, report, drain, summary).
 */
#ifndef USDTCTL_TRACER_INTERNAL_H
#define USDTCTL_TRACER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "catalog.h"
#include "runtime_needs.h"
#include "trace_cmd.h"
#include "trace_export.h"
#include "trace_follow.h"
#include "trace_output.h"
#include "trace_pids.h"
#include "trace_scan.h"
#include "tracer.h"

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
	size_t objs_setup;    /* the objects before this one have their probe ids set up */
	__u64 cgroup_id;      /* --cgroup, resolved; 0: none */
	__u32 cgroup_level;
	struct trace_pids pids; /* -p: the trace ends when the last one exits */
	int pidfd;
	pid_t watch_pid; /* -c: the trace ends when it exits */
	__u64 events;
	unsigned round_left; /* events on_event takes before the loop's checks run again */
	bool draining;	     /* after the detach: Ctrl-C no longer cuts a round short */
	__u64 start_ns;
	__u32 gen; /* aggregates with -i: the interval hits count in */
	bool stop; /* -n reached, or stdout failed */
};

__u64 tracer_now_ns(void);

/* tracer_bpf.c: 0, or an exit code (reported) */
int tracer_bpf_failure(const char *what, int err);
int tracer_load_bpf(struct tracer *t);
/* Attaches every object with matching sites: the objects and sites attached are added up. */
int tracer_attach_all(struct tracer *t, pid_t pid, size_t *objs, size_t *sites);
int tracer_attach_object(struct tracer *t, struct trace_object *o, pid_t pid);
/* -p: whether a process exited before its probes were attached (then its error) */
bool tracer_pid_gone(const struct tracer *t);
int tracer_gone_error(const struct tracer *t);
/* Sets up the probes attached since the last call (all, the first time). */
int tracer_setup_probes(struct tracer *t);

/* tracer_loop.c */
void tracer_install_signals(void);
/* The ring buffer, when events are sent: 0, or an exit code (reported). */
int tracer_open_ring(struct tracer *t);
/* Polls until the trace ends: 0, or an exit code (reported). */
int tracer_run_loop(struct tracer *t, __u64 *counts, int *ticks);
/* Stops the command, detaches, shows what is left, the counts and the summary. */
int tracer_finish(struct tracer *t, __u64 *counts, int ticks);

#endif /* USDTCTL_TRACER_INTERNAL_H */
