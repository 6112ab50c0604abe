// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --filter and the aggregate options of trace: parsing, checks, and the tracer's setup. */
#include "analysis.h"

#include <errno.h>
#include <string.h>

#include "cli.h"

int analysis_option(struct analysis *a, int opt, const char *arg)
{
	char err[160];
	int col, e;

	switch (opt) {
	case OPT_FILTER:
		a->filter_expr = arg;
		e = filter_compile(arg, &a->filter, &a->finfo, err, sizeof(err), &col);
		if (e == -ENOMEM)
			return cli_error(EXIT_RUNTIME, "out of memory");
		if (e)
			return cli_error(EXIT_USAGE, "%s: bad --filter '%s' at column %d: %s",
					 a->cmd, arg, col, err);
		return 0;
	case OPT_BY:
		return agg_parse_by(&a->agg, a->cmd, arg);
	case OPT_STATS:
		return agg_parse_value(&a->agg, a->cmd, "--stats", arg, AGG_VALUE_STATS);
	case OPT_HIST:
		return agg_parse_value(&a->agg, a->cmd, "--hist", arg, AGG_VALUE_LOG2);
	case OPT_LHIST:
		return agg_parse_lhist(&a->agg, a->cmd, arg);
	case OPT_TOP:
		return agg_parse_count(&a->agg.top, a->cmd, "--top", arg);
	case OPT_STACK:
		a->stack = true;
		return 0;
	case OPT_FOLDED:
		a->folded = true;
		return 0;
	default: {
		unsigned long v;

		e = agg_parse_count(&v, a->cmd, "--max-keys", arg);
		a->agg.max_keys = v;
		return e;
	}
	}
}

bool analysis_aggregates(const struct analysis *a)
{
	return a->agg.on;
}

int analysis_check(struct analysis *a, bool interval)
{
	struct agg_opts *g = &a->agg;
	bool value = g->cfg.value != AGG_VALUE_NONE, by_stack = false;

	if (a->latency) {
		if (!value) {
			g->cfg.value = AGG_VALUE_LOG2;
			g->cfg.slots = AGG_LOG2_SLOTS;
		}
		g->on = true;
	} else if (a->count && value)
		return cli_error(EXIT_USAGE, "%s: --count excludes --stats, --hist and --lhist",
				 a->cmd);
	else
		g->on = value || (a->count && g->by_set && g->cfg.by_cnt);
	if (!a->latency && !a->count && !value && (g->by_set || g->top || g->max_keys))
		return cli_error(EXIT_USAGE,
				 "%s: --by, --top and --max-keys need --count, --stats, --hist or "
				 "--lhist",
				 a->cmd);
	if (interval && !a->latency && !a->count && !value)
		return cli_error(EXIT_USAGE, "%s: -i needs --count, --stats, --hist or --lhist",
				 a->cmd);
	if (!g->max_keys)
		g->max_keys = AGG_DEF_KEYS;
	agg_layout(&g->cfg);
	for (int i = 0; i < g->cfg.by_cnt; i++)
		by_stack |= g->cfg.by[i].part == AGG_PART_STACK;
	if (a->folded && !(a->count && by_stack))
		return cli_error(EXIT_USAGE, "%s: --folded needs --count --by with stack", a->cmd);
	a->stack |= by_stack;
	return 0;
}

static bool filter_reads_pid(const struct filter_prog *f)
{
	for (__u32 i = 0; i < f->cnt && i < FILTER_MAX_TERMS; i++)
		if (f->term[i].field == FILTER_PID || f->term[i].field == FILTER_TID)
			return true;
	return false;
}

/*
 * The aggregates' maps: keyed by the probe alone, a slot per probe id and interval in an array
 * (no hashing per hit) of --max-keys slots, as many as the hash would have (probe ids past
 * half of them are dropped and counted, as keys past --max-keys are); else the hash.
 */
