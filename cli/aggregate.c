// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Aggregates: the options that configure the tracer's keys and values, and the rows read back
 * from its per-CPU "agg" hash. Rows of one provider:name found in several objects (probe ids)
 * are merged; histograms print as bpftrace prints hist() and lhist().
 */
#define _GNU_SOURCE
#include "aggregate.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "histogram.h"

/* ---- options ------------------------------------------------------------------------------ */

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

static bool is_str(const struct trace_probe_desc *d, int n)
{
	return n < d->types.cnt && (d->types.type[n] == ARG_STR || d->types.type[n] == ARG_STRN);
}

int agg_check_types(const struct agg_opts *a, bool value, const char *cmd,
		    const struct trace_probe_desc *probes, size_t probe_cnt)
{
	for (size_t p = 0; p < probe_cnt; p++) {
		const struct trace_probe_desc *d = &probes[p];

		if (value && a->cfg.value != AGG_VALUE_NONE && is_str(d, a->cfg.value_arg))
			return cli_error(EXIT_USAGE, "%s: arg%d of %s:%s is a string, not a number",
					 cmd, a->cfg.value_arg, d->provider, d->name);
		for (int i = 0; i < a->cfg.by_cnt; i++) {
			const struct agg_by *by = &a->cfg.by[i];

			if (by->part == AGG_PART_ARG && is_str(d, by->arg) && by->str == AGG_NO_STR)
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

/* ---- reading ------------------------------------------------------------------------------ */

/* The part of a key that tells rows apart, besides the probe's name */
#define KEY_CMP_OFF offsetof(struct agg_key, err_mask)

static int row_key_cmp(const void *x, const void *y)
{
	const struct agg_row *a = x, *b = y;
	int c = strcmp(a->d->provider, b->d->provider);

	if (!c)
		c = strcmp(a->d->name, b->d->name);
	return c ? c
		 : memcmp((const char *)&a->key + KEY_CMP_OFF, (const char *)&b->key + KEY_CMP_OFF,
			  sizeof(a->key) - KEY_CMP_OFF);
}

/* Largest first (by count, or by sum when *by_sum), then by name and key. */
static int row_cmp(const void *x, const void *y, void *by_sum)
{
	const struct agg_row *a = x, *b = y;

	if (*(bool *)by_sum && a->sum != b->sum)
		return a->sum < b->sum ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return row_key_cmp(x, y);
}

/* Sums the per-CPU values of one key into r. */
static void merge_cpus(struct agg_row *r, const char *vals, int ncpu, size_t stride, __u32 slots)
{
	for (int c = 0; c < ncpu; c++) {
		const struct agg_val *v = (const void *)(vals + c * stride);

		if (!v->count)
			continue;
		if (!r->count || v->min < r->min)
			r->min = v->min;
		if (!r->count || v->max > r->max)
			r->max = v->max;
		r->count += v->count;
		r->sum += v->sum;
		for (__u32 s = 0; s < slots; s++)
			r->slot[s] += v->slot[s];
	}
}

/* Adds row b into a (the same provider:name and key). */
static void merge_rows(struct agg_row *a, const struct agg_row *b, __u32 slots)
{
	if (!b->count)
		return;
	if (!a->count || b->min < a->min)
		a->min = b->min;
	if (!a->count || b->max > a->max)
		a->max = b->max;
	a->count += b->count;
	a->sum += b->sum;
	for (__u32 s = 0; s < slots; s++)
		a->slot[s] += b->slot[s];
}

/* The keys to print, read (and with delete, removed) from the map into rows. */
static int read_rows(const struct agg_out *o, int fd, __u32 gen, bool delete, struct agg_row **out,
		     size_t *cnt)
{
	__u32 slots = o->opts->cfg.slots, vsz = agg_value_size(o->opts);
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = (vsz + 7) & ~7ul, n = 0, cap = 0;
	struct agg_key k, next;
	struct agg_row *rows = NULL;
	char *vals;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	vals = malloc(stride * ncpu);
	if (!vals)
		return -ENOMEM;
	memset(&k, 0, sizeof(k));
	memset(&next, 0, sizeof(next));
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, &next); prev = &k) {
		struct agg_row *r;

		k = next;
		if (delete &&k.gen >= gen)
			continue;
		if (k.probe_id >= o->probe_cnt || bpf_map_lookup_elem(fd, &k, vals))
			continue;
		if (n == cap) {
			struct agg_row *nr =
				realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof(*nr));

			if (!nr) {
				err = -ENOMEM;
				break;
			}
			rows = nr;
		}
		r = &rows[n];
		memset(r, 0, sizeof(*r));
		r->slot = calloc(slots ? slots : 1, sizeof(__u64));
		if (!r->slot) {
			err = -ENOMEM;
			break;
		}
		n++;
		r->d = &o->probes[k.probe_id];
		r->key = k;
		merge_cpus(r, vals, ncpu, stride, slots);
	}
	/* deleted after the walk: deleting during it would restart the walk */
	for (size_t i = 0; delete &&i < n; i++)
		bpf_map_delete_elem(fd, &rows[i].key);
	free(vals);
	*out = rows;
	*cnt = n;
	return err;
}

