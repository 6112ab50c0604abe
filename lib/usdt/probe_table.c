// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probe ids: one per (path, provider, name), never reused while the manager lives, so the BPF
 * side can report them and userspace can still name them after a link is gone.
 */
#include "probe_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "mem.h"

#define NO_ID UINT32_MAX

struct probe_ent {
	const char *path, *provider, *name; /* in strs */
	int arg_cnt;
};

struct usdti_probe_table {
	struct probe_ent *ents;
	size_t cnt, cap;
	struct usdti_arena *strs; /* the entries' strings: ids live as long as the table */
	struct usdti_hashmap index;
};

struct usdti_probe_table *usdti_probe_table_new(void)
{
	struct usdti_probe_table *t = calloc(1, sizeof(*t));

	return t;
}

void usdti_probe_table_free(struct usdti_probe_table *t)
{
	if (!t)
		return;
	usdti_arena_free(t->strs);
	free(t->ents);
	usdti_hashmap_free(&t->index);
	free(t);
}

/* s in the table's arena, or prev when equal: a file's probes share its path, mostly a provider */
static const char *probe_str(struct usdti_probe_table *t, const char *s, const char *prev)
{
	size_t n;
	char *copy;

	if (prev && !strcmp(prev, s))
		return prev;
	n = strlen(s) + 1;
	copy = usdti_arena_alloc(&t->strs, n);
	return copy ? memcpy(copy, s, n) : NULL;
}

static int probe_add(struct usdti_probe_table *t, const char *path, const char *provider,
		     const char *name, int arg_cnt, __u64 hash)
{
	const struct probe_ent *prev;
	struct probe_ent *e;
	int err = usdti_hashmap_reserve(&t->index, t->cnt + 1);

	if (err)
		return err;
	if (usdti_ensure_mem((void **)&t->ents, &t->cap, sizeof(*t->ents), t->cnt + 1, 16))
		return -ENOMEM;
	prev = t->cnt ? &t->ents[t->cnt - 1] : NULL;
	e = &t->ents[t->cnt];
	e->path = probe_str(t, path, prev ? prev->path : NULL);
	e->provider = probe_str(t, provider, prev ? prev->provider : NULL);
	e->name = probe_str(t, name, NULL);
	if (!e->path || !e->provider || !e->name)
		return -ENOMEM;
	e->arg_cnt = arg_cnt;
	return usdti_hashmap_add(&t->index, hash, t->cnt++); /* cannot fail: reserved */
}

int usdti_probe_id(struct usdti_probe_table *t, const char *path, const char *provider,
		   const char *name, int arg_cnt, __u32 *id)
{
	__u64 hash = usdti_probe_hash(path, provider, name);
	size_t pos;
	__u32 i;
	int err;

	usdti_hashmap_for_each_id (&t->index, hash, pos, i) {
		const struct probe_ent *e = &t->ents[i];

		if (!strcmp(e->name, name) && !strcmp(e->provider, provider) &&
		    !strcmp(e->path, path)) {
			*id = i;
			return 0;
		}
	}
	if (t->cnt >= NO_ID)
		return -E2BIG;
	err = probe_add(t, path, provider, name, arg_cnt, hash);
	if (err)
		return err;
	*id = t->cnt - 1;
	return 0;
}

int usdti_probe_info(const struct usdti_probe_table *t, __u32 id, struct usdt_probe_info *info)
{
	const struct probe_ent *e;

	if (id >= t->cnt)
		return -ENOENT;
	e = &t->ents[id];
	info->path = e->path;
	info->provider = e->provider;
	info->name = e->name;
	info->arg_cnt = e->arg_cnt;
	return 0;
}