static int size_aggregates(const struct agg_opts *g, struct trace *skel, __u32 probe_cap)
{
	__u32 arr = g->on && !g->cfg.by_cnt ? probe_cap : 0, vsz = agg_value_size(g);
	int err;

	if (arr > g->max_keys / 2)
		arr = g->max_keys / 2;
	skel->rodata->agg_arr_probes = arr;
	err = bpf_map__set_max_entries(skel->maps.agg_arr, arr ? 2 * arr : 1);
	if (!err)
		err = bpf_map__set_value_size(skel->maps.agg_arr, vsz);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.agg_map, g->on && !arr ? g->max_keys : 1);
	if (!err)
		err = bpf_map__set_key_size(skel->maps.agg_map, agg_key_size(g));
	if (!err)
		err = bpf_map__set_value_size(skel->maps.agg_map, vsz);
	if (!err)
		err = bpf_map__set_value_size(skel->maps.agg_zero, vsz);
	return err;
}

int analysis_configure(const struct analysis *a, struct trace *skel, __u32 probe_cap)
{
	const struct agg_opts *g = &a->agg;
	__u16 need = a->finfo.arg_mask | a->finfo.str_mask << 1; /* a strn's length too */
	int err;

	skel->rodata->mode = a->latency ? TRACE_MODE_LATENCY
			     : g->on	? TRACE_MODE_AGG
			     : a->count ? TRACE_MODE_COUNT
					: TRACE_MODE_EVENTS;
	memcpy((void *)&skel->rodata->lat, &a->lat, sizeof(a->lat));
	memcpy((void *)&skel->rodata->filter, &a->filter, sizeof(a->filter));
	if (a->latency)
		need |= a->lat.pair == LAT_PAIR_ARG ? 1 << a->lat.pair_arg : 0;
	/* latency --slower and --perfetto show START's arguments: all of them */
	if ((g->on || a->count) && !a->lat.send_pairs) {
		skel->rodata->need_args = need | agg_arg_mask(g, !a->latency);
		skel->rodata->need_time = false; /* latency reads the clock where it needs it */
		/* --pair tid finds the thread's STARTs through its task */
		skel->rodata->need_pid =
			(a->latency && a->lat.pair == LAT_PAIR_PID) || filter_reads_pid(&a->filter);
		skel->rodata->need_comm = a->finfo.comm;
		for (int i = 0; i < g->cfg.by_cnt; i++) {
			__u8 part = g->cfg.by[i].part;

			skel->rodata->need_comm |= part == AGG_PART_COMM;
			skel->rodata->need_pid |= part == AGG_PART_PID || part == AGG_PART_TID;
		}
	}
	memcpy((void *)&skel->rodata->agg, &g->cfg, sizeof(g->cfg));
	skel->rodata->need_stack = a->stack;
	/* as many stacks as keys; events keep the last STACK_EVENT_MAX distinct ones */
	err = bpf_map__set_max_entries(skel->maps.stacks, !a->stack ? 1
							  : g->on   ? g->max_keys
								    : STACK_EVENT_MAX);
	if (!err && (!a->latency || a->lat.pair == LAT_PAIR_TID))
		err = bpf_map__set_max_entries(skel->maps.lat_open, 1);
	if (!err)
		err = size_aggregates(g, skel, probe_cap);
	/* nothing to read but the value (or the time): straight from the site into the array */
	skel->rodata->agg_lean =
		skel->rodata->agg_arr_probes && !a->filter.cnt && !a->stack &&
		(!a->latency || (a->lat.pair == LAT_PAIR_TID && !a->lat.send_pairs));
	return err;
}

static bool any_str(const struct trace_probe_desc *probes, size_t cnt, int n)
{
	for (size_t i = 0; i < cnt; i++) {
		if (arg_types_is_str(&probes[i].types, n))
			return true;
	}
	return false;
}

int analysis_check_probes(const struct analysis *a, const struct trace_probe_desc *probes,
			  size_t cnt)
{
	for (int n = 0; n < USDT_MAX_ARGS; n++) {
		if ((a->finfo.str_mask & (1 << n)) && !any_str(probes, cnt, n))
			return cli_error(EXIT_USAGE,
					 "%s: --filter compares arg%d with a string, but no traced "
					 "probe has a string arg%d (give a type list: "
					 "'PROBE(int,str)')",
					 a->cmd, n, n);
	}
	return analysis_aggregates(a) ? agg_check_types(&a->agg, !a->latency, a->cmd, probes, cnt)
				      : 0;
}
