// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime commands (bcc's ucalls, uflow, ugc, uobjnew, uthreads, dbstat and dbslower):
 * each reads one role of the runtime catalog and fills a trace (runtime_setups.c) for the
 * tracer of usdtctl trace and latency, so that its aggregates, filters and limits apply alike.
 * One table row each; here the table, the help, the options and the runtime.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "latency.h"
#include "runtime_cmd.h"
#include "target.h"
#include "trace_cmd.h"
#include "trace_export.h"

enum {
	OPT_RT_LATENCY = 0x300,
	OPT_RT_SLOWER,
};

/* ---- the commands ---------------------------------------------------------------------------- */

static const struct rt_cmd cmds[] = {
	{"calls", RT_CALL, CF_AGG | CF_LATENCY | CF_PROMETHEUS | CF_PERFETTO, rt_setup_calls,
	 "Counts the calls of each function (file:function for Python, class.method for\n"
	 "Ruby and Java, class::function for PHP) in BPF, as bcc's ucalls. With --latency,\n"
	 "the time from each entry to its return on the same thread, per function: count,\n"
	 "total (the inclusive time), average, min and max, in ns.\n",
	 "  usdtctl calls -c 'python3 app.py'\n"
	 "  usdtctl calls -p 1234 --latency --top 10\n"
	 "  usdtctl calls -c 'ruby app.rb' --filter 'arg0 == \"Foo\"'\n"},
	{"flow", RT_CALL, CF_PERFETTO, rt_setup_flow,
	 "Prints each entry (->) and return (<-) of a function, indented by its depth on\n"
	 "its thread, with the time since the start and on a return the time since its\n"
	 "entry, as bcc's uflow. With --json: {\"time_ns\", \"pid\", \"tid\", \"event\",\n"
	 "\"depth\", \"function\", \"duration_ns\"} per line.\n",
	 "  usdtctl flow -c 'python3 app.py'\n"
	 "  usdtctl flow -p 1234 --filter 'arg0 == \"Foo\"'\n"},
	{"gc", RT_GC, 0, rt_setup_gc,
	 "Prints each garbage collection as it ends: its duration, and the arguments the\n"
	 "runtime gives at its begin and end (CPython: the generation, then the objects\n"
	 "collected; HotSpot: whether it is a full collection), as bcc's ugc. With --json:\n"
	 "{\"time_ns\", \"pid\", \"tid\", \"comm\", \"duration_ns\", \"begin\": [...],\n"
	 "\"end\": [...]} per collection.\n",
	 "  usdtctl gc -c 'python3 app.py'\n"
	 "  usdtctl gc -p 1234 -d 60\n"},
	{"objnew", RT_ALLOC, CF_AGG | CF_PROMETHEUS, rt_setup_objnew,
	 "Counts the objects allocated per type in BPF, with their bytes (SUM) where the\n"
	 "runtime gives a size (HotSpot), as bcc's uobjnew.\n",
	 "  usdtctl objnew -c 'ruby app.rb'\n"
	 "  usdtctl objnew -p 1234 --top 10 -i 5\n"},
	{"threads", RT_THREAD, 0, rt_setup_threads,
	 "Prints each thread's start and stop, with its name and ids as the runtime\n"
	 "gives them (HotSpot: name, Java id, native id, daemon), as bcc's uthreads, in\n"
	 "the lines of 'usdtctl trace'.\n",
	 "  usdtctl threads -c 'java Main'\n"},
	{"queries", RT_QUERY, CF_AGG | CF_SLOWER | CF_PROMETHEUS | CF_PERFETTO, rt_setup_queries,
	 "The time of each query from its start to its end in the server process, as a\n"
	 "histogram in microseconds (bcc's dbstat). With --slower DURATION, each query\n"
	 "slower than DURATION as it ends, with its text (bcc's dbslower), then count,\n"
	 "total, average, min and max per query text.\n",
	 "  usdtctl queries postgresql -d 10\n"
	 "  usdtctl queries -p 1234 --slower 10ms\n"},
	{"stat", RT_STAT, CF_INTERVAL, rt_setup_stat,
	 "Per process and interval (-i, 1 s by default), the calls, garbage collections,\n"
	 "objects allocated, classes loaded, threads started and exceptions thrown per\n"
	 "second, counted in BPF, as bcc's ustat; a column for each role the runtime\n"
	 "catalog gives the runtime (the entry, begin or start probe of each). With --json:\n"
	 "{\"pid\", \"comm\", \"calls\", \"gcs\", ..., \"interval_ms\"} per process and\n"
	 "interval, with the counts. With no RUNTIME, -p or -c: every process of every\n"
	 "runtime of the catalog, now and later.\n",
	 "  usdtctl stat\n"
	 "  usdtctl stat -c 'python3 app.py'\n"
	 "  usdtctl stat -i 5 java\n"},
	{0},
};