/* ---- printing ----------------------------------------------------------------------------- */

const char *agg_part_name(const struct agg_by *by, char *buf, size_t sz)
{
	static const char *const names[] = {"", "pid", "tid", "comm", "stack"};

	if (by->part != AGG_PART_ARG)
		return names[by->part];
	snprintf(buf, sz, "arg%d", by->arg);
	return buf;
}

/*
 * Key part i of r as a JSON value (j), or as text into f: quoted and escaped, or with raw the
 * bytes as they are (an exporter escapes them in its own format).
 */
static void put_part(const struct agg_out *o, struct json *j, FILE *f, const struct agg_row *r,
		     int i, bool raw)
{
	const struct agg_cfg *c = &o->opts->cfg;
	const struct agg_by *by = &c->by[i];
	const struct agg_key *k = &r->key;
	__u64 v;
	char s[AGG_STR_MAX];
	size_t n;

	memcpy(&v, k->data + by->off, sizeof(v));
	if (k->err_mask & (1 << i)) {
		if (j)
			json_null(j);
		else
			fputc('?', f);
		return;
	}
	if (by->part == AGG_PART_STACK) {
		if (j) {
			/* the frames go in as they are: the writer only places the array */
			json_arr_open(j);
			symbolizer_print(o->sym, o->stacks_fd, v, j->out, STACK_JSON);
			json_arr_close(j);
		} else {
			symbolizer_print(o->sym, o->stacks_fd, v, f, STACK_FOLDED);
		}
		return;
	}
	if (by->part == AGG_PART_COMM || (by->part == AGG_PART_ARG && is_str(r->d, by->arg))) {
		const char *src =
			k->data + (by->part == AGG_PART_COMM ? c->comm_off
							     : c->str_off + by->str * AGG_STR_MAX);

		n = by->part == AGG_PART_COMM ? strnlen(src, TRACE_COMM_LEN)
					      : (v < AGG_STR_MAX ? v : AGG_STR_MAX);
		memcpy(s, src, n);
		/*
		 * a cut string is not edited: by_truncated in JSON, "..." after the quotes; a label
		 * has nowhere beside it, and must differ from the uncut string's
		 */
		if (j) {
			json_strn(j, s, n);
		} else if (raw) {
			fwrite(s, 1, n, f);
			if (by->part == AGG_PART_ARG && (k->trunc & (1 << i)))
				fputs("...", f);
		} else {
			fputc('"', f);
			json_escape(f, s, n);
			fputc('"', f);
			if (by->part == AGG_PART_ARG && (k->trunc & (1 << i)))
				fputs("...", f);
		}
		return;
	}
	if (by->part == AGG_PART_ARG && r->d->fmt[by->arg] == FMT_SIGNED) {
		if (j)
			json_int(j, (__s64)v);
		else
			fprintf(f, "%lld", (long long)v);
	} else if (!j && by->part == AGG_PART_ARG && r->d->fmt[by->arg] == FMT_HEX) {
		fprintf(f, "0x%llx", (unsigned long long)v);
	} else if (j) {
		json_uint(j, v);
	} else {
		fprintf(f, "%llu", (unsigned long long)v);
	}
}

