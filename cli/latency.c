// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl latency START END: the options, then the tracer of usdtctl trace in latency mode
 * (bpf/trace_latency.bpf.h pairs the hits); here also the slow pairs and the closing report.
 */
#define _GNU_SOURCE
#include "latency.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "percpu.h"
#include "target.h"
#include "trace_export.h"
#include "tracer.h"

enum {
	OPT_PAIR = 0x300,
	OPT_SLOWER,
	OPT_LAT_HIST,
	OPT_LAT_STATS,
};

__u16 latency_role(const struct trace_scan *sc, const struct found_probe *f)
{
	const struct trace_object *o = &sc->objs[f->obj];
	__u16 role = 0;

	for (size_t i = 0; i < 2 && i < sc->pat_cnt; i++) {
		if (o->pats[i] && usdt_probe_match(sc->pats[i].glob, f->provider, f->name))
			role |= i == 0 ? LAT_START : LAT_END;
	}
	return role;
}

/* ---- slow pairs and the report ------------------------------------------------------------ */

void latency_out_slow_header(struct trace_out *o)
{
	fprintf(o->f, "%-13s%-8s%-8s%-17s%-14s%s\n", "TIME(s)", "PID", "TID", "COMM",
		"DURATION(ms)", "START ARGS");
}

void latency_pair_event(const struct analysis *a, const struct trace_probe_desc *d,
			const struct lat_slow *s, struct lat_event *ev)
{
	struct trace_event *e = &ev->e;
	const struct lat_frame *f = &s->start;
	const struct agg_cfg *c = &a->agg.cfg;
	__u16 strs = arg_types_mask(&d->types, ARG_STR) | arg_types_mask(&d->types, ARG_STRN);

	memset(e, 0, sizeof(*e));
	e->time_ns = s->time_ns;
	e->pid = s->pid;
	e->tid = s->tid;
	e->probe_id = f->probe_id;
	e->arg_cnt = f->arg_cnt < USDT_MAX_ARGS ? f->arg_cnt : USDT_MAX_ARGS;
	e->err_mask = f->err_mask | strs;
	memcpy(e->comm, s->comm, sizeof(e->comm));
	memcpy(e->args, f->args, sizeof(e->args));
	for (int i = 0; i < c->by_cnt; i++) {
		int n = c->by[i].arg;
		__u64 len;

		memcpy(&len, f->key.data + c->by[i].off, sizeof(len));
		if (c->by[i].part != AGG_PART_ARG || !(strs & (1 << n)) ||
		    c->by[i].str == AGG_NO_STR || (f->key.err_mask & (1 << i)) || len > AGG_STR_MAX)
			continue;
		e->err_mask &= ~(1 << n);
		e->str_mask |= 1 << n;
		e->trunc_mask |= f->key.trunc & (1 << i) ? 1 << n : 0;
		e->args[n] = len;
	}
	/* the strings in data by argument order, as the tracer sends them */
	for (int n = 0; n < USDT_MAX_ARGS; n++) {
		for (int i = 0; (e->str_mask & (1 << n)) && i < c->by_cnt; i++) {
			if (c->by[i].part != AGG_PART_ARG || c->by[i].arg != n)
				continue;
			memcpy(e->data + e->data_len,
			       f->key.data + c->str_off + c->by[i].str * AGG_STR_MAX, e->args[n]);
			e->data_len += e->args[n];
			break;
		}
	}
}