/* ---- options and the runtime ---------------------------------------------------------------- */

static const char *role_word(enum rt_role role)
{
	return role == RT_STAT ? "call, gc, alloc, classload, thread or exception"
			       : rt_role_name(role);
}

static void runtime_names(const struct rt_cmd_run *r, char *buf, size_t sz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->cat.cnt && n < sz; i++) {
		if (rt_cmd_has_role(&r->cat.rt[i], r->cmd->role))
			n += snprintf(buf + n, sz - n, "%s%s", n ? ", " : "", r->cat.rt[i].name);
	}
}

static void do_help(void *ctx, FILE *out)
{
	struct rt_cmd_run *r = ctx;
	const struct rt_cmd *c = r->cmd;
	int w = (int)strlen(c->name);
	char names[256];

	fprintf(out,
		"Usage: usdtctl %s [-p PID | -c CMD] [--json] [--filter EXPR]\n"
		"       %*s %s%s%s%s[-d SECONDS] [RUNTIME]\n",
		c->name, w, "", c->flags & CF_LATENCY ? "[--latency] " : "",
		c->flags & CF_SLOWER ? "[--slower DURATION] " : "",
		c->flags & CF_TOP ? "[--top N] " : "",
		c->flags & CF_INTERVAL ? "[-i SECONDS] " : "");
	if (c->flags & CF_PROMETHEUS)
		fprintf(out, "       %*s [--prometheus ADDR%s]\n", w, "",
			c->flags & CF_PERFETTO ? " | --perfetto FILE" : "");
	else if (c->flags & CF_PERFETTO)
		fprintf(out, "       %*s [--perfetto FILE]\n", w, "");
	fprintf(out, "\n%s\n", c->help);
	fprintf(out,
		"The probes are the %s probes the runtime catalog gives RUNTIME; without RUNTIME,\n"
		"-p and -c find it by the program. Probes that need something before they fire\n"
		"say so on stderr (see 'usdtctl trace --help').\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID         the process PID (its runtime's library) only; ends when\n"
		"                        it exits\n"
		"  -c, --command CMD     run CMD with the probes attached, as 'usdtctl trace -c'\n"
		"      --filter EXPR     only the hits for which EXPR holds (argN of the probes;\n"
		"                        see 'usdtctl trace --help', Filters)\n",
		role_word(c->role));
	if (c->flags & CF_LATENCY)
		fprintf(out, "      --latency         the inclusive time per function as well\n");
	if (c->flags & CF_SLOWER)
		fprintf(out,
			"      --slower DURATION each query slower than DURATION (10ms, 500us, 1.5s)\n");
	if (c->flags & CF_TOP)
		fprintf(out, "      --top N           print only the N largest rows\n");
	if (c->flags & CF_INTERVAL)
		fprintf(out, "  -i, --interval SECS   print each SECS interval's rows\n");
	if (c->flags & CF_PROMETHEUS)
		fprintf(out,
			"      --prometheus ADDR serve the rows on http://ADDR/metrics, as 'usdtctl\n"
			"                        trace --help' says (not with -i)\n");
	if (c->flags & CF_PERFETTO)
		fprintf(out,
			"      --perfetto FILE   %s a slice on its thread's\n"
			"                        track in a Perfetto trace (as 'usdtctl latency')\n",
			c->flags & CF_LATENCY  ? "with --latency, each call"
			: c->flags & CF_SLOWER ? "each query"
					       : "each call, entry to return,");
	fprintf(out, "  -d, --duration SECS   stop after SECS seconds\n"
		     "  -h, --help            this help\n"
		     "\n");
	cli_global_help(out, c->name);
	runtime_names(r, names, sizeof(names));
	fprintf(out,
		"\n"
		"Runtimes with %s probes: %s.\n"
		"Runtime catalog files, the first entry of a runtime and role wins\n"
		"($USDTCTL_RUNTIMES: ':'-separated files):\n",
		role_word(c->role), names[0] ? names : "none");
	runtimes_print_paths(out, "    ");
	fprintf(out,
		"\n"
		"Examples:\n"
		"%s"
		"\n"
		"Exit status: 0 success, 1 runtime failure, 2 usage error.\n",
		c->examples);
}

