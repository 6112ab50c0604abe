/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracer behind usdtctl trace and usdtctl latency: what to attach to and what to do with
 * the hits, then one run (cli/tracer.c) from the scan of the objects to the summary.
 */
#ifndef USDTCTL_TRACER_H
#define USDTCTL_TRACER_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "analysis.h"
#include "trace_output.h"

struct runtimes;

#define TRACE_PIDS_MAX 64 /* -p given this many times at most */

/* getopt values of the options below (past the analysis ones, 0x200...) */
enum {
	OPT_PROMETHEUS = 0x280, /* the exporters' (trace_export.h) */
	OPT_PERFETTO,
	OPT_STRLEN = 0x2c0,
};

/* clang-format off */
/* the options of every command on the tracer */
#define TRACER_RUN_LONGOPTS						\
	{"pid", required_argument, NULL, 'p'},				\
	{"command", required_argument, NULL, 'c'},			\
	{"interval", required_argument, NULL, 'i'},			\
	{"duration", required_argument, NULL, 'd'},			\
	{"help", no_argument, NULL, 'h'},				\
	{"prometheus", required_argument, NULL, OPT_PROMETHEUS},	\
	{"perfetto", required_argument, NULL, OPT_PERFETTO}
/* and trace's and latency's */
#define TRACER_LONGOPTS							\
	TRACER_RUN_LONGOPTS,						\
	{"output", required_argument, NULL, 'o'}
/* clang-format on */
#define TRACER_SHORTOPTS "p:c:i:d:o:"

struct trace_opts {
	pid_t pid; /* the first -p, 0 = none */
	pid_t pids[TRACE_PIDS_MAX];
	size_t pid_cnt;
	const char *output; /* -o FILE */
	unsigned str_max;   /* --strlen, 0 = TRACE_STR_MAX */
	const char *cmd;
	bool follow;	    /* -p --follow: and what it forks and execs from then on */
	const char *cgroup; /* --cgroup PATH|ID */
	bool json;
	bool count; /* no events: counts per probe (--count), aggregates or latency */
	struct analysis an;
	double interval_s;
	double duration_s;
	unsigned long long max_events;
	const char *prometheus; /* --prometheus ADDR */
	const char *perfetto;	/* --perfetto FILE */
	const char *target;
	char **probes;
	int probe_cnt;
	const struct runtimes
		*runtimes; /* the runtime catalog, if loaded (NULL: the tracer loads it) */
	/* events: handed to on_event (checked to parse) instead of printed; no header line */
	void (*on_event)(void *ctx, struct trace_out *out, const struct trace_event *e);
	void *event_ctx;
};

/*
 * -p (each one traced), -c, -i, -d, -o, trace's --strlen, the exporters' and the analysis
 * options after them: 0, or a usage error's exit code (reported).
 */
int tracer_option(struct trace_opts *o, int opt, const char *arg);
/* A command's options: those of its own, then the tracer's. */
struct tracer_getopt {
	const char *shortopts; /* for cli_getopt(), with its leading ':' */
	const struct option *longopts;
	/* the command's own: 0, an exit code (reported), or TRACER_OPT_OTHER */
	int (*own)(void *ctx, int opt, const char *arg);
	void (*help)(void *ctx, FILE *out);
	void *ctx;
};

#define TRACER_OPT_OTHER (-2) /* own(): not the command's own option, the tracer's */

/*
 * Reads the options of a command on the tracer (named o->an.cmd): -h prints its help. Returns
 * 0, -1 after --help, or an exit code (reported).
 */
int tracer_getopt(int argc, char **argv, struct trace_opts *o, const struct tracer_getopt *g);
/*
 * Once the options (and what a command adds to them) are in: checks them as a whole and
 * sets o->count for the aggregates. 0, or an exit code (reported).
 */
int tracer_options_check(struct trace_opts *o);

/* Runs one trace; returns the exit code (errors reported). */
int tracer_main(const struct trace_opts *o);

#endif /* USDTCTL_TRACER_H */