void latency_out_slow(struct trace_out *o, const struct analysis *a, const void *data, size_t size)
{
	const struct lat_slow *s = data;
	struct lat_event ev;
	const struct trace_probe_desc *d;
	__u64 rel;

	if (size < sizeof(*s) || s->start.probe_id >= o->probe_cnt) {
		o->malformed++;
		return;
	}
	d = &o->probes[s->start.probe_id];
	latency_pair_event(a, d, s, &ev);
	if (o->json) {
		fprintf(o->f, "{\"time_ns\":%llu,\"pid\":%u,\"tid\":%u,\"comm\":\"",
			(unsigned long long)s->time_ns, s->pid, s->tid);
		json_escape(o->f, s->comm, strnlen(s->comm, sizeof(s->comm)));
		fprintf(o->f, "\",\"duration_ns\":%llu,\"args\":[",
			(unsigned long long)s->duration_ns);
		trace_out_args(o, &ev.e);
		fputc(']', o->f);
		trace_out_truncated(o, &ev.e);
		fputs("}\n", o->f);
		return;
	}
	rel = s->time_ns > o->start_ns ? s->time_ns - o->start_ns : 0;
	fprintf(o->f, "%-13.6f%-8u%-8u%-17.*s%-14.3f%s:%s ", rel / 1e9, s->pid, s->tid,
		(int)strnlen(s->comm, sizeof(s->comm)), s->comm, s->duration_ns / 1e6, d->provider,
		d->name);
	trace_out_args(o, &ev.e);
	fputc('\n', o->f);
}

void latency_report(struct trace_out *o, int stats_fd, bool by_thread)
{
	__u64 opened, unpaired, overflow, no_pair;
	__s64 open;
	struct json j;

	percpu_sum(stats_fd, TRACE_STAT_OPEN, &opened);
	/* STARTs less ENDs: never below 0, whatever a preempted update lost */
	open = (__s64)opened < 0 ? 0 : (__s64)opened;
	percpu_sum(stats_fd, TRACE_STAT_UNPAIRED, &unpaired);
	percpu_sum(stats_fd, TRACE_STAT_OVERFLOW, &overflow);
	percpu_sum(stats_fd, TRACE_STAT_NO_PAIR, &no_pair);
	if (o->json) {
		json_begin(&j, o->f);
		json_key(&j, "latency");
		json_obj_open(&j);
		json_key(&j, "open_starts");
		json_uint(&j, (__u64)open);
		json_key(&j, "unpaired_ends");
		json_uint(&j, unpaired);
		json_key(&j, "overflow");
		json_uint(&j, overflow);
		json_key(&j, "no_pair_key");
		json_uint(&j, no_pair);
		json_obj_close(&j);
		json_end(&j);
	}
	fflush(o->f);
	fprintf(stderr,
		"usdtctl: %llu STARTs still open, %llu ENDs without a START, %llu STARTs nested "
		"deeper than %d (not timed)\n",
		(unsigned long long)open, (unsigned long long)unpaired,
		(unsigned long long)overflow, LAT_DEPTH);
	if (no_pair && by_thread)
		cli_warn("%llu STARTs not timed: their thread's storage could not be had",
			 (unsigned long long)no_pair);
	else if (no_pair)
		cli_warn("%llu hits without a pair key (unreadable, or more than %d keys open)",
			 (unsigned long long)no_pair, LAT_MAX_OPEN);
}

/* ---- options ------------------------------------------------------------------------------ */