/* "by_truncated": ["argN", ...], the string keys cut at AGG_STR_MAX bytes. */
static void put_truncated(const struct agg_cfg *c, const struct agg_row *r, struct json *j)
{
	char name[8];
	bool any = false;

	for (int i = 0; i < c->by_cnt; i++) {
		if (c->by[i].part != AGG_PART_ARG || !is_str(r->d, c->by[i].arg) ||
		    (r->key.err_mask & (1 << i)) || !(r->key.trunc & (1 << i)))
			continue;
		if (!any) {
			json_key(j, "by_truncated");
			json_arr_open(j);
			any = true;
		}
		json_str(j, agg_part_name(&c->by[i], name, sizeof(name)));
	}
	if (any)
		json_arr_close(j);
}

/*
 * The parts of r's key joined as agg_opts.label asks, malloc'ed (bytes as they are): an empty
 * string part is left out with its separator. NULL when out of memory.
 */
static char *label_text(const struct agg_out *o, const struct agg_row *r, size_t *len)
{
	const struct agg_cfg *c = &o->opts->cfg;
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);
	bool any = false;

	if (!m)
		return NULL;
	for (int i = 0; i < c->by_cnt; i++) {
		const struct agg_by *by = &c->by[i];
		const char *sep = o->opts->sep[i] ? o->opts->sep[i] : "";
		__u64 v;

		memcpy(&v, r->key.data + by->off, sizeof(v));
		if (by->part == AGG_PART_ARG && is_str(r->d, by->arg) &&
		    !(r->key.err_mask & (1 << i)) && !v)
			continue;
		fputs(any || !i ? sep : "", m);
		put_part(o, NULL, m, r, i, true);
		any = true;
	}
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void print_json(const struct agg_out *o, const struct agg_row *r, int interval)
{
	const struct agg_cfg *c = &o->opts->cfg;
	char name[8];
	struct json j;

	json_begin(&j, o->f);
	if (o->end) {
		char *start = NULL;

		if (asprintf(&start, "%s:%s", r->d->provider, r->d->name) < 0)
			start = NULL;
		json_kstr(&j, "start", start);
		json_kstr(&j, "end", o->end);
		free(start);
	} else {
		json_kstr(&j, "provider", r->d->provider);
		json_kstr(&j, "name", r->d->name);
	}
	if (o->opts->label) {
		size_t len = 0;
		char *text = label_text(o, r, &len);

		json_key(&j, o->opts->label);
		if (text)
			json_strn(&j, text, len);
		else
			json_null(&j);
		free(text);
	}
	json_key(&j, "by");
	json_obj_open(&j);
	for (int i = 0; i < c->by_cnt; i++) {
		json_key(&j, agg_part_name(&c->by[i], name, sizeof(name)));
		put_part(o, &j, NULL, r, i, false);
	}
	json_obj_close(&j);
	put_truncated(c, r, &j);
	json_key(&j, "count");
	json_uint(&j, r->count);
	if (o->end) {
		if (o->opts->label)
			json_kint(&j, "total_ns", r->sum);
		json_kint(&j, "avg_ns", r->count ? r->sum / (__s64)r->count : 0);
		json_kint(&j, "min_ns", r->min);
		json_kint(&j, "max_ns", r->max);
	} else if (c->value == AGG_VALUE_STATS) {
		json_kint(&j, "sum", r->sum);
		json_kint(&j, "min", r->min);
		json_kint(&j, "max", r->max);
		json_kint(&j, "avg", r->count ? r->sum / (__s64)r->count : 0);
	}
	if (c->value == AGG_VALUE_LOG2 || c->value == AGG_VALUE_LINEAR) {
		json_key(&j, "hist");
		hist_print_json(&j, c, r->slot);
	}
	if (interval)
		json_kint(&j, "interval", interval);
	json_end(&j);
}

