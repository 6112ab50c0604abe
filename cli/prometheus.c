// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "prometheus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static const char *const type_names[] = {
	[PROM_COUNTER] = "counter",
	[PROM_GAUGE] = "gauge",
	[PROM_HISTOGRAM] = "histogram",
};

void prom_init(struct prom_writer *w, FILE *f)
{
	*w = (struct prom_writer){.f = f};
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* A label name as the format allows it: [a-zA-Z_][a-zA-Z0-9_]*, other bytes as '_'. */
static void put_label_name(FILE *f, const char *s)
{
	if (!*s || !name_char(*s, true))
		putc('_', f);
	for (; *s; s++)
		putc(name_char(*s, false) ? *s : '_', f);
}

/* A label value: backslash, double quote and newline escaped; not UTF-8 becomes U+FFFD. */
static void put_label_value(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"') {
			putc('\\', f);
			putc(s[i], f);
		} else if (s[i] == '\n') {
			fputs("\\n", f);
		} else if (s[i] < 0x80) {
			putc(s[i], f);
		} else if ((len = utf8_len(s + i, n - i))) {
			fwrite(s + i, 1, len, f);
			i += len - 1;
		} else {
			fputs("\xef\xbf\xbd", f);
		}
	}
}

/* HELP text: backslash and newline escaped. */
static void put_help(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

/* name{labels,le="..."}: le is the histogram bucket's bound, NULL elsewhere. */
static void put_series(struct prom_writer *w, const char *suffix, const struct prom_label *labels,
		       size_t label_cnt, const char *le)
{
	FILE *f = w->f;

	fputs(w->family, f);
	fputs(suffix, f);
	if (!label_cnt && !le)
		return;
	putc('{', f);
	for (size_t i = 0; i < label_cnt; i++) {
		if (i)
			putc(',', f);
		put_label_name(f, labels[i].name);
		fputs("=\"", f);
		put_label_value(f, labels[i].value);
		putc('"', f);
	}
	if (le)
		fprintf(f, "%sle=\"%s\"", label_cnt ? "," : "", le);
	putc('}', f);
}

/* The shortest decimal that reads back as v (Go's ParseFloat reads it). */
static void fmt_double(char *buf, size_t sz, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sz, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void prom_family(struct prom_writer *w, const char *name, enum prom_type type, const char *help)
{
	w->family = name;
	w->type = type;
	fprintf(w->f, "# HELP %s ", name);
	put_help(w->f, help);
	fprintf(w->f, "\n# TYPE %s %s\n", name, type_names[type]);
}

void prom_value(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		uint64_t v)
{
	if (!w->family || w->type == PROM_HISTOGRAM) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	put_series(w, "", labels, label_cnt, NULL);
	fprintf(w->f, " %" PRIu64 "\n", v);
}

static bool hist_ok(struct prom_writer *w)
{
	if (w->family && w->type == PROM_HISTOGRAM)
		return true;
	w->err = w->err ? w->err : -EINVAL;
	return false;
}

static void put_bucket(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		       const char *le, uint64_t total)
{
	put_series(w, "_bucket", labels, label_cnt, le);
	fprintf(w->f, " %" PRIu64 "\n", total);
}

/* What ends every histogram: le="+Inf", _sum and _count. */
static void put_tail(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		     uint64_t count, int64_t sum, double per_unit)
{
	char v[32];

	put_bucket(w, labels, label_cnt, "+Inf", count);
	put_series(w, "_sum", labels, label_cnt, NULL);
	if (per_unit == 1) {
		fprintf(w->f, " %" PRId64 "\n", sum);
	} else {
		fmt_double(v, sizeof(v), (double)sum / per_unit);
		fprintf(w->f, " %s\n", v);
	}
	put_series(w, "_count", labels, label_cnt, NULL);
	fprintf(w->f, " %" PRIu64 "\n", count);
}

void prom_histogram(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		    const struct prom_log2_hist *h)
{
	uint64_t total = 0, unit = h->slot_unit ? h->slot_unit : 1;
	char le[32];

	if (!hist_ok(w))
		return;
	if (h->slot_cnt > PROM_LOG2_SLOTS) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	for (unsigned int i = 0; i < h->slot_cnt; i++) {
		uint64_t top = i >= 64 ? UINT64_MAX : (UINT64_C(1) << i) - 1;
		double pow2 = i >= 64 ? 18446744073709551616.0 : (double)(UINT64_C(1) << i);

		/* integral values keep integral bounds: 0, 1, 3, 7, ... */
		if (h->per_unit == 1 && unit == 1)
			snprintf(le, sizeof(le), "%" PRIu64, top);
		else
			fmt_double(le, sizeof(le), (pow2 * unit - 1) / h->per_unit);
		total += h->slots[i];
		put_bucket(w, labels, label_cnt, le, total);
	}
	put_tail(w, labels, label_cnt, total, h->sum, h->per_unit);
}

void prom_linear_histogram(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
			   const struct prom_linear_hist *h)
{
	uint64_t total = 0;
	char le[32];

	if (!hist_ok(w))
		return;
	if (h->slot_cnt < 2 || h->step <= 0) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	for (unsigned int i = 0; i + 1 < h->slot_cnt; i++) {
		snprintf(le, sizeof(le), "%" PRId64, h->min + (int64_t)i * h->step - 1);
		total += h->slots[i];
		put_bucket(w, labels, label_cnt, le, total);
	}
	put_tail(w, labels, label_cnt, total + h->slots[h->slot_cnt - 1], h->sum, 1);
}

void prom_count_sum(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		    uint64_t count, int64_t sum, double per_unit)
{
	if (hist_ok(w))
		put_tail(w, labels, label_cnt, count, sum, per_unit);
}

int prom_finish(struct prom_writer *w)
{
	if (w->err)
		return w->err;
	return fflush(w->f) || ferror(w->f) ? -EIO : 0;
}