static void do_help(void *ctx, FILE *out)
{
	(void)ctx;
	fprintf(out,
		"Usage: usdtctl latency [-p PID... | -c CMD] [--json] [-o FILE] [--pair tid|pid|argN]\n"
		"                       [--by KEYS] [--hist | --stats] [--slower DURATION]\n"
		"                       [--filter EXPR] [--top N] [--max-keys N] [-i SECONDS]\n"
		"                       [--prometheus ADDR | --perfetto FILE]\n"
		"                       [-d SECONDS] [TARGET] START END\n"
		"\n"
		"The time from each hit of the START probe to the next hit of END that matches it,\n"
		"paired and aggregated in BPF: on the same thread (--pair tid), in the same process\n"
		"(--pair pid), or with an equal argument (--pair argN, a request id that moves\n"
		"between threads). Nested pairs (recursion) pair innermost first, up to %d deep per\n"
		"pair key; deeper STARTs are counted and not timed. An END without a START is\n"
		"ignored; STARTs still open at the end are counted. START and END are probes as in\n"
		"'usdtctl trace', with type lists; TARGET, -p and -c as there.\n"
		"With --json: {\"start\", \"end\", \"by\": {...}, \"count\", \"avg_ns\", \"min_ns\",\n"
		"\"max_ns\", \"hist\": [{\"ge\", \"lt\", \"count\"}, ...]} per row (hist in microseconds),\n"
		"{\"time_ns\", \"pid\", \"tid\", \"comm\", \"duration_ns\", \"args\": [...]} per slow pair,\n"
		"then {\"latency\": {\"open_starts\", \"unpaired_ends\", \"overflow\", \"no_pair_key\"}}\n"
		"and {\"summary\": {...}}.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID         pairs in process PID only (-p again: more processes)\n"
		"  -c, --command CMD     run CMD with the probes attached; ends when CMD exits\n"
		"  -o, --output FILE     write the rows and slow pairs to FILE instead of stdout\n"
		"      --pair KEY        what matches an END to a START: tid (default), pid, argN\n"
		"      --by KEYS         one row per START probe and key, from START's hit: a comma\n"
		"                        list of probe, argN (a string by its contents), pid, tid, comm\n"
		"      --hist            a power-of-two histogram of the times in microseconds, with\n"
		"                        count, average, min and max (the default)\n"
		"      --stats           count, average, min and max only\n"
		"      --slower DURATION print each pair slower than DURATION as it completes: time,\n"
		"                        pid, tid, comm, duration and START's arguments (a string one\n"
		"                        only when it is a --by key); DURATION as 10ms, 500us, 1.5s\n"
		"      --filter EXPR     only the STARTs for which EXPR holds (see 'usdtctl trace\n"
		"                        --help', Filters); an END closes whichever START is open\n"
		"      --top N           print only the N rows with the most pairs\n"
		"      --max-keys N      at most N keys (default %d); pairs of more keys are counted\n"
		"                        and reported\n"
		"  -i, --interval SECS   print each SECS interval's rows\n"
		"      --prometheus ADDR serve the times on http://ADDR/metrics as Prometheus\n"
		"                        histograms usdt_latency_seconds{start,end,KEYS} (log2\n"
		"                        buckets, _sum, _count), read from BPF at each scrape\n"
		"                        (not with -i); ADDR as in 'usdtctl trace --help'\n"
		"      --perfetto FILE   also write each pair to FILE as a Perfetto slice on its\n"
		"                        thread's track, START's arguments as annotations;\n"
		"                        timestamps on CLOCK_MONOTONIC; with --pair tid only\n"
		"  -d, --duration SECS   stop after SECS seconds\n"
		"  -h, --help            this help\n"
		"\n",
		LAT_DEPTH, AGG_DEF_KEYS);
	cli_global_help(out, "latency");
	fprintf(out,
		"\n"
		"Memory: %d bytes per live thread that has hit a START (--pair tid, kept until it\n"
		"exits) or per pair key with open STARTs (at most %d), allocated as needed, and\n"
		"the aggregates as in 'usdtctl trace --help'.\n"
		"\n"
		"Examples:\n"
		"  usdtctl latency -p 1234 --by arg0 'postgresql:query__start(str)' "
		"postgresql:query__done\n"
		"  usdtctl latency --slower 10ms /usr/lib/postgresql/15/bin/postgres \\\n"
		"      'postgresql:query__start(str)' postgresql:query__done\n"
		"  usdtctl latency -c ./server --pair arg0 --stats app:request__start app:request__done\n"
		"\n"
		"Exit status: 0 success, 1 runtime failure, 2 usage error.\n",
		(int)sizeof(struct lat_stack), LAT_MAX_OPEN);
}

int latency_parse_duration(const char *s, __u64 *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"", 1e6}};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			*ns = v * units[i].mult;
			return *ns ? 0 : -EINVAL;
		}
	}
	return -EINVAL;
}

