// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Aggregates: their rows printed as text (histograms as bpftrace prints hist() and lhist()),
 * as JSON Lines, or as folded stacks.
 */
#define _GNU_SOURCE
#include "aggregate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "histogram.h"

/* Largest first (by count, or by sum when *by_sum), then by name and key. */
static int row_cmp(const void *x, const void *y, void *by_sum)
{
	const struct agg_row *a = x, *b = y;

	if (*(bool *)by_sum && a->sum != b->sum)
		return a->sum < b->sum ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return agg_row_key_cmp(x, y);
}

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
	if (by->part == AGG_PART_COMM ||
	    (by->part == AGG_PART_ARG && arg_types_is_str(&r->d->types, by->arg))) {
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
		if (c->by[i].part != AGG_PART_ARG ||
		    !arg_types_is_str(&r->d->types, c->by[i].arg) || (r->key.err_mask & (1 << i)) ||
		    !(r->key.trunc & (1 << i)))
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
		if (by->part == AGG_PART_ARG && arg_types_is_str(&r->d->types, by->arg) &&
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
