// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A scrape: the tracer's BPF maps as Prometheus metric families, read as they are at that
 * moment (nothing is kept per hit in userspace). Hits per probe come from the counts map, or
 * per key from the aggregates with --count --by; the values of --stats/--hist/--lhist and the
 * latencies are histograms per key; then what was lost, dropped and attached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "percpu.h"
#include "prometheus.h"
#include "trace_export.h"
#include "usdt.h"

/* provider and name (or start and end), then a label per --by part */
#define MAX_LABELS (2 + AGG_MAX_BY)

/* Hits per provider:name, summed over its probe ids. */
static void probe_hits(const struct trace_export *x, struct prom_writer *w)
{
	const struct trace_probe_desc *probes = x->out->probes;
	__u64 v;

	memset(x->row_sum, 0, x->row_cnt * sizeof(*x->row_sum));
	for (size_t id = 0; id < x->probe_cnt; id++) {
		if (percpu_sum(x->maps.counts, id, &v) == 0)
			x->row_sum[x->row_of[id]] += v;
	}
	for (size_t r = 0; r < x->row_cnt; r++) {
		const struct trace_probe_desc *d = &probes[x->row_probe[r]];
		struct prom_label l[] = {{"provider", d->provider}, {"name", d->name}};

		prom_value(w, l, 2, x->row_sum[r]);
	}
}

struct row_labels {
	struct prom_label l[MAX_LABELS];
	char *text[MAX_LABELS]; /* what is allocated */
	char names[AGG_MAX_BY][8];
	size_t cnt;
};

static void labels_free(struct row_labels *rl)
{
	for (size_t i = 0; i < rl->cnt; i++)
		free(rl->text[i]);
}

/* A row's labels: provider and name, or latency's start and end, then its --by parts. */
static int row_labels(const struct agg_out *ao, const struct agg_row *r, struct row_labels *rl)
{
	const struct agg_cfg *c = &ao->opts->cfg;
	size_t sz;
	FILE *m;

	memset(rl, 0, sizeof(*rl));
	if (ao->end) {
		if (asprintf(&rl->text[0], "%s:%s", r->d->provider, r->d->name) < 0)
			return -ENOMEM;
		rl->cnt = 1;
		rl->l[0] = (struct prom_label){"start", rl->text[0]};
		rl->l[1] = (struct prom_label){"end", ao->end};
	} else {
		rl->l[0] = (struct prom_label){"provider", r->d->provider};
		rl->l[1] = (struct prom_label){"name", r->d->name};
	}
	for (int i = 0; i < c->by_cnt; i++) {
		m = open_memstream(&rl->text[rl->cnt], &sz);
		if (!m)
			return -ENOMEM;
		agg_part_label(ao, r, i, m);
		if (fclose(m))
			return -ENOMEM;
		rl->l[2 + i] = (struct prom_label){agg_part_name(&c->by[i], rl->names[i], 8),
						   rl->text[rl->cnt++]};
	}
	return 0;
}

/* One row's histogram: log2 slots shift by one (BPF keeps < 0 and 0 apart, le="0" holds both). */
static void row_histogram(struct prom_writer *w, const struct agg_cfg *c, bool latency,
			  const struct agg_row *r, const struct prom_label *l, size_t cnt)
{
	uint64_t slots[PROM_LOG2_SLOTS];

	if (c->value == AGG_VALUE_STATS) {
		prom_count_sum(w, l, cnt, r->count, r->sum, latency ? 1e9 : 1);
	} else if (c->value == AGG_VALUE_LINEAR) {
		struct prom_linear_hist h = {(const uint64_t *)r->slot, c->slots, r->sum, c->lmin,
					     c->lstep};

		prom_linear_histogram(w, l, cnt, &h);
	} else {
		/* latency: the time in ns, its slot in microseconds */
		struct prom_log2_hist h = {slots, AGG_LOG2_SLOTS - 1, r->sum, latency ? 1e9 : 1,
					   latency ? 1000 : 1};

		slots[0] = r->slot[0] + r->slot[1];
		for (int i = 1; i < AGG_LOG2_SLOTS - 1; i++)
			slots[i] = r->slot[i + 1];
		prom_histogram(w, l, cnt, &h);
	}
}

/* The aggregates: hits per key (--count --by), or a histogram per key. */
static int agg_rows(const struct trace_export *x, struct prom_writer *w)
{
	const struct analysis *an = &x->o->an;
	const struct agg_out ao = {
		.opts = &an->agg,
		.probes = x->out->probes,
		.probe_cnt = x->out->probe_cnt,
		.end = an->latency ? an->end : NULL,
		.sym = x->out->sym,
		.stacks_fd = x->maps.stacks,
		.arr_fd = x->maps.agg_arr,
		.arr_probes = x->maps.agg_arr_probes,
	};
	bool hits = an->agg.cfg.value == AGG_VALUE_NONE;
	struct agg_row *rows = NULL;
	struct row_labels rl;
	size_t n = 0;
	int err;

	err = agg_read(&ao, x->maps.agg, 0, false, &rows, &n);
	if (hits)
		prom_family(w, "usdt_probe_hits_total", PROM_COUNTER,
			    "Hits of a USDT probe (provider:name) per --by key, counted in BPF.");
	else if (an->latency)
		prom_family(w, "usdt_latency_seconds", PROM_HISTOGRAM,
			    "Time from a START probe's hit to the END hit paired with it.");
	else
		prom_family(w, "usdt_probe_value", PROM_HISTOGRAM,
			    "Values of a USDT probe's argument, per --by key.");
	for (size_t i = 0; !err && i < n; i++) {
		err = row_labels(&ao, &rows[i], &rl);
		if (!err && hits)
			prom_value(w, rl.l, 2 + an->agg.cfg.by_cnt, rows[i].count);
		else if (!err)
			row_histogram(w, &an->agg.cfg, an->latency, &rows[i], rl.l,
				      2 + an->agg.cfg.by_cnt);
		labels_free(&rl);
	}
	agg_rows_free(rows, n);
	return err;
}

int trace_metrics_write(const struct trace_export *x, FILE *body)
{
	const struct analysis *an = &x->o->an;
	bool agg = analysis_aggregates(an);
	struct prom_writer w;
	__u64 v, sites = 0;
	int err = 0;

	prom_init(&w, body);
	/* with --count --by, the hits are the aggregate's rows; else per probe */
	if (!agg || an->agg.cfg.value != AGG_VALUE_NONE) {
		prom_family(&w, "usdt_probe_hits_total", PROM_COUNTER,
			    "Hits of a USDT probe (provider:name), counted in BPF.");
		probe_hits(x, &w);
	}
	if (agg)
		err = agg_rows(x, &w);
	if (err)
		return err;
	prom_family(&w, "usdt_events_lost_total", PROM_COUNTER,
		    "Events dropped because the ring buffer was full.");
	percpu_sum(x->maps.stats, TRACE_STAT_LOST, &v);
	prom_value(&w, NULL, 0, v);
	prom_family(&w, "usdt_keys_dropped_total", PROM_COUNTER,
		    "Hits not aggregated: their key was new past --max-keys.");
	percpu_sum(x->maps.stats, TRACE_STAT_DROPPED, &v);
	prom_value(&w, NULL, 0, v);
	for (size_t i = 0; i < x->sc->obj_cnt; i++) {
		if (x->sc->objs[i].link)
			sites += usdt_link__site_cnt(x->sc->objs[i].link);
	}
	prom_family(&w, "usdt_attached_sites", PROM_GAUGE, "Probe sites attached.");
	prom_value(&w, NULL, 0, sites);
	return prom_finish(&w);
}
