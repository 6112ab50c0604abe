// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl trace: its help, its options and its [TARGET] PROBE... arguments, handed to the
 * tracer (tracer.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis.h"
#include "catalog.h"
#include "cli.h"
#include "target.h"
#include "trace.h"
#include "trace_export.h"
#include "tracer.h"

static void do_help(void *ctx, FILE *out)
{
	(void)ctx;
	fprintf(out,
		"Usage: usdtctl trace [-p PID... [-f] | -c CMD] [--cgroup CG] [--json] [-o FILE]\n"
		"                     [--filter EXPR]\n"
		"                     [--count | --stats ARG | --hist ARG | --lhist ARG,MIN,MAX,STEP]\n"
		"                     [--by KEYS] [--top N] [--max-keys N] [--stack] [--folded]\n"
		"                     [-i SECONDS] [--prometheus ADDR | --perfetto FILE]\n"
		"                     [--strlen N] [-d SECONDS] [-n EVENTS] [TARGET] PROBE...\n"
		"\n"
		"Attaches to every site of the matching probes (one link per object file) and\n"
		"prints each hit: time (s since the start), pid, tid, command, provider:name and\n"
		"the arguments, decoded by their size and sign. Stops on Ctrl-C or SIGTERM, when\n"
		"the traced process exits, or at -d / -n, then prints a summary on stderr.\n"
		"With --json, JSON Lines: {\"time_ns\", \"pid\", \"tid\", \"comm\", \"provider\",\n"
		"\"name\", \"args\": [...]} per hit (time_ns: CLOCK_MONOTONIC; an unreadable\n"
		"argument is null; \"args_truncated\": [N, ...] when string arguments were cut at\n"
		"--strlen bytes: their indexes in args), then {\"summary\": {\"events\", \"lost\",\n"
		"\"duration_ns\"}}.\n"
		"With --legacy-attach, one perf_event uprobe per site (slow to detach).\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID         trace process PID only (-p again: more processes); its\n"
		"                        objects hold the probes, or the TARGET among them; ends\n"
		"                        when the last one exits\n"
		"  -f, --follow          with -p: and every process they fork or exec from now on\n"
		"  -c, --command CMD     run CMD (with /bin/sh -c) and trace it and all its\n"
		"                        descendants across fork, exec and dlopen: the probes of\n"
		"                        each program are armed before its first instruction, those\n"
		"                        of a dlopened library before dlopen returns; ends when CMD\n"
		"                        exits. usdtctl exits 0 and reports CMD's status, as\n"
		"                        bpftrace does\n"
		"  -o, --output FILE     write the trace (hits, counts, aggregates, the JSON\n"
		"                        summary) to FILE instead of stdout, which -c's CMD keeps\n"
		"      --cgroup CG       only processes in cgroup v2 CG (a path, under its mount\n"
		"                        unless absolute, or an id) or below it, decided in BPF\n"
		"      --filter EXPR     only the hits for which EXPR holds, decided in BPF (see\n"
		"                        Filters below)\n"
		"      --count           count hits per provider:name (in BPF) and print the totals\n"
		"                        at the end instead of each hit; with --by, per key\n"
		"      --stats ARG       count, sum, min, max and average of argument ARG (argN)\n"
		"      --hist ARG        power-of-two histogram of ARG, printed as bpftrace's hist()\n"
		"      --lhist ARG,MIN,MAX,STEP  linear histogram of ARG: below MIN, MAX and above,\n"
		"                        and STEP-wide buckets between\n"
		"      --by KEYS         one row per probe and key: KEYS is a comma list of probe,\n"
		"                        argN (a string argument by its contents), pid, tid, comm,\n"
		"                        stack (the user stack)\n"
		"      --top N           print only the N largest rows (by count; by sum with --stats)\n"
		"      --max-keys N      at most N keys (default %d); hits of more keys are counted\n"
		"                        and reported, not aggregated\n"
		"      --stack           each hit's user stack, symbolized, after it (see Stacks)\n"
		"      --folded          with --count --by stack: folded stacks for flame graphs\n"
		"  -i, --interval SECS   with --count or an aggregate: print each SECS interval's rows\n"
		"      --prometheus ADDR with --count or an aggregate (not -i): serve the counts,\n"
		"                        per key with --by, and the histograms of --stats,\n"
		"                        --hist and --lhist on http://ADDR/metrics (ADDR:\n"
		"                        HOST:PORT, [IPV6]:PORT or :PORT) in Prometheus's text\n"
		"                        format, read from the BPF maps at each scrape\n"
		"      --perfetto FILE   write the hits (with --count: the counts of each\n"
		"                        interval) to FILE as a Perfetto trace instead of lines;\n"
		"                        timestamps on CLOCK_MONOTONIC\n"
		"      --strlen N        keep N bytes of a string argument (default %d, at most %d)\n"
		"  -d, --duration SECS   stop after SECS seconds\n"
		"  -n, --events EVENTS   stop after EVENTS hits (with --count: at least EVENTS)\n"
		"  -h, --help            this help\n"
		"\n",
		AGG_DEF_KEYS, TRACE_STR_MAX, TRACE_STRLEN_MAX);
	cli_global_help(out, "trace");
	fprintf(out,
		"\n"
		"PROBE and TARGET:\n"
		"  PROBE is a glob over provider:name (a provider alone matches all its probes),\n"
		"  or usdt:PATH:provider:name; DTrace's spelling query-start matches query__start.\n"
		"  Without -p or -c, probes are traced system-wide in TARGET, a file or a program\n"
		"  or library name, and in the libraries it loads (as 'usdtctl list' shows them);\n"
		"  with no TARGET either, in every process, now and later: each file with the\n"
		"  probes that a process maps is attached once, as it appears. A PROBE that\n"
		"  matches nothing is an error naming the closest probes. Every hit is printed\n"
		"  unless the ring buffer overflows; lost hits are counted and reported.\n"
		"\n"
		"Argument types:\n"
		"  A PROBE may end with a type list: 'python:function__entry(str,str,int)'.\n"
		"  int (the default): the number, by its size and sign; hex: a number printed in\n"
		"  hex; str: a pointer to a NUL-terminated string; strn: a pointer to a string\n"
		"  whose length is the next argument. Strings are read up to --strlen bytes and\n"
		"  printed in quotes, control bytes escaped; a longer one is cut, \"...\" after the\n"
		"  quotes (args_truncated in JSON). Without a type list, the catalog of well-known\n"
		"  probes (Python, Ruby, PHP, PostgreSQL, Java HotSpot, libstdc++, Node.js) gives\n"
		"  the types; one entry a line, as in 'python:function__entry(str,str,int)'.\n"
		"  Catalog files, first match wins ($USDTCTL_CATALOG: ':'-separated files):\n");
	catalog_print_paths(out, "    ");
	fprintf(out,
		"\n"
		"Silent probes:\n"
		"  Some probes fire only when the program asks for them: CPython 3.11's\n"
		"  function__entry, PHP's and HotSpot's method probes, Ruby's method__entry. The\n"
		"  runtime catalog ($USDTCTL_RUNTIMES, see 'usdtctl calls --help') says what each\n"
		"  needs; usdtctl says it on stderr, and provides what it can: it attaches\n"
		"  python:line too (its hits ignored) and sets the variables a -c command needs.\n"
		"\n"
		"Filters:\n"
		"  Comparisons of argN (from 0), pid, tid, uid, comm or cgroup with a value, joined\n"
		"  by &&, || and !, in parentheses as needed: 'arg1 > 100 && comm == \"post*\"'.\n"
		"  Operators == != < <= > >=; integers decimal or 0x hex, compared as signed 64-bit;\n"
		"  \"strings\" (\\\" and \\\\ escape) with == and != only, against comm and string-typed\n"
		"  arguments, '*' matching any run and '?' any one byte. cgroup takes a cgroup v2\n"
		"  id or \"path\" (under /sys/fs/cgroup unless absolute). At most %d comparisons and\n"
		"  %d-byte strings; strings compare on their first %d bytes. A hit whose argument\n"
		"  cannot be read, or is not a string where one is compared, does not pass.\n"
		"\n"
		"Aggregates:\n"
		"  Kept in a BPF hash per key (probe and --by keys), printed at the end and with -i\n"
		"  at each interval, largest first. A string key holds its first %d bytes; a key\n"
		"  holds two string arguments, its first two argN. Sums wrap at 64 bits. Memory, as\n"
		"  the kernel counts it: --max-keys x (K + 72 + CPUs x (32 + 8 x buckets)) bytes, K\n"
		"  the key's size: 16, 8 per --by key, 16 more with comm and 64 for each of the first\n"
		"  two argN (at most 192); --hist has 65 buckets. Keyed by the probe alone (no --by),\n"
		"  an array instead, two slots per probe id (an -i interval and the one before; no\n"
		"  hash lookup per hit) for at most --max-keys / 2 of them: 2 x ids x (8 + CPUs x\n"
		"  (32 + 8 x buckets)) bytes. An id is a probe of one object (4096 more are set\n"
		"  aside for objects found later when following processes).\n"
		"\n"
		"Stacks:\n"
		"  Walked in BPF by frame pointers, up to %d frames, kept as (build id, file offset)\n"
		"  and symbolized from the traced objects and their libraries: .symtab and .dynsym,\n"
		"  or a debug file by build id or .gnu_debuglink under $USDTCTL_DEBUG_DIR\n"
		"  (/usr/lib/debug); \"[unknown]\" otherwise. Code built without frame pointers\n"
		"  (most distribution packages before 2024) cuts the stack short; a probe at a\n"
		"  function's first instruction shows its caller's caller next. The stack map holds\n"
		"  --max-keys stacks (%d for events) of %zu bytes.\n",
		FILTER_MAX_TERMS, TRACE_STR_MAX, TRACE_STR_MAX, AGG_STR_MAX, STACK_DEPTH,
		STACK_EVENT_MAX, STACK_DEPTH * sizeof(struct bpf_stack_build_id));
	fprintf(out,
		"\n"
		"Examples:\n"
		"  usdtctl trace -c 'python3.11 app.py' 'python:function__*'\n"
		"  usdtctl trace -p 1234 --count -i 1 'python:*'\n"
		"  usdtctl trace -p $(pgrep -o postgres) -f 'postgresql:query__start(str)'\n"
		"  usdtctl trace --cgroup system.slice/app.service 'python:function__entry'\n"
		"  usdtctl trace -p 1234 --count --by arg1 --top 10 'python:function__entry'\n"
		"  usdtctl trace -p 1234 --hist arg2 --filter 'arg2 > 0' 'app:request'\n"
		"  usdtctl trace --json /usr/lib/postgresql/15/bin/postgres 'postgresql:query__*'\n"
		"  usdtctl trace -p 1234 'usdt:/opt/app/bin/app:app:request(str,int)'\n"
		"  usdtctl trace -p 1234 'python:*' --legacy-attach\n"
		"\n"
		"Once every probe is attached, one line on stderr:\n"
		"  usdtctl: attached N sites of M probes in K objects in X ms\n"
		"Needs root, or CAP_BPF and CAP_PERFMON.\n"
		"\n"
		"Exit status: 0 success (also when the trace is interrupted), 1 runtime failure\n"
		"(no probe matched, no privilege, ...), 2 usage error.\n");
}

/* past the analysis (0x200...), exporter (0x280...) and tracer (0x2c0...) getopt values */
enum {
	OPT_CGROUP = 0x300,
};

/* trace's own options */
static int trace_option(void *ctx, int opt, const char *arg)
{
	struct trace_opts *o = ctx;
	char *end;

	switch (opt) {
	case 'f':
		o->follow = true;
		return 0;
	case OPT_CGROUP:
		o->cgroup = arg;
		return 0;
	case 'C':
		o->an.count = true;
		return 0;
	case 'n':
		errno = 0;
		o->max_events = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || !o->max_events || arg[0] == '-')
			return cli_error(EXIT_USAGE, "trace: bad event count '%s'", arg);
		return 0;
	default:
		return TRACER_OPT_OTHER;
	}
}

