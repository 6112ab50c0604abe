// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Nothing here runs per hit for --prometheus: a scrape reads the maps BPF keeps. --perfetto
 * turns each ring buffer record into one TrackEvent, in place of the text or JSON line.
 */
#define _GNU_SOURCE
#include "trace_export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http_server.h"
#include "percpu.h"
#include "perfetto.h"
#include "prometheus.h"
#include "trace.h"
#include "usdt.h"

/* A scrape: the maps as they are now. */
static int collect(void *ctx, FILE *body)
{
	struct trace_export *x = ctx;
	const struct trace_probe_desc *probes = x->out->probes;
	struct prom_writer w;
	__u64 v, sites = 0;

	memset(x->row_sum, 0, x->row_cnt * sizeof(*x->row_sum));
	for (size_t id = 0; id < x->probe_cnt; id++) {
		if (percpu_sum(x->counts_fd, id, &v) == 0)
			x->row_sum[x->row_of[id]] += v;
	}
	prom_init(&w, body);
	prom_family(&w, "usdt_probe_hits_total", PROM_COUNTER,
		    "Hits of a USDT probe (provider:name), counted in BPF.");
	for (size_t r = 0; r < x->row_cnt; r++) {
		const struct trace_probe_desc *d = &probes[x->row_probe[r]];
		struct prom_label l[] = {{"provider", d->provider}, {"name", d->name}};

		prom_value(&w, l, 2, x->row_sum[r]);
	}
	prom_family(&w, "usdt_events_lost_total", PROM_COUNTER,
		    "Events dropped because the ring buffer was full.");
	percpu_sum(x->stats_fd, TRACE_STAT_LOST, &v);
	prom_value(&w, NULL, 0, v);
	for (size_t i = 0; i < x->sc->obj_cnt; i++) {
		if (x->sc->objs[i].link)
			sites += usdt_link__site_cnt(x->sc->objs[i].link);
	}
	prom_family(&w, "usdt_attached_sites", PROM_GAUGE, "Probe sites attached.");
	prom_value(&w, NULL, 0, sites);
	return prom_finish(&w);
}

int trace_export_open(struct trace_export *x, const char *prom_addr, const char *perfetto_path)
{
	if (prom_addr) {
		x->http = http_server_new(prom_addr, "/metrics", PROM_CONTENT_TYPE, collect, x);
		if (!x->http && errno == EINVAL)
			return cli_error(
				EXIT_USAGE,
				"trace: --prometheus '%s': not HOST:PORT, [IPV6]:PORT or :PORT",
				prom_addr);
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

/* --perfetto: "provider:name" per probe id, the events' names. */
static int make_labels(struct trace_export *x)
{
	x->labels = calloc(x->probe_cnt ? x->probe_cnt : 1, sizeof(*x->labels));
	if (!x->labels)
		return -ENOMEM;
	for (size_t i = 0; i < x->probe_cnt; i++) {
		const struct trace_probe_desc *d = &x->out->probes[i];

		if (asprintf(&x->labels[i], "%s:%s", d->provider, d->name) < 0) {
			x->labels[i] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

int trace_export_start(struct trace_export *x, const struct trace_out *out,
		       const struct trace_scan *sc, int counts_fd, int stats_fd, __u64 start_ns)
{
	int err;

	x->out = out;
	x->probe_cnt = out->probe_cnt;
	x->sc = sc;
	x->counts_fd = counts_fd;
	x->stats_fd = stats_fd;
	err = make_rows(x);
	if (!err && x->pf)
		err = make_labels(x);
	if (err)
		return cli_error(EXIT_RUNTIME, "out of memory");
	/* counts start at zero on a counter track per provider:name */
	for (size_t r = 0; x->pf && counts_fd >= 0 && r < x->row_cnt; r++) {
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

void trace_export_event(struct trace_export *x, struct trace_out *out, const void *data,
			size_t size)
{
	/* a cut string ends in "...", as in the text and JSON lines */
	char comm[TRACE_COMM_LEN + 1], cut[USDT_MAX_ARGS][TRACE_STR_MAX + 3];
	struct perfetto_arg args[USDT_MAX_ARGS];
	const struct trace_event *e = data;
	const struct trace_probe_desc *d;
	size_t n = 0, pos = 0;
	char buf[2 * TRACE_STR_MAX];
	const char *label = buf;
	__u64 track;

	if (!trace_event_valid(out, data, size)) {
		out->malformed++;
		return;
	}
	d = &out->probes[e->probe_id];
	/* a probe armed after the start (following processes) has no label made yet */
	if (e->probe_id < x->probe_cnt)
		label = x->labels[e->probe_id];
	else
		snprintf(buf, sizeof(buf), "%s:%s", d->provider, d->name);
	for (int i = 0; i < e->arg_cnt; i++) {
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
			if (e->trunc_mask & bit) {
				memcpy(cut[i], a->str.s, a->str.len);
				memcpy(cut[i] + a->str.len, "...", 3);
				a->str.s = cut[i];
				a->str.len += 3;
			}
			pos += e->args[i];
		} else if (d->fmt[i] == FMT_SIGNED) {
			a->kind = PERFETTO_ARG_INT;
			a->i = (__s64)e->args[i];
		} else {
			a->kind = d->fmt[i] == FMT_HEX ? PERFETTO_ARG_HEX : PERFETTO_ARG_UINT;
			a->u = e->args[i];
		}
		n++;
	}
	memcpy(comm, e->comm, TRACE_COMM_LEN);
	comm[TRACE_COMM_LEN] = '\0';
	track = perfetto_thread_track(x->pf, e->pid, e->tid, comm);
	perfetto_event(x->pf, PERFETTO_INSTANT, e->time_ns, track, d->provider, label, args, n);
}

void trace_export_counts(struct trace_export *x, const __u64 *counts, __u64 ts_ns)
{
	if (!x->pf)
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
	for (size_t i = 0; x->labels && i < x->probe_cnt; i++)
		free(x->labels[i]);
	free(x->labels);
	free(x->row_of);
	free(x->row_probe);
	free(x->row_sum);
	free(x->row_shown);
	free(x->counter_track);
}
