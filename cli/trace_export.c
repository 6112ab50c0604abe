// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Nothing here runs per hit for --prometheus: a scrape reads the maps BPF keeps. --perfetto
 * turns each ring buffer record into TrackEvents, in place of the text or JSON line.
 */
#define _GNU_SOURCE
#include "trace_export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http_server.h"
#include "latency.h"
#include "percpu.h"
#include "perfetto.h"
#include "prometheus.h"
#include "slice_order.h"
#include "trace.h"
#include "usdt.h"

static int collect(void *ctx, FILE *body)
{
	return trace_metrics_write(ctx, body);
}

int trace_export_option(struct trace_opts *o, int opt, const char *arg)
{
	if (opt == OPT_PROMETHEUS)
		o->prometheus = arg;
	else if (opt == OPT_PERFETTO)
		o->perfetto = arg;
	else
		return 1;
	return 0;
}

int trace_export_check(const struct trace_opts *o)
{
	const char *cmd = o->an.cmd;
	bool agg = analysis_aggregates(&o->an);

	if (o->prometheus && o->perfetto)
		return cli_error(EXIT_USAGE, "%s: --prometheus and --perfetto exclude each other",
				 cmd);
	if (o->output && o->perfetto)
		return cli_error(EXIT_USAGE, "%s: -o and --perfetto exclude each other", cmd);
	if (o->prometheus && !o->count)
		return cli_error(EXIT_USAGE,
				 "%s: --prometheus needs --count, --stats, --hist or --lhist", cmd);
	/* scrapes read running totals, which -i would delete interval by interval */
	if (o->prometheus && agg && o->interval_s)
		return cli_error(EXIT_USAGE,
				 "%s: --prometheus serves running totals: drop -i (intervals reset "
				 "the aggregates)",
				 cmd);
	if (o->perfetto && agg && !o->an.latency)
		return cli_error(
			EXIT_USAGE,
			"%s: --perfetto writes hits, --count's counts or latency's pairs, not "
			"aggregates",
			cmd);
	/* other pair keys join STARTs and ENDs of different threads: no one thread's track */
	if (o->perfetto && o->an.latency && o->an.lat.pair != LAT_PAIR_TID)
		return cli_error(
			EXIT_USAGE,
			"%s: --perfetto draws each pair on its thread's track: needs --pair "
			"tid",
			cmd);
	return 0;
}

int trace_export_open(struct trace_export *x, const struct trace_opts *o)
{
	const char *prom_addr = o->prometheus, *perfetto_path = o->perfetto;

	x->o = o;
	if (prom_addr) {
		x->http = http_server_new(prom_addr, "/metrics", PROM_CONTENT_TYPE, collect, x);
		if (!x->http && errno == EINVAL)
			return cli_error(
				EXIT_USAGE,
				"%s: --prometheus '%s': not HOST:PORT, [IPV6]:PORT or :PORT",
				o->an.cmd, prom_addr);
		if (!x->http)
			return cli_error(EXIT_RUNTIME, "--prometheus %s: cannot listen: %s",
					 prom_addr, strerror(errno));
	}
	if (perfetto_path) {
		x->pf = perfetto_open(perfetto_path);
		if (!x->pf)
			return cli_error(EXIT_RUNTIME, "--perfetto %s: %s", perfetto_path,
					 strerror(errno));
		x->pf_path = perfetto_path;
		if (o->an.latency && !(x->slices = slice_order_new(x->pf)))
			return cli_error(EXIT_RUNTIME, "out of memory");
	}
	return 0;
}

static int id_name_cmp(const void *a, const void *b, void *out)
{
	const struct trace_probe_desc *probes = ((const struct trace_out *)out)->probes;
	const struct trace_probe_desc *x = &probes[*(const size_t *)a];
	const struct trace_probe_desc *y = &probes[*(const size_t *)b];
	int c = strcmp(x->provider, y->provider);

	return c ? c : strcmp(x->name, y->name);
}