/* The command's own options (its setup hands --filter and --top on to the tracer). */
static int rt_option(void *ctx, int opt, const char *arg)
{
	struct rt_cmd_run *r = ctx;

	switch (opt) {
	case OPT_FILTER:
		r->filter = arg;
		return 0;
	case OPT_TOP:
		r->top = arg;
		return 0;
	case OPT_RT_LATENCY:
		r->latency = true;
		return 0;
	case OPT_RT_SLOWER:
		if (latency_parse_duration(arg, &r->slower_ns))
			return cli_error(EXIT_USAGE, "%s: bad --slower '%s' (as 10ms, 500us, 1.5s)",
					 r->cmd->name, arg);
		return 0;
	default: /* -p, -c, -i, -d, --prometheus, --perfetto */
		return TRACER_OPT_OTHER;
	}
}

static int parse_options(struct rt_cmd_run *r, int argc, char **argv)
{
	const struct option all[] = {
		TRACER_RUN_LONGOPTS,
		{"filter", required_argument, NULL, OPT_FILTER},
		{"latency", no_argument, NULL, OPT_RT_LATENCY},
		{"slower", required_argument, NULL, OPT_RT_SLOWER},
		{"top", required_argument, NULL, OPT_TOP},
		CLI_GLOBAL_LONGOPTS,
	};
	const char *name = r->cmd->name;
	struct option opts[sizeof(all) / sizeof(all[0]) + 1] = {0};
	unsigned f = r->cmd->flags;
	struct tracer_getopt g = {
		f & CF_INTERVAL ? ":p:c:i:d:h" CLI_GLOBAL_SHORTOPTS
				: ":p:c:d:h" CLI_GLOBAL_SHORTOPTS,
		opts,
		rt_option,
		do_help,
		r,
	};
	size_t n = 0;
	int err;

	/* the options this command takes, and no others */
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		int v = all[i].val;

		if ((v == OPT_RT_LATENCY && !(f & CF_LATENCY)) ||
		    (v == OPT_RT_SLOWER && !(f & CF_SLOWER)) || (v == OPT_TOP && !(f & CF_TOP)) ||
		    (v == 'i' && !(f & CF_INTERVAL)) ||
		    (v == OPT_PROMETHEUS && !(f & CF_PROMETHEUS)) ||
		    (v == OPT_PERFETTO && !(f & CF_PERFETTO)))
			continue;
		opts[n++] = all[i];
	}
	err = tracer_getopt(argc, argv, &r->o, &g);
	if (err)
		return err;
	if (argc - optind > 1)
		return cli_error(EXIT_USAGE,
				 "%s: expected at most one RUNTIME; see 'usdtctl %s --help'", name,
				 name);
	return 0;
}

