/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A runtime command (calls, flow, gc, objnew, threads, queries, stat): its row of the command
 * table (runtime_cmds.c) and one run's state, which its setup (runtime_setups.c) turns into a
 * trace for the tracer.
 */
#ifndef USDTCTL_RUNTIME_CMD_H
#define USDTCTL_RUNTIME_CMD_H

#include <limits.h>
#include <stdbool.h>

#include "runtime_events.h"
#include "runtimes.h"
#include "tracer.h"

/* What a command takes beyond -p, -c, -d, --filter: */
enum {
	CF_TOP = 1,	 /* --top */
	CF_INTERVAL = 2, /* -i */
	CF_LATENCY = 4,	 /* --latency */
	CF_SLOWER = 8,	 /* --slower */
	CF_PROMETHEUS = 16,
	CF_PERFETTO = 32, /* latency's pairs as slices */
	CF_AGG = CF_TOP | CF_INTERVAL,
};

/* usdtctl stat's role: every role of its columns */
#define RT_STAT RT_ROLE_CNT

/* stat's columns: calls, gcs, objects, classloads, threads, exceptions */
#define STAT_COLS	6
/* stat over every runtime of the catalog: its probes, at most */
#define STAT_PROBES_MAX 64

struct rt_cmd_run;

struct rt_cmd {
	const char *name;
	enum rt_role role;
	unsigned flags;
	int (*setup)(struct rt_cmd_run *r);
	const char *help; /* what it shows */
	const char *examples;
};

struct rt_cmd_run {
	const struct rt_cmd *cmd;
	struct runtimes cat;
	const struct runtime *rt;
	const struct rt_role_entry *role;
	struct trace_opts o;
	char target[PATH_MAX];
	char *probes[STAT_PROBES_MAX];
	const char *col_titles[STAT_COLS];
	int col_of[STAT_PROBES_MAX];
	bool latency;
	__u64 slower_ns;
	const char *filter, *top;
	struct rt_events ev;
};

/* Whether the catalog gives rt the probes of the command's role (stat: of any column). */
bool rt_cmd_has_role(const struct runtime *rt, enum rt_role role);

/* The setups: the trace each command asks for. 0, or an exit code (reported). */
int rt_setup_calls(struct rt_cmd_run *r);
int rt_setup_flow(struct rt_cmd_run *r);
int rt_setup_gc(struct rt_cmd_run *r);
int rt_setup_objnew(struct rt_cmd_run *r);
int rt_setup_threads(struct rt_cmd_run *r);
int rt_setup_queries(struct rt_cmd_run *r);
int rt_setup_stat(struct rt_cmd_run *r);

#endif /* USDTCTL_RUNTIME_CMD_H */
