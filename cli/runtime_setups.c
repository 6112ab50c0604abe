// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime commands' setups: from the runtime catalog's entry for the command's role, the
 * trace each asks for (probes, keys, aggregates, latency pairs, or events for on_event).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runtime_cmd.h"

/* stat's columns: the first probe of each role, per second */
static const struct {
	enum rt_role role;
	const char *title;
} stat_cols[] = {
	{RT_CALL, "calls"},	      {RT_GC, "gcs"},	      {RT_ALLOC, "objects"},
	{RT_CLASSLOAD, "classloads"}, {RT_THREAD, "threads"}, {RT_EXCEPTION, "exceptions"},
};

_Static_assert(sizeof(stat_cols) / sizeof(stat_cols[0]) == STAT_COLS, "a title per column");

/* The key's arguments as --by, and the text between them as the label's separators. */
static int by_key(struct rt_cmd_run *r, const char *label)
{
	const struct rt_key *k = &r->role->key;
	struct analysis *a = &r->o.an;
	char by[64] = "";
	size_t n = 0;

	for (int i = 0; i < k->cnt && i < AGG_MAX_BY; i++) {
		n += snprintf(by + n, sizeof(by) - n, "%sarg%d", i ? "," : "", k->arg[i]);
		a->agg.sep[i] = k->sep[i];
	}
	a->agg.label = label;
	return analysis_option(a, OPT_BY, by);
}

/* The options every aggregating command passes on: --filter, --top. */
static int common(struct rt_cmd_run *r)
{
	struct analysis *a = &r->o.an;
	int err = 0;

	if (r->filter)
		err = analysis_option(a, OPT_FILTER, r->filter);
	if (!err && r->top)
		err = analysis_option(a, OPT_TOP, r->top);
	return err;
}

/* START and END paired per thread, the time aggregated per key by the latency engine. */
static int paired(struct rt_cmd_run *r, const char *label, bool stats)
{
	struct analysis *a = &r->o.an;
	int err = 0;

	a->latency = true;
	a->start = r->probes[0] = r->role->probe[0];
	a->end = r->probes[1] = r->role->probe[1];
	a->lat.pair = LAT_PAIR_TID;
	a->lat.slower_ns = r->slower_ns;
	a->lat.send_pairs = r->slower_ns != 0;
	r->o.probe_cnt = 2;
	r->o.count = true;
	if (stats) {
		a->agg.cfg.value = AGG_VALUE_STATS;
		a->agg.cfg.slots = 0;
	}
	if (label)
		err = by_key(r, label);
	return err ? err : common(r);
}

int rt_setup_calls(struct rt_cmd_run *r)
{
	int err;

	if (r->latency)
		return paired(r, "function", true);
	r->probes[0] = r->role->probe[0];
	r->o.probe_cnt = 1;
	r->o.an.count = true;
	err = by_key(r, "function");
	return err ? err : common(r);
}

int rt_setup_queries(struct rt_cmd_run *r)
{
	/* with --slower, the query's text: a key, so that the slow pairs show it */
	return paired(r, r->slower_ns ? "query" : NULL, r->slower_ns);
}

int rt_setup_objnew(struct rt_cmd_run *r)
{
	char size[16];
	int err;

	r->probes[0] = r->role->probe[0];
	r->o.probe_cnt = 1;
	err = by_key(r, "type");
	if (!err && r->role->size_arg >= 0) {
		snprintf(size, sizeof(size), "arg%d", r->role->size_arg);
		err = analysis_option(&r->o.an, OPT_STATS, size);
	} else {
		r->o.an.count = true;
	}
	return err ? err : common(r);
}

/* Both probes' events, shown by the tracer or by on_event. */
static int events(struct rt_cmd_run *r,
		  void (*on_event)(void *, struct trace_out *, const struct trace_event *))
{
	r->probes[0] = r->role->probe[0];
	r->probes[1] = r->role->probe[1];
	r->o.probe_cnt = 2;
	r->o.on_event = on_event;
	r->o.event_ctx = &r->ev;
	r->ev.role = r->role;
	r->ev.json = r->o.json;
	return r->filter ? analysis_option(&r->o.an, OPT_FILTER, r->filter) : 0;
}

int rt_setup_flow(struct rt_cmd_run *r)
{
	if (!r->o.json && !r->o.perfetto)
		rt_flow_header(stdout);
	return events(r, rt_flow_event);
}

int rt_setup_gc(struct rt_cmd_run *r)
{
	if (!r->o.json)
		rt_gc_header(stdout);
	return events(r, rt_gc_event);
}

int rt_setup_threads(struct rt_cmd_run *r)
{
	return events(r, NULL);
}

/* The runtimes stat covers: RUNTIME's (or -p's, -c's), else every one of the catalog. */
static const struct runtime *stat_runtime(const struct rt_cmd_run *r, size_t i)
{
	if (r->rt)
		return i ? NULL : r->rt;
	return i < r->cat.cnt ? &r->cat.rt[i] : NULL;
}

int rt_setup_stat(struct rt_cmd_run *r)
{
	struct agg_pivot *p = &r->o.an.agg.pivot;
	const struct runtime *rt;
	int col[STAT_COLS], cols = 0, n = 0, err;

	/* a column for each role a covered runtime has, in stat_cols' order */
	for (size_t i = 0; i < STAT_COLS; i++) {
		col[i] = -1;
		for (size_t k = 0; (rt = stat_runtime(r, k)) && col[i] < 0; k++) {
			if (rt->role[stat_cols[i].role].set) {
				r->col_titles[cols] = stat_cols[i].title;
				col[i] = cols++;
			}
		}
	}
	for (size_t k = 0; (rt = stat_runtime(r, k)); k++) {
		for (size_t i = 0; i < STAT_COLS; i++) {
			const struct rt_role_entry *e = &rt->role[stat_cols[i].role];
			bool dup = false;

			for (int j = 0; e->set && j < n; j++)
				dup |= !strcmp(r->probes[j], e->probe[0]);
			if (!e->set || dup)
				continue;
			if (n == STAT_PROBES_MAX)
				return cli_error(
					EXIT_USAGE,
					"stat: the runtime catalog gives more than %d probes; "
					"name a RUNTIME",
					STAT_PROBES_MAX);
			r->probes[n] = e->probe[0];
			r->col_of[n++] = col[i];
		}
	}
	r->o.probe_cnt = n;
	r->o.an.count = true;
	if (!r->o.interval_s)
		r->o.interval_s = 1;
	*p = (struct agg_pivot){
		(const char *const *)r->probes, r->col_of, n, r->col_titles, cols, r->o.interval_s};
	err = analysis_option(&r->o.an, OPT_BY, "pid,comm");
	return err ? err : common(r);
}

bool rt_cmd_has_role(const struct runtime *rt, enum rt_role role)
{
	for (size_t i = 0; role == RT_STAT && i < STAT_COLS; i++) {
		if (rt->role[stat_cols[i].role].set)
			return true;
	}
	return role != RT_STAT && rt->role[role].set;
}