/* RUNTIME, or the runtime of -p's process or -c's program. */
static int pick_runtime(struct rt_cmd_run *r, const char *arg)
{
	const char *name = r->cmd->name;
	char exe[PATH_MAX], path[64], names[256];
	ssize_t n;
	int err;

	runtime_names(r, names, sizeof(names));
	if (arg) {
		r->rt = runtimes_find(&r->cat, arg);
		if (!r->rt)
			return cli_error(EXIT_USAGE, "%s: unknown runtime '%s' (%s)", name, arg,
					 names);
	} else if (r->o.pid) {
		snprintf(path, sizeof(path), "/proc/%d/exe", r->o.pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n < 0)
			return cli_error(EXIT_RUNTIME, "process %d: %s", r->o.pid, strerror(errno));
		exe[n] = '\0';
		r->rt = runtimes_by_program(&r->cat, exe);
	} else if (r->o.cmd) {
		err = trace_cmd_executable(r->o.cmd, exe, sizeof(exe));
		if (err)
			return cli_error(EXIT_RUNTIME, "-c: cannot find the program of '%s': %s",
					 r->o.cmd, strerror(-err));
		r->rt = runtimes_by_program(&r->cat, exe);
	} else if (r->cmd->role == RT_STAT) {
		return 0; /* every runtime of the catalog, in every process that has its probes */
	} else {
		return cli_error(EXIT_USAGE, "%s: expected -p PID, -c CMD or a RUNTIME (%s)", name,
				 names);
	}
	if (!r->rt)
		return cli_error(EXIT_USAGE,
				 "%s: '%s' is no runtime of the runtime catalog; name one (%s)",
				 name, exe, names);
	r->role = r->cmd->role == RT_STAT ? NULL : &r->rt->role[r->cmd->role];
	if (!rt_cmd_has_role(r->rt, r->cmd->role))
		return cli_error(
			EXIT_RUNTIME,
			"%s: the runtime catalog gives %s no %s probes (runtimes with them: "
			"%s); see 'usdtctl %s --help'",
			name, r->rt->name, role_word(r->cmd->role), names, name);
	if (runtime_library(r->rt, r->target, sizeof(r->target)))
		return cli_error(
			EXIT_RUNTIME,
			"%s: none of %s's files is installed (%s%s); the runtime catalog's "
			"'%s library' line names them",
			name, r->rt->name, r->rt->library_cnt ? r->rt->libraries[0] : "none",
			r->rt->library_cnt > 1 ? ", ..." : "", r->rt->name);
	r->o.target = r->target;
	return 0;
}

static int run(const struct rt_cmd *cmd, int argc, char **argv)
{
	struct rt_cmd_run r = {.cmd = cmd, .o = {.an = {.cmd = cmd->name}}};
	int err = runtimes_load(&r.cat);

	if (!err)
		err = parse_options(&r, argc, argv);
	r.o.json = cli_env.json;
	if (!err)
		err = pick_runtime(&r, optind < argc ? argv[optind] : NULL);
	if (!err)
		err = cmd->setup(&r);
	if (!err)
		err = tracer_options_check(&r.o);
	if (!err) {
		r.o.probes = r.probes;
		r.o.runtimes = &r.cat;
		err = tracer_main(&r.o);
	}
	rt_events_free(&r.ev);
	runtimes_free(&r.cat);
	/* -1: --help was shown; another negative errno is a failure no one reported yet */
	if (err == -1)
		return 0;
	return err < 0 ? cli_error(EXIT_RUNTIME, "%s: %s", cmd->name, strerror(-err)) : err;
}

static const struct rt_cmd *cmd_named(const char *name)
{
	for (const struct rt_cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

int do_runtime_cmd(int argc, char **argv)
{
	return run(cmd_named(argv[0]), argc, argv);
}