/* Text: the key of row r, "provider:name" then "argN=value ..." (column widths aside). */
static void print_key_text(const struct agg_out *o, const struct agg_row *r, bool hist)
{
	const struct agg_cfg *c = &o->opts->cfg;
	char name[8];

	if (o->opts->label) {
		size_t len = 0;
		char *text = label_text(o, r, &len);

		cli_escape(o->f, text ? text : "?", text ? len : 1, false);
		free(text);
		if (hist)
			fprintf(o->f, ": count %llu, avg %lld ns, total %lld ns; in us:\n",
				(unsigned long long)r->count, (long long)(r->sum / (__s64)r->count),
				(long long)r->sum);
		return;
	}
	fprintf(o->f, "%s:%s", r->d->provider, r->d->name);
	if (o->end)
		fprintf(o->f, " -> %s", o->end);
	for (int i = 0; i < c->by_cnt; i++) {
		fprintf(o->f, " %s=", agg_part_name(&c->by[i], name, sizeof(name)));
		put_part(o, NULL, o->f, r, i, false);
	}
	if (hist && o->end)
		fprintf(o->f, ": count %llu, avg %lld ns, min %lld ns, max %lld ns; in us:\n",
			(unsigned long long)r->count, (long long)(r->sum / (__s64)r->count),
			(long long)r->min, (long long)r->max);
	else if (hist)
		fprintf(o->f, ": count %llu\n", (unsigned long long)r->count);
}

