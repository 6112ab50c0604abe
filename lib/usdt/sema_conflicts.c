// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Semaphore conflicts: two uprobes at one (inode, offset) with different ref_ctr_offsets fail
 * with EINVAL for the whole link, so such sites are found, named and dropped before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "attach_internal.h"

struct site_pos {
	__u64 offset;
	size_t pos; /* index into the build's arrays: note order */
};

static int cmp_site_pos(const void *a, const void *b)
{
	const struct site_pos *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* A dropped site and the site kept at its offset: positions in the build's arrays. */
struct conflict {
	size_t drop, keep;
};

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static const struct usdt_site *site_at(const size_t *pos, const struct usdt_site *sites, size_t cnt,
				       size_t want)
{
	const size_t *p = bsearch(&want, pos, cnt, sizeof(*pos), cmp_size);

	return &sites[p - pos];
}

/*
 * Names the sites of conflicts: the arrays keep no names, so the notes are walked again, only
 * when there is a conflict to report, and the sites involved are kept.
 */
static int report_conflicts(struct selection *sel, struct usdt_file *file, const struct conflict *c,
			    size_t cnt)
{
	size_t *pos = malloc(2 * cnt * sizeof(*pos)), pos_cnt = 0, at = 0, next = 0;
	struct usdt_site *sites = malloc(2 * cnt * sizeof(*sites)), site;
	int err = !pos || !sites ? -ENOMEM : usdti_sel_begin(sel, file, true);

	for (size_t i = 0; !err && i < cnt; i++) {
		pos[2 * i] = c[i].drop;
		pos[2 * i + 1] = c[i].keep;
	}
	if (!err)
		qsort(pos, 2 * cnt, sizeof(*pos), cmp_size);
	for (size_t i = 0; !err && i < 2 * cnt; i++) {
		if (!i || pos[i] != pos[i - 1])
			pos[pos_cnt++] = pos[i];
	}
	while (!err && next < pos_cnt && (err = usdti_sel_next(sel, &site)) > 0) {
		if (at++ == pos[next])
			sites[next++] = site;
		err = 0;
	}
	usdti_notes_end(&sel->walk);
	for (size_t i = 0; !err && i < cnt; i++) {
		const struct usdt_site *drop = site_at(pos, sites, pos_cnt, c[i].drop);
		const struct usdt_site *keep = site_at(pos, sites, pos_cnt, c[i].keep);
		char why[256];

		snprintf(why, sizeof(why),
			 "%s:%s has a site at the same offset 0x%llx with another semaphore, and "
			 "the kernel rejects two semaphores for one offset",
			 keep->provider, keep->name, (unsigned long long)drop->file_offset);
		usdti_sel_report_bad(sel, drop, why);
	}
	free(pos);
	free(sites);
	return err;
}

/* Conflicting sites, in offset order: the first site at an offset is kept. */
static int find_conflicts(const struct build *b, struct conflict **out, size_t *cnt)
{
	struct site_pos *order = malloc(b->cnt * sizeof(*order));
	struct conflict *c = malloc(b->cnt * sizeof(*c));
	size_t first = 0;

	if (!order || !c) {
		free(order);
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < b->cnt; i++)
		order[i] = (struct site_pos){b->offsets[i], i};
	qsort(order, b->cnt, sizeof(*order), cmp_site_pos);
	*cnt = 0;
	for (size_t i = 1; i < b->cnt; i++) {
		if (order[i].offset != order[first].offset)
			first = i;
		else if (b->ref_ctrs[order[i].pos] != b->ref_ctrs[order[first].pos])
			c[(*cnt)++] = (struct conflict){order[i].pos, order[first].pos};
	}
	free(order);
	*out = c;
	return 0;
}

int usdti_drop_sema_conflicts(struct build *b, struct selection *sel, struct usdt_file *file)
{
	struct conflict *c = NULL;
	size_t cnt, kept = 0;
	bool *drop;
	int err;

	/* without semaphores there is nothing to conflict: skip the sort */
	if (!b->ref_ctrs)
		return 0;
	err = find_conflicts(b, &c, &cnt);
	if (err || !cnt) {
		free(c);
		return err;
	}
	drop = calloc(b->cnt, sizeof(*drop));
	err = drop ? report_conflicts(sel, file, c, cnt) : -ENOMEM;
	for (size_t i = 0; !err && i < cnt; i++)
		drop[c[i].drop] = true;
	for (size_t i = 0; !err && i < b->cnt; i++) {
		if (drop[i])
			continue;
		b->offsets[kept] = b->offsets[i];
		b->ref_ctrs[kept] = b->ref_ctrs[i];
		b->cookies[kept++] = b->cookies[i];
	}
	if (!err)
		b->cnt = kept;
	free(drop);
	free(c);
	return err;
}
