// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Histogram buckets: --hist's are < 0, 0, then [2^k, 2^(k+1)); --lhist's are below MIN,
 * STEP-wide ones, and from MAX on. Text as bpftrace prints hist() and lhist().
 */
#include "histogram.h"

#include <limits.h>
#include <stdbool.h>

#define BAR_WIDTH 52

/* Bucket s's bounds [ge, lt); *open_lt when lt is past INT64_MAX. */
static void bucket_bounds(const struct agg_cfg *c, __u32 s, __s64 *ge, __s64 *lt, bool *open_lt)
{
	*open_lt = false;
	if (c->value == AGG_VALUE_LOG2) {
		*ge = s == 0 ? LLONG_MIN : s == 1 ? 0 : (__s64)1 << (s - 2);
		*lt = s == 0 ? 0 : s == 1 ? 1 : s - 1 < 63 ? (__s64)1 << (s - 1) : LLONG_MAX;
		*open_lt = s - 1 >= 63 && s > 1;
		return;
	}
	*ge = s == 0 ? LLONG_MIN : c->lmin + (__s64)(s - 1) * c->lstep;
	*lt = s == c->slots - 1 ? LLONG_MAX : c->lmin + (__s64)s * c->lstep;
	*open_lt = s == c->slots - 1;
}

/* bpftrace's labels: powers of two with K, M, G, T, P, E for 2^10, 2^20, ... */
static void log2_label(char *buf, size_t sz, int power)
{
	static const char suffix[] = " KMGTPE";
	int k = power / 10;

	snprintf(buf, sz, "%llu%.*s", 1ull << (power - 10 * k), k ? 1 : 0, &suffix[k]);
}

static void bucket_label(const struct agg_cfg *c, __u32 s, char *buf, size_t sz)
{
	char a[24], b[24];

	if (c->value == AGG_VALUE_LOG2) {
		if (s < 3) {
			snprintf(buf, sz, "%s", s == 0 ? "(..., 0)" : s == 1 ? "[0]" : "[1]");
			return;
		}
		log2_label(a, sizeof(a), s - 2);
		log2_label(b, sizeof(b), s - 1);
		snprintf(buf, sz, "[%s, %s)", a, b);
	} else if (s == 0) {
		snprintf(buf, sz, "(..., %lld)", (long long)c->lmin);
	} else if (s == c->slots - 1) {
		snprintf(buf, sz, "[%lld, ...)", (long long)c->lmax);
	} else {
		snprintf(buf, sz, "[%lld, %lld)", (long long)(c->lmin + (s - 1) * c->lstep),
			 (long long)(c->lmin + s * c->lstep));
	}
}

void hist_print_text(FILE *f, const struct agg_cfg *c, const __u64 *slot)
{
	__u32 lo = c->slots, hi = 0;
	__u64 max = 0;
	char label[64];

	for (__u32 s = 0; s < c->slots; s++) {
		if (!slot[s])
			continue;
		lo = s < lo ? s : lo;
		hi = s;
		max = slot[s] > max ? slot[s] : max;
	}
	for (__u32 s = lo; s <= hi && max; s++) {
		int bar = (double)slot[s] / max * BAR_WIDTH;

		bucket_label(c, s, label, sizeof(label));
		fprintf(f, "%-16s%8llu |%.*s%*s|\n", label, (unsigned long long)slot[s], bar,
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", BAR_WIDTH - bar,
			"");
	}
	fputc('\n', f);
}

void hist_print_json(struct json *j, const struct agg_cfg *c, const __u64 *slot)
{
	json_arr_open(j);
	for (__u32 s = 0; s < c->slots; s++) {
		__s64 ge, lt;
		bool open_lt;

		if (!slot[s])
			continue;
		bucket_bounds(c, s, &ge, &lt, &open_lt);
		json_obj_open(j);
		json_kint(j, "ge", ge);
		json_key(j, "lt");
		if (open_lt)
			json_uint(j, (unsigned long long)LLONG_MAX + 1);
		else
			json_int(j, lt);
		json_key(j, "count");
		json_uint(j, slot[s]);
		json_obj_close(j);
	}
	json_arr_close(j);
}