/* The key of row r as print_key_text() writes it, malloc'ed; NULL when out of memory. */
static char *key_text(const struct agg_out *o, const struct agg_row *r)
{
	struct agg_out mo = *o;
	char *buf = NULL;
	size_t sz = 0;

	mo.f = open_memstream(&buf, &sz);
	if (!mo.f)
		return NULL;
	print_key_text(&mo, r, false);
	if (fclose(mo.f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct folded {
	char *line;
	__u64 count;
};

static int folded_cmp(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->line, ((const struct folded *)b)->line);
}

/*
 * --folded: "key=value;...;outermost;...;innermost;provider:name COUNT", one line per stack
 * (rows whose frames read the same are merged), as flamegraph.pl, inferno and speedscope read.
 */
static void print_folded(const struct agg_out *o, const struct agg_row *rows, size_t n)
{
	const struct agg_cfg *c = &o->opts->cfg;
	struct folded *lines = calloc(n ? n : 1, sizeof(*lines));
	size_t cnt = 0, sz;
	char name[8];

	for (size_t r = 0; lines && r < n; r++) {
		FILE *m = open_memstream(&lines[cnt].line, &sz);

		if (!m)
			break;
		for (int i = 0; i < c->by_cnt; i++) {
			if (c->by[i].part == AGG_PART_STACK) {
				put_part(o, NULL, m, &rows[r], i, false);
			} else {
				fprintf(m, "%s=", agg_part_name(&c->by[i], name, sizeof(name)));
				put_part(o, NULL, m, &rows[r], i, false);
			}
			fputc(';', m);
		}
		fprintf(m, "%s:%s", rows[r].d->provider, rows[r].d->name);
		if (fclose(m))
			break;
		lines[cnt++].count = rows[r].count;
	}
	if (lines)
		qsort(lines, cnt, sizeof(*lines), folded_cmp);
	for (size_t i = 0; i < cnt; i++) {
		__u64 sum = lines[i].count;

		while (i + 1 < cnt && !strcmp(lines[i].line, lines[i + 1].line))
			sum += lines[++i].count;
		fprintf(o->f, "%s %llu\n", lines[i].line, (unsigned long long)sum);
	}
	for (size_t i = 0; i < cnt; i++)
		free(lines[i].line);
	free(lines);
}

static void print_text(const struct agg_out *o, const struct agg_row *rows, size_t n, int interval)
{
	const struct agg_cfg *c = &o->opts->cfg;
	bool hist = c->value == AGG_VALUE_LOG2 || c->value == AGG_VALUE_LINEAR;
	char **keys = NULL, head[32];
	size_t width = 3;

	if (interval)
		fprintf(o->f, "-- interval %d\n", interval);
	if (o->folded) {
		print_folded(o, rows, n);
		return;
	}
	if (hist) {
		for (size_t i = 0; i < n; i++) {
			print_key_text(o, &rows[i], true);
			hist_print_text(o->f, &o->opts->cfg, rows[i].slot);
		}
		return;
	}
	/* the key column is as wide as the widest key */
	keys = calloc(n ? n : 1, sizeof(*keys));
	for (size_t i = 0; keys && i < n; i++) {
		keys[i] = key_text(o, &rows[i]);
		if (keys[i] && strlen(keys[i]) > width)
			width = strlen(keys[i]);
	}
	snprintf(head, sizeof(head), "%s", o->opts->label ? o->opts->label : "KEY");
	for (char *p = head; *p; p++)
		*p = toupper((unsigned char)*p);
	fprintf(o->f, "%-*s %12s", (int)width, head, "COUNT");
	if (o->end && o->opts->label)
		fprintf(o->f, " %14s", "TOTAL(ns)");
	if (o->end)
		fprintf(o->f, " %14s %14s %14s", "AVG(ns)", "MIN(ns)", "MAX(ns)");
	else if (c->value == AGG_VALUE_STATS)
		fprintf(o->f, " %14s %14s %14s %14s", "SUM", "MIN", "MAX", "AVG");
	fputc('\n', o->f);
	for (size_t i = 0; keys && i < n; i++) {
		const struct agg_row *r = &rows[i];

		fprintf(o->f, "%-*s %12llu", (int)width, keys[i] ? keys[i] : "?",
			(unsigned long long)r->count);
		free(keys[i]);
		if (o->end && o->opts->label)
			fprintf(o->f, " %14lld", (long long)r->sum);
		if (o->end)
			fprintf(o->f, " %14lld %14lld %14lld",
				(long long)(r->sum / (__s64)r->count), (long long)r->min,
				(long long)r->max);
		else if (c->value == AGG_VALUE_STATS)
			fprintf(o->f, " %14lld %14lld %14lld %14lld", (long long)r->sum,
				(long long)r->min, (long long)r->max,
				(long long)(r->sum / (__s64)r->count));
		fputc('\n', o->f);
	}
	free(keys);
}

int agg_read(const struct agg_out *o, int fd, __u32 gen, bool delete, struct agg_row **rows,
	     size_t *cnt)
{
	struct agg_row *r = NULL;
	size_t n = 0, all = 0;
	int err;

	err = read_rows(o, fd, gen, delete, &r, &all);
	/* one row per provider:name and key, whichever objects its probe ids live in */
	qsort(r, all, sizeof(*r), row_key_cmp);
	for (size_t i = 0; i < all; i++) {
		if (n && row_key_cmp(&r[n - 1], &r[i]) == 0) {
			merge_rows(&r[n - 1], &r[i], o->opts->cfg.slots);
			free(r[i].slot);
		} else {
			r[n++] = r[i];
		}
	}
	*rows = r;
	*cnt = n;
	return err;
}

void agg_rows_free(struct agg_row *rows, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++)
		free(rows[i].slot);
	free(rows);
}

void agg_part_label(const struct agg_out *o, const struct agg_row *r, int i, FILE *f)
{
	put_part(o, NULL, f, r, i, true);
}

long long agg_print(const struct agg_out *o, int fd, __u32 gen, int interval, bool last)
{
	struct agg_row *rows = NULL;
	size_t n = 0, shown;
	long long hits = 0;
	bool by_sum;
	int err;

	err = agg_read(o, fd, gen, !last, &rows, &n);
	by_sum = o->opts->cfg.value == AGG_VALUE_STATS && !o->end;
	qsort_r(rows, n, sizeof(*rows), row_cmp, &by_sum);
	shown = o->opts->top && o->opts->top < n ? o->opts->top : n;
	for (size_t i = 0; i < n; i++)
		hits += rows[i].count;
	if (o->opts->pivot.cnt) {
		agg_pivot_print(o, rows, n, interval);
	} else if (o->json) {
		for (size_t i = 0; i < shown; i++)
			print_json(o, &rows[i], interval);
	} else {
		print_text(o, rows, shown, interval);
	}
	agg_rows_free(rows, n);
	return err ? err : hits;
}
