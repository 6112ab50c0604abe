// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * On one thread, pairs of one key nest (a stack per key in BPF) and complete innermost first,
 * so every slice waiting on a track lies inside the next depth-0 slice of that track: sorting
 * them by begin (then by end, latest first) gives the order of their begins and ends.
 */
#include "slice_order.h"

#include <stdlib.h>
#include <string.h>

struct slice {
	uint64_t track, begin, end;
	const char *category, *name;
	struct perfetto_arg *args; /* one allocation with the strings */
	size_t arg_cnt;
};

struct slice_order {
	struct perfetto *pf;
	struct slice *wait;
	size_t cnt, cap;
	uint64_t dropped;
};

struct slice_order *slice_order_new(struct perfetto *pf)
{
	struct slice_order *so = calloc(1, sizeof(*so));

	if (so)
		so->pf = pf;
	return so;
}

static int slice_cmp(const void *x, const void *y)
{
	const struct slice *a = x, *b = y;

	if (a->track != b->track)
		return a->track < b->track ? -1 : 1;
	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	return a->end > b->end ? -1 : a->end < b->end;
}

/* Writes n slices of one track, sorted by slice_cmp; one that overlaps another is dropped. */
static void write_track(struct slice_order *so, const struct slice *s, size_t n)
{
	size_t *open = malloc(n * sizeof(*open)), depth = 0;

	if (!open) {
		so->dropped += n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		while (depth && s[open[depth - 1]].end <= s[i].begin) {
			depth--;
			perfetto_slice_end(so->pf, s[open[depth]].end, s[i].track);
		}
		if (depth && s[i].end > s[open[depth - 1]].end) {
			so->dropped++;
			continue;
		}
		perfetto_event(so->pf, PERFETTO_SLICE_BEGIN, s[i].begin, s[i].track, s[i].category,
			       s[i].name, s[i].args, s[i].arg_cnt);
		open[depth++] = i;
	}
	while (depth) {
		depth--;
		perfetto_slice_end(so->pf, s[open[depth]].end, s[open[depth]].track);
	}
	free(open);
}

static struct perfetto_arg *copy_args(const struct perfetto_arg *args, size_t n)
{
	size_t sz = n * sizeof(*args);
	struct perfetto_arg *c;
	char *str;

	for (size_t i = 0; i < n; i++)
		sz += args[i].kind == PERFETTO_ARG_STR ? args[i].str.len : 0;
	c = malloc(sz ? sz : 1);
	if (!c)
		return NULL;
	memcpy(c, args, n * sizeof(*args));
	str = (char *)(c + n);
	for (size_t i = 0; i < n; i++) {
		if (c[i].kind != PERFETTO_ARG_STR)
			continue;
		memcpy(str, c[i].str.s, c[i].str.len);
		c[i].str.s = str;
		str += c[i].str.len;
	}
	return c;
}

void slice_order_add(struct slice_order *so, uint64_t track, uint64_t begin_ns, uint64_t end_ns,
		     unsigned int depth, const char *category, const char *name,
		     const struct perfetto_arg *args, size_t arg_cnt)
{
	struct slice s = {track,  begin_ns, end_ns, category, name, (struct perfetto_arg *)args,
			  arg_cnt};
	size_t n = 0, kept = 0;
	struct slice *mine;

	if (depth) {
		if (so->cnt == so->cap) {
			size_t cap = so->cap ? 2 * so->cap : 64;
			struct slice *w =
				cap <= SLICE_ORDER_MAX ? realloc(so->wait, cap * sizeof(*w)) : NULL;

			if (!w) {
				so->dropped++;
				return;
			}
			so->wait = w;
			so->cap = cap;
		}
		s.args = copy_args(args, arg_cnt);
		if (!s.args) {
			so->dropped++;
			return;
		}
		so->wait[so->cnt++] = s;
		return;
	}
	for (size_t i = 0; i < so->cnt; i++)
		n += so->wait[i].track == track;
	if (!n) {
		write_track(so, &s, 1);
		return;
	}
	/* the track's waiting slices and this one, out of the waiting list */
	mine = malloc((n + 1) * sizeof(*mine));
	if (!mine) {
		so->dropped++;
		return;
	}
	n = 0;
	for (size_t i = 0; i < so->cnt; i++) {
		if (so->wait[i].track == track)
			mine[n++] = so->wait[i];
		else
			so->wait[kept++] = so->wait[i];
	}
	so->cnt = kept;
	mine[n++] = s;
	qsort(mine, n, sizeof(*mine), slice_cmp);
	write_track(so, mine, n);
	for (size_t i = 0; i < n; i++) {
		if (mine[i].args != args)
			free(mine[i].args);
	}
	free(mine);
}

uint64_t slice_order_dropped(const struct slice_order *so)
{
	return so->dropped;
}

void slice_order_free(struct slice_order *so)
{
	size_t i = 0, j;

	if (!so)
		return;
	qsort(so->wait, so->cnt, sizeof(*so->wait), slice_cmp);
	for (; i < so->cnt; i = j) {
		for (j = i + 1; j < so->cnt && so->wait[j].track == so->wait[i].track;)
			j++;
		write_track(so, so->wait + i, j - i);
	}
	for (i = 0; i < so->cnt; i++)
		free(so->wait[i].args);
	free(so->wait);
	free(so);
}