static int parse_pair(const char *s, struct lat_cfg *lat)
{
	char *end;
	long n;

	if (!strcmp(s, "tid") || !strcmp(s, "pid")) {
		lat->pair = s[0] == 't' ? LAT_PAIR_TID : LAT_PAIR_PID;
		return 0;
	}
	if (strncmp(s, "arg", 3) || s[3] < '0' || s[3] > '9')
		return -EINVAL;
	n = strtol(s + 3, &end, 10);
	if (*end || n >= USDT_MAX_ARGS)
		return -EINVAL;
	lat->pair = LAT_PAIR_ARG;
	lat->pair_arg = n;
	return 0;
}

/* latency's own options */
static int latency_option(void *ctx, int opt, const char *arg)
{
	struct trace_opts *o = ctx;
	struct analysis *a = &o->an;

	switch (opt) {
	case OPT_PAIR:
		if (parse_pair(arg, &a->lat))
			return cli_error(EXIT_USAGE,
					 "latency: bad --pair '%s' (tid, pid or argN, N < %d)", arg,
					 USDT_MAX_ARGS);
		return 0;
	case OPT_LAT_HIST:
	case OPT_LAT_STATS:
		if (a->agg.cfg.value != AGG_VALUE_NONE)
			return cli_error(EXIT_USAGE,
					 "latency: --hist and --stats exclude each other");
		a->agg.cfg.value = opt == OPT_LAT_HIST ? AGG_VALUE_LOG2 : AGG_VALUE_STATS;
		a->agg.cfg.slots = opt == OPT_LAT_HIST ? AGG_LOG2_SLOTS : 0;
		return 0;
	case OPT_SLOWER:
		if (latency_parse_duration(arg, &a->lat.slower_ns))
			return cli_error(EXIT_USAGE,
					 "latency: bad --slower '%s' (as 10ms, 500us, 1.5s)", arg);
		a->lat.send_pairs = 1;
		return 0;
	default:
		return TRACER_OPT_OTHER;
	}
}

static int parse_options(int argc, char **argv, struct trace_opts *o)
{
	static const struct option opts[] = {
		{"pair", required_argument, NULL, OPT_PAIR},
		{"by", required_argument, NULL, OPT_BY},
		{"hist", no_argument, NULL, OPT_LAT_HIST},
		{"stats", no_argument, NULL, OPT_LAT_STATS},
		{"slower", required_argument, NULL, OPT_SLOWER},
		TRACER_LONGOPTS,
		{"filter", required_argument, NULL, OPT_FILTER},
		{"top", required_argument, NULL, OPT_TOP},
		{"max-keys", required_argument, NULL, OPT_MAX_KEYS},
		CLI_GLOBAL_LONGOPTS,
		{0},
	};
	const struct tracer_getopt g = {
		":" TRACER_SHORTOPTS "h" CLI_GLOBAL_SHORTOPTS, opts, latency_option, do_help, o,
	};
	int err = tracer_getopt(argc, argv, o, &g);

	if (!err)
		err = tracer_options_check(o);
	if (!err && o->an.stack)
		return cli_error(EXIT_USAGE, "latency: --by stack: stacks are trace's (--stack)");
	return err;
}

int do_latency(int argc, char **argv)
{
	struct trace_opts o = {.an = {.cmd = "latency", .latency = true}, .count = true};
	int err = parse_options(argc, argv, &o);

	if (err)
		return err < 0 ? 0 : err;
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3)
		return cli_error(EXIT_USAGE, "latency: expected [TARGET] START END; see 'usdtctl "
					     "latency --help'");
	o.json = cli_env.json;
	if (argc == 3)
		o.target = *argv++;
	o.probes = argv;
	o.probe_cnt = 2;
	o.an.start = argv[0];
	o.an.end = argv[1];
	return tracer_main(&o);
}
