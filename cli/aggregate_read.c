// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Aggregates: the rows read back from the tracer's per-CPU maps (the "agg" hash, or the
 * "agg_arr" array when keyed by the probe alone), their CPUs merged, and rows of one
 * provider:name found in several objects (probe ids) merged into one.
 */
#include "aggregate.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* The part of a key that tells rows apart, besides the probe's name */
#define KEY_CMP_OFF offsetof(struct agg_key, err_mask)

int agg_row_key_cmp(const void *x, const void *y)
{
	const struct agg_row *a = x, *b = y;
	int c = strcmp(a->d->provider, b->d->provider);

	if (!c)
		c = strcmp(a->d->name, b->d->name);
	return c ? c
		 : memcmp((const char *)&a->key + KEY_CMP_OFF, (const char *)&b->key + KEY_CMP_OFF,
			  sizeof(a->key) - KEY_CMP_OFF);
}

/* Adds one CPU's or one row's values (count hits, sum, min, max, slot) into r. */
static void merge(struct agg_row *r, __u64 count, __s64 sum, __s64 min, __s64 max,
		  const __u64 *slot, __u32 slots)
{
	if (!count)
		return;
	if (!r->count || min < r->min)
		r->min = min;
	if (!r->count || max > r->max)
		r->max = max;
	r->count += count;
	r->sum += sum;
	for (__u32 s = 0; s < slots; s++)
		r->slot[s] += slot[s];
}

/* Sums the per-CPU values of one key into r. */
static void merge_cpus(struct agg_row *r, const char *vals, int ncpu, size_t stride, __u32 slots)
{
	for (int c = 0; c < ncpu; c++) {
		const struct agg_val *v = (const void *)(vals + c * stride);

		merge(r, v->count, v->sum, v->min, v->max, v->slot, slots);
	}
}

/* Rows being read: a key's per-CPU values are read into vals, then merged into a new row. */
struct rows_in {
	const struct agg_out *o;
	int ncpu;
	size_t stride; /* a CPU's value in vals */
	char *vals;
	struct agg_row *rows;
	size_t n, cap;
};

/* A row of key k from the values in in->vals. 0 or -ENOMEM. */
static int push_row(struct rows_in *in, const struct agg_key *k)
{
	__u32 slots = in->o->opts->cfg.slots;
	struct agg_row *r;

	if (in->n == in->cap) {
		size_t cap = in->cap ? 2 * in->cap : 64;
		struct agg_row *nr = realloc(in->rows, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		in->rows = nr;
		in->cap = cap;
	}
	r = &in->rows[in->n];
	memset(r, 0, sizeof(*r));
	r->slot = calloc(slots ? slots : 1, sizeof(__u64));
	if (!r->slot)
		return -ENOMEM;
	in->n++;
	r->d = &in->o->probes[k->probe_id];
	r->key = *k;
	merge_cpus(r, in->vals, in->ncpu, in->stride, slots);
	return 0;
}

/* The hash's keys: with drain those of intervals before gen, removed once read. */
static int read_hash(struct rows_in *in, int fd, __u32 gen, bool drain)
{
	struct agg_key k, next;
	size_t first = in->n;
	int err = 0;

	memset(&k, 0, sizeof(k));
	memset(&next, 0, sizeof(next));
	for (void *prev = NULL; !err && !bpf_map_get_next_key(fd, prev, &next); prev = &k) {
		k = next;
		if (drain && k.gen >= gen)
			continue;
		if (k.probe_id < in->o->probe_cnt && !bpf_map_lookup_elem(fd, &k, in->vals))
			err = push_row(in, &k);
	}
	/* deleted after the walk: deleting during it would restart the walk */
	for (size_t i = first; drain && i < in->n; i++)
		bpf_map_delete_elem(fd, &in->rows[i].key);
	return err;
}

/*
 * The array's slots (keyed by the probe alone): with drain the older interval's half, zeroed
 * once read, else both halves (the older one holds what the last interval left).
 */
static int read_array(struct rows_in *in, __u32 gen, bool drain)
{
	const struct agg_out *o = in->o;
	int err = 0;

	for (__u32 half = 0; half < 2 && !err; half++) {
		if (drain && half == (gen & 1))
			continue;
		for (__u32 id = 0; id < o->arr_probes && id < o->probe_cnt && !err; id++) {
			struct agg_key k = {.probe_id = id, .gen = half};
			__u32 idx = half * o->arr_probes + id;
			bool any = false;

			if (bpf_map_lookup_elem(o->arr_fd, &idx, in->vals))
				continue;
			for (int c = 0; c < in->ncpu && !any; c++)
				any = ((const struct agg_val *)(in->vals + c * in->stride))->count;
			if (!any)
				continue;
			err = push_row(in, &k);
			if (drain) {
				memset(in->vals, 0, in->stride * in->ncpu);
				bpf_map_update_elem(o->arr_fd, &idx, in->vals, BPF_ANY);
			}
		}
	}
	return err;
}

/* The keys to print, read (and with drain, removed) from the maps into rows. */
static int read_rows(const struct agg_out *o, int fd, __u32 gen, bool drain, struct agg_row **out,
		     size_t *cnt)
{
	struct rows_in in = {.o = o, .ncpu = libbpf_num_possible_cpus()};
	int err;

	if (in.ncpu < 0)
		return in.ncpu;
	in.stride = (agg_value_size(o->opts) + 7) & ~7ul;
	in.vals = malloc(in.stride * in.ncpu);
	if (!in.vals)
		return -ENOMEM;
	err = o->arr_probes ? read_array(&in, gen, drain) : read_hash(&in, fd, gen, drain);
	free(in.vals);
	*out = in.rows;
	*cnt = in.n;
	return err;
}

int agg_read(const struct agg_out *o, int fd, __u32 gen, bool drain, struct agg_row **rows,
	     size_t *cnt)
{
	struct agg_row *r = NULL;
	size_t n = 0, all = 0;
	int err;

	err = read_rows(o, fd, gen, drain, &r, &all);
	/* one row per provider:name and key, whichever objects its probe ids live in */
	qsort(r, all, sizeof(*r), agg_row_key_cmp);
	for (size_t i = 0; i < all; i++) {
		if (n && agg_row_key_cmp(&r[n - 1], &r[i]) == 0) {
			merge(&r[n - 1], r[i].count, r[i].sum, r[i].min, r[i].max, r[i].slot,
			      o->opts->cfg.slots);
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
