// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Aggregates: the options that configure the tracer's keys and values (--by, --stats, --hist,
 * --lhist), the key's layout, and the checks against the probes' argument types.
 */
#include "aggregate.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "argN" into *n; false when s is not one. */
static bool parse_argn(const char *s, size_t len, __u8 *n)
{
	char *end;
	long v;

	if (len < 4 || strncmp(s, "arg", 3) || s[3] < '0' || s[3] > '9')
		return false;
	v = strtol(s + 3, &end, 10);
	if (end != s + len || v >= USDT_MAX_ARGS)
		return false;
	*n = v;
	return true;
}

int agg_parse_by(struct agg_opts *a, const char *cmd, const char *keys)
{
	static const struct {
		const char *name;
		enum agg_part part;
	} names[] = {{"pid", AGG_PART_PID},
		     {"tid", AGG_PART_TID},
		     {"comm", AGG_PART_COMM},
		     {"stack", AGG_PART_STACK}};
	const char *p = keys;

	a->cfg.by_cnt = 0;
	a->by_set = true;
	for (;;) {
		size_t len = strcspn(p, ",");
		struct agg_by by = {.part = AGG_PART_ARG};
		bool ok = parse_argn(p, len, &by.arg);

		for (size_t i = 0; !ok && i < sizeof(names) / sizeof(names[0]); i++) {
			by.part = names[i].part;
			ok = strlen(names[i].name) == len && !strncmp(p, names[i].name, len);
		}
		/* rows are always per probe: "probe" is accepted and adds no part */
		if (!ok && !(len == 5 && !strncmp(p, "probe", 5)))
			return cli_error(EXIT_USAGE,
					 "%s: --by: unknown key '%.*s' (probe, argN with N < %d, "
					 "pid, tid, comm, stack)",
					 cmd, (int)len, p, USDT_MAX_ARGS);
		if (ok && a->cfg.by_cnt == AGG_MAX_BY)
			return cli_error(EXIT_USAGE, "%s: --by: at most %d keys besides probe", cmd,
					 AGG_MAX_BY);
		if (ok)
			a->cfg.by[a->cfg.by_cnt++] = by;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int agg_parse_value(struct agg_opts *a, const char *cmd, const char *opt, const char *arg,
		    enum agg_value value)
{
	if (a->cfg.value != AGG_VALUE_NONE)
		return cli_error(EXIT_USAGE, "%s: --stats, --hist and --lhist exclude each other",
				 cmd);
	if (!parse_argn(arg, strlen(arg), &a->cfg.value_arg))
		return cli_error(EXIT_USAGE, "%s: %s: expected argN (N < %d), not '%s'", cmd, opt,
				 USDT_MAX_ARGS, arg);
	a->cfg.value = value;
	a->cfg.slots = value == AGG_VALUE_LOG2 ? AGG_LOG2_SLOTS : 0;
	return 0;
}

int agg_parse_lhist(struct agg_opts *a, const char *cmd, const char *arg)
{
	char argn[8], tail;
	long long min, max, step;
	int err;

	if (sscanf(arg, "%7[a-z0-9],%lld,%lld,%lld%c", argn, &min, &max, &step, &tail) != 4)
		return cli_error(EXIT_USAGE, "%s: --lhist: expected argN,MIN,MAX,STEP, not '%s'",
				 cmd, arg);
	err = agg_parse_value(a, cmd, "--lhist", argn, AGG_VALUE_LINEAR);
	if (err)
		return err;
	if (step <= 0 || max <= min || (max - min) % step || (max - min) / step > AGG_MAX_SLOTS - 2)
		return cli_error(EXIT_USAGE,
				 "%s: --lhist '%s': needs MIN < MAX, STEP > 0 dividing MAX - MIN, "
				 "at most %d buckets",
				 cmd, arg, AGG_MAX_SLOTS - 2);
	a->cfg.lmin = min;
	a->cfg.lmax = max;
	a->cfg.lstep = step;
	/* below MIN, the buckets, from MAX on */
	a->cfg.slots = (max - min) / step + 2;
	return 0;
}

int agg_parse_count(unsigned long *v, const char *cmd, const char *opt, const char *arg)
{
	char *end;

	errno = 0;
	*v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || !*v || *v > UINT_MAX || arg[0] == '-')
		return cli_error(EXIT_USAGE, "%s: bad %s '%s'", cmd, opt, arg);
	return 0;
}

__u16 agg_arg_mask(const struct agg_opts *a, bool value)
{
	__u16 mask = 0;

	for (int i = 0; i < a->cfg.by_cnt; i++) {
		/* a counted string's length is the next argument */
		if (a->cfg.by[i].part == AGG_PART_ARG)
			mask |= 3 << a->cfg.by[i].arg;
	}
	if (value && a->cfg.value != AGG_VALUE_NONE)
		mask |= 1 << a->cfg.value_arg;
	return mask;
}

void agg_layout(struct agg_cfg *c)
{
	__u32 off = 0, strs = 0;
	bool comm = false;

	for (int i = 0; i < c->by_cnt; i++) {
		comm |= c->by[i].part == AGG_PART_COMM;
		c->by[i].str = AGG_NO_STR;
		if (c->by[i].part == AGG_PART_ARG && strs < AGG_KEY_STRS)
			c->by[i].str = strs++;
		if (c->by[i].part != AGG_PART_COMM) {
			c->by[i].off = off;
			off += sizeof(__u64);
		}
	}
	c->comm_off = off;
	off += comm ? TRACE_COMM_LEN : 0;
	/* room for strings only as arguments could be ones: types are known later */
	c->str_off = off;
	off += strs * AGG_STR_MAX;
	c->key_size = AGG_KEY_HDR_SIZE + off;
}

__u32 agg_key_size(const struct agg_opts *a)
{
	return a->cfg.key_size;
}

__u32 agg_value_size(const struct agg_opts *a)
{
	return sizeof(struct agg_val) + a->cfg.slots * sizeof(__u64);
}

int agg_check_types(const struct agg_opts *a, bool value, const char *cmd,
		    const struct trace_probe_desc *probes, size_t probe_cnt)
{
	for (size_t p = 0; p < probe_cnt; p++) {
		const struct trace_probe_desc *d = &probes[p];

		if (value && a->cfg.value != AGG_VALUE_NONE &&
		    arg_types_is_str(&d->types, a->cfg.value_arg))
			return cli_error(EXIT_USAGE, "%s: arg%d of %s:%s is a string, not a number",
					 cmd, a->cfg.value_arg, d->provider, d->name);
		for (int i = 0; i < a->cfg.by_cnt; i++) {
			const struct agg_by *by = &a->cfg.by[i];

			if (by->part == AGG_PART_ARG && arg_types_is_str(&d->types, by->arg) &&
			    by->str == AGG_NO_STR)
				return cli_error(
					EXIT_USAGE,
					"%s: --by: arg%d of %s:%s is a string; a key holds "
					"%d, those of its first %d argN keys",
					cmd, by->arg, d->provider, d->name, AGG_KEY_STRS,
					AGG_KEY_STRS);
		}
	}
	return 0;
}
