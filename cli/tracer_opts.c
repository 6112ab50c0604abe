// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The options of trace and latency beyond the analysis ones: -p (repeatable), -o, --strlen. */
#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>

#include "cli.h"
#include "target.h"
#include "trace.h"
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
	switch (opt) {
	case 'p':
		return add_pid(o, arg);
	case 'o':
		o->output = arg;
		return 0;
	case OPT_STRLEN:
		return parse_strlen(o, arg);
	default:
		return analysis_option(&o->an, opt, arg);
	}
}
