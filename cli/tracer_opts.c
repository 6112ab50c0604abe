// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The options of every command on the tracer (trace, latency, the runtime commands): -p
 * (repeatable), -c, -i, -d, and trace's and latency's -o, --strlen, exporter and analysis
 * options; then the checks of the whole. One parser, so that they mean the same everywhere.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <linux/types.h>

#include "cli.h"
#include "target.h"
#include "trace.h"
#include "trace_export.h"
#include "tracer.h"

static int add_pid(struct trace_opts *o, const char *arg)
{
	pid_t pid;

	if (cli_parse_pid(arg, &pid))
		return cli_error(EXIT_USAGE, "%s: bad pid '%s'", o->an.cmd, arg);
	for (size_t i = 0; i < o->pid_cnt; i++)
		if (o->pids[i] == pid)
			return 0;
	if (o->pid_cnt == TRACE_PIDS_MAX)
		return cli_error(EXIT_USAGE, "%s: more than %d -p", o->an.cmd, TRACE_PIDS_MAX);
	o->pids[o->pid_cnt++] = pid;
	o->pid = o->pids[0];
	return 0;
}

static int parse_strlen(struct trace_opts *o, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > TRACE_STRLEN_MAX)
		return cli_error(EXIT_USAGE, "%s: bad --strlen '%s' (1 to %d bytes)", o->an.cmd,
				 arg, TRACE_STRLEN_MAX);
	o->str_max = v;
	return 0;
}

int tracer_option(struct trace_opts *o, int opt, const char *arg)
{
	int err;

	switch (opt) {
	case 'p':
	case 'c':
		if (opt == 'p' ? o->cmd != NULL : o->pid != 0)
			return cli_error(EXIT_USAGE, "%s: -p and -c exclude each other", o->an.cmd);
		if (opt == 'p')
			return add_pid(o, arg);
		o->cmd = arg;
		return 0;
	case 'i':
	case 'd':
		if (cli_parse_seconds(arg, opt == 'i' ? &o->interval_s : &o->duration_s))
			return cli_error(EXIT_USAGE, "%s: bad %s '%s'", o->an.cmd,
					 opt == 'i' ? "interval" : "duration", arg);
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case OPT_STRLEN:
		return parse_strlen(o, arg);
	}
	err = trace_export_option(o, opt, arg);
	return err > 0 ? analysis_option(&o->an, opt, arg) : err;
}

int tracer_getopt(int argc, char **argv, struct trace_opts *o, const struct tracer_getopt *g)
{
	int c, err;

	optind = 0;
	while ((c = cli_getopt(argc, argv, g->shortopts, g->longopts, o->an.cmd)) != -1) {
		if (c == 'h') {
			g->help(g->ctx, stdout);
			return -1;
		}
		if (c == '?')
			return EXIT_USAGE; /* reported */
		err = g->own ? g->own(g->ctx, c, optarg) : TRACER_OPT_OTHER;
		if (err == TRACER_OPT_OTHER)
			err = tracer_option(o, c, optarg);
		if (err)
			return err;
	}
	return 0;
}

int tracer_options_check(struct trace_opts *o)
{
	int err = analysis_check(&o->an, o->interval_s);

	if (err)
		return err;
	o->count = o->count || o->an.count || analysis_aggregates(&o->an);
	return trace_export_check(o);
}
