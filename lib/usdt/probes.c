// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A file's sites grouped by provider:name (usdt_file_opts.group_probes): probes in order of
 * first appearance, sites in note order inside a probe. Each run of sites of one probe is
 * hashed once, then a counting sort by probe: linear in the site count, 8 bytes per site.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "mem.h"
#include "note.h"

/* The parser hands a run of sites of one probe the same string pointers: compare those first. */
static bool same_probe(const struct usdt_site *a, const struct usdt_site *b)
{
	return (a->provider == b->provider || strcmp(a->provider, b->provider) == 0) &&
	       (a->name == b->name || strcmp(a->name, b->name) == 0);
}

/* The probes while sites are added: sized by the probes, not by the sites. */
struct probe_index {
	__u32 *first; /* per probe: its first site */
	__u32 *size;  /* per probe: its site count */
	size_t cnt, first_cap, size_cap;
	struct usdti_hashmap map;
};

/* The probe of site i, added when new; -ENOMEM. */
static int64_t probe_of(const struct usdt_file *file, struct probe_index *x, size_t i)
{
	const struct usdt_site *s = &file->sites[i];
	__u64 hash = usdti_probe_hash(NULL, s->provider, s->name);
	size_t pos;
	__u32 id;

	usdti_hashmap_for_each_id (&x->map, hash, pos, id)
		if (same_probe(&file->sites[x->first[id]], s))
			return id;
	if (usdti_ensure_mem((void **)&x->first, &x->first_cap, sizeof(*x->first), x->cnt + 1,
			     64) ||
	    usdti_ensure_mem((void **)&x->size, &x->size_cap, sizeof(*x->size), x->cnt + 1, 64) ||
	    usdti_hashmap_add(&x->map, hash, x->cnt))
		return -ENOMEM;
	x->first[x->cnt] = i;
	x->size[x->cnt] = 0;
	return x->cnt++;
}

int usdti_file_group_probes(struct usdt_file *file)
{
	size_t n = file->site_cnt;
	struct probe_index x = {};
	__u32 *pid = NULL, *order = NULL, *start = NULL;
	int64_t p = -1;
	int err = -ENOMEM;

	order = n < UINT32_MAX ? malloc((n + 1) * sizeof(*order)) : NULL;
	pid = order ? malloc((n + 1) * sizeof(*pid)) : NULL;
	if (!pid)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!i || !same_probe(&file->sites[i - 1], &file->sites[i]))
			p = probe_of(file, &x, i);
		if (p < 0)
			goto out;
		pid[i] = p;
		x.size[p]++;
	}
	start = malloc((x.cnt + 1) * sizeof(*start));
	if (!start)
		goto out;
	start[0] = 0;
	for (size_t k = 0; k < x.cnt; k++) {
		start[k + 1] = start[k] + x.size[k];
		x.size[k] = start[k]; /* from here: the probe's next free place */
	}
	for (size_t i = 0; i < n; i++)
		order[x.size[pid[i]]++] = i;
	file->probe_order = order;
	file->probe_start = start;
	file->probe_cnt = x.cnt;
	order = start = NULL;
	err = 0;
out:
	free(x.first);
	free(x.size);
	usdti_hashmap_free(&x.map);
	free(pid);
	free(order);
	free(start);
	return err;
}

size_t usdt_file__probe_cnt(const struct usdt_file *file)
{
	return file->probe_cnt;
}

size_t usdt_file__probe_site_cnt(const struct usdt_file *file, size_t probe)
{
	if (probe >= file->probe_cnt) {
		errno = ENOENT;
		return 0;
	}
	return file->probe_start[probe + 1] - file->probe_start[probe];
}

const struct usdt_site *usdt_file__probe_site(const struct usdt_file *file, size_t probe, size_t k)
{
	if (k >= usdt_file__probe_site_cnt(file, probe)) {
		errno = ENOENT;
		return NULL;
	}
	return &file->sites[file->probe_order[file->probe_start[probe] + k]];
}