static int parse_options(int argc, char **argv, struct trace_opts *o)
{
	static const struct option opts[] = {
		TRACER_LONGOPTS,
		{"follow", no_argument, NULL, 'f'},
		{"cgroup", required_argument, NULL, OPT_CGROUP},
		{"count", no_argument, NULL, 'C'},
		{"events", required_argument, NULL, 'n'},
		{"strlen", required_argument, NULL, OPT_STRLEN},
		ANALYSIS_LONGOPTS,
		CLI_GLOBAL_LONGOPTS,
		{0},
	};
	const struct tracer_getopt g = {
		":" TRACER_SHORTOPTS "fn:h" CLI_GLOBAL_SHORTOPTS, opts, trace_option, do_help, o,
	};
	int err = tracer_getopt(argc, argv, o, &g);

	if (err)
		return err;
	if (o->follow && !o->pid)
		return cli_error(EXIT_USAGE, "trace: --follow needs -p PID (-c always follows)");
	return tracer_options_check(o);
}

/* [TARGET] PROBE...: the first of two or more arguments is a TARGET unless it is a pattern. */
static int classify(int argc, char **argv, struct trace_opts *o)
{
	const char *first = argc ? argv[0] : NULL;

	if (argc >= 2 && !cli_is_usdt_spec(first) &&
	    (cli_is_target(first) || !cli_has_pattern_chars(first))) {
		o->target = first;
		argc--;
		argv++;
	}
	if (!argc)
		return cli_error(EXIT_USAGE, "trace: no PROBE; see 'usdtctl trace --help'");
	o->probes = argv;
	o->probe_cnt = argc;
	return 0;
}

int do_trace(int argc, char **argv)
{
	struct trace_opts o = {.an.cmd = "trace"};
	int err;

	err = parse_options(argc, argv, &o);
	if (err)
		return err < 0 ? 0 : err;
	o.json = cli_env.json;
	err = classify(argc - optind, argv + optind, &o);
	return err ? err : tracer_main(&o);
}