/* Rows: the probe ids grouped by provider:name, in name order. */
static int make_rows(struct trace_export *x)
{
	size_t n = x->probe_cnt, *ids = calloc(n ? n : 1, sizeof(*ids));

	x->row_of = calloc(n ? n : 1, sizeof(*x->row_of));
	x->row_probe = calloc(n ? n : 1, sizeof(*x->row_probe));
	x->row_sum = calloc(n ? n : 1, sizeof(*x->row_sum));
	x->row_shown = calloc(n ? n : 1, sizeof(*x->row_shown));
	x->counter_track = calloc(n ? n : 1, sizeof(*x->counter_track));
	if (!ids || !x->row_of || !x->row_probe || !x->row_sum || !x->row_shown ||
	    !x->counter_track) {
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = i;
	qsort_r(ids, n, sizeof(*ids), id_name_cmp, (void *)x->out);
	for (size_t i = 0; i < n; i++) {
		if (!i || id_name_cmp(&ids[i - 1], &ids[i], (void *)x->out))
			x->row_probe[x->row_cnt++] = ids[i];
		x->row_of[ids[i]] = x->row_cnt - 1;
	}
	free(ids);
	return 0;
}

/* --perfetto: "provider:name" per probe id, the events' names, for the probes set up so far. */
static int make_labels(struct trace_export *x)
{
	size_t n = x->out->probe_cnt;
	char **l = realloc(x->labels, (n ? n : 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	x->labels = l;
	for (; x->label_cnt < n; x->label_cnt++) {
		const struct trace_probe_desc *d = &x->out->probes[x->label_cnt];

		if (asprintf(&l[x->label_cnt], "%s:%s", d->provider, d->name) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Probe id's label; a probe armed after the start (following processes) gets one here. */
static const char *label_of(struct trace_export *x, __u32 id)
{
	if (id >= x->label_cnt && make_labels(x))
		return "?"; /* out of memory: the event keeps its provider */
	return x->labels[id];
}

int trace_export_start(struct trace_export *x, const struct trace_out *out,
		       const struct trace_scan *sc, const struct trace_export_maps *maps,
		       __u64 start_ns)
{
	int err;

	x->out = out;
	x->probe_cnt = out->probe_cnt;
	x->sc = sc;
	x->maps = *maps;
	err = make_rows(x);
	if (!err && x->pf)
		err = make_labels(x);
	if (err)
		return cli_error(EXIT_RUNTIME, "out of memory");
	/* counts start at zero on a counter track per provider:name */
	for (size_t r = 0;
	     x->pf && x->o->count && !analysis_aggregates(&x->o->an) && r < x->row_cnt; r++) {
		x->counter_track[r] = perfetto_counter_track(x->pf, x->labels[x->row_probe[r]]);
		perfetto_counter(x->pf, start_ns, x->counter_track[r], 0);
	}
	if (x->http)
		fprintf(stderr, "usdtctl: serving metrics on http://%s/metrics\n",
			http_server_address(x->http));
	return 0;
}

int trace_export_fd(const struct trace_export *x)
{
	return x->http ? http_server_fd(x->http) : -1;
}

int trace_export_timeout_ms(const struct trace_export *x)
{
	return x->http ? http_server_timeout_ms(x->http) : -1;
}

void trace_export_work(struct trace_export *x)
{
	if (x->http)
		http_server_work(x->http);
}

static const char *const arg_names[USDT_MAX_ARGS] = {
	"arg0", "arg1", "arg2", "arg3", "arg4",	 "arg5",
	"arg6", "arg7", "arg8", "arg9", "arg10", "arg11",
};
/* beside a string cut at --strlen bytes, as JSON's args_truncated: the string is not edited */
#define EVENT_ARGS_MAX (2 * USDT_MAX_ARGS)
static const char *const cut_names[USDT_MAX_ARGS] = {
	"arg0_truncated", "arg1_truncated", "arg2_truncated",  "arg3_truncated",
	"arg4_truncated", "arg5_truncated", "arg6_truncated",  "arg7_truncated",
	"arg8_truncated", "arg9_truncated", "arg10_truncated", "arg11_truncated",
};

/*
 * The annotations of e's arguments into args (room for EVENT_ARGS_MAX): a cut string with
 * argN_truncated beside it. Returns how many.
 */
static size_t event_args(const struct trace_probe_desc *d, const struct trace_event *e,
			 struct perfetto_arg *args)
{
	size_t n = 0, pos = 0;

	for (int i = 0; i < e->arg_cnt && i < USDT_MAX_ARGS; i++) {
		struct perfetto_arg *a = &args[n];
		__u16 bit = 1 << i;

		/* an argument that could not be read has no annotation */
		if (e->err_mask & bit)
			continue;
		a->name = arg_names[i];
		if (e->str_mask & bit) {
			a->kind = PERFETTO_ARG_STR;
			a->str.s = e->data + pos;
			a->str.len = e->args[i];
			pos += e->args[i];
			if (e->trunc_mask & bit) {
				n++;
				args[n] = (struct perfetto_arg){
					.name = cut_names[i], .kind = PERFETTO_ARG_UINT, .u = 1};
			}
		} else if (d->fmt[i] == FMT_SIGNED) {
			a->kind = PERFETTO_ARG_INT;
			a->i = (__s64)e->args[i];
		} else {
			a->kind = d->fmt[i] == FMT_HEX ? PERFETTO_ARG_HEX : PERFETTO_ARG_UINT;
			a->u = e->args[i];
		}
		n++;
	}
	return n;
}

static __u64 event_track(struct trace_export *x, const struct trace_event *e)
{
	char comm[TRACE_COMM_LEN + 1];

	memcpy(comm, e->comm, TRACE_COMM_LEN);
	comm[TRACE_COMM_LEN] = '\0';
	return perfetto_thread_track(x->pf, e->pid, e->tid, comm);
}

/* An instant, or a slice begin, of e on its thread's track: named name, or after its probe. */
static void put_event(struct trace_export *x, enum perfetto_event_type type,
		      const struct trace_event *e, const char *name)
{
	const struct trace_probe_desc *d = &x->out->probes[e->probe_id];
	struct perfetto_arg args[EVENT_ARGS_MAX];
	size_t n = event_args(d, e, args);

	perfetto_event(x->pf, type, e->time_ns, event_track(x, e), d->provider,
		       name ? name : label_of(x, e->probe_id), args, n);
}

/* latency: a pair as a slice from its START to its END, START's arguments as annotations */
static void put_pair(struct trace_export *x, struct trace_out *out, const void *data, size_t size)
{
	struct perfetto_arg args[EVENT_ARGS_MAX];
	const struct lat_slow *s = data;
	struct lat_event ev;
	const struct trace_probe_desc *d;
	size_t n;

	if (size < sizeof(*s) || s->start.probe_id >= out->probe_cnt ||
	    s->duration_ns > s->time_ns) {
		out->malformed++;
		return;
	}
	d = &out->probes[s->start.probe_id];
	latency_pair_event(&x->o->an, d, s, &ev);
	n = event_args(d, &ev.e, args);
	slice_order_add(x->slices, event_track(x, &ev.e), s->time_ns - s->duration_ns, s->time_ns,
			s->depth, d->provider, label_of(x, ev.e.probe_id), args, n);
}

void trace_export_record(struct trace_export *x, struct trace_out *out, const void *data,
			 size_t size)
{
	if (x->slices) {
		put_pair(x, out, data, size);
		return;
	}
	if (!trace_event_valid(out, data, size)) {
		out->malformed++;
		return;
	}
	put_event(x, PERFETTO_INSTANT, data, NULL);
}

void trace_export_slice_begin(struct trace_export *x, const struct trace_event *e, const char *name)
{
	put_event(x, PERFETTO_SLICE_BEGIN, e, name);
}

void trace_export_slice_end(struct trace_export *x, const struct trace_event *e)
{
	perfetto_slice_end(x->pf, e->time_ns, event_track(x, e));
}

void trace_export_counts(struct trace_export *x, const __u64 *counts, __u64 ts_ns)
{
	/* --count's counts per probe only: aggregates and pairs have no counter tracks */
	if (!x->pf || !x->o->count || analysis_aggregates(&x->o->an))
		return;
	memset(x->row_sum, 0, x->row_cnt * sizeof(*x->row_sum));
	for (size_t id = 0; id < x->probe_cnt; id++)
		x->row_sum[x->row_of[id]] += counts[id];
	for (size_t r = 0; r < x->row_cnt; r++) {
		perfetto_counter(x->pf, ts_ns, x->counter_track[r],
				 x->row_sum[r] - x->row_shown[r]);
		x->row_shown[r] = x->row_sum[r];
	}
}

int trace_export_close(struct trace_export *x)
{
	int err;

	http_server_free(x->http);
	x->http = NULL;
	if (!x->pf)
		return 0;
	/* pairs whose outer START never ended, in order before the file closes */
	if (x->slices && slice_order_dropped(x->slices))
		cli_warn("--perfetto: %llu pairs not drawn: more than %d waited for the pair "
			 "around them",
			 (unsigned long long)slice_order_dropped(x->slices), SLICE_ORDER_MAX);
	slice_order_free(x->slices);
	x->slices = NULL;
	err = perfetto_close(x->pf);
	x->pf = NULL;
	if (err)
		return cli_error(EXIT_RUNTIME, "--perfetto %s: writing: %s", x->pf_path,
				 strerror(-err));
	return 0;
}

void trace_export_free(struct trace_export *x)
{
	trace_export_close(x);
	for (size_t i = 0; i < x->label_cnt; i++)
		free(x->labels[i]);
	free(x->labels);
	free(x->row_of);
	free(x->row_probe);
	free(x->row_sum);
	free(x->row_shown);
	free(x->counter_track);
}
