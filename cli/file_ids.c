// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Files by (device, inode), each with an id in the order first seen. */
#include "file_ids.h"

#include <errno.h>
#include <stdlib.h>

#include "mem.h"

static __u64 file_hash(dev_t dev, ino_t ino)
{
	return usdti_hash_u64(usdti_hash_u64(USDTI_HASH_SEED, dev), ino);
}

long file_ids_get(struct file_ids *s, dev_t dev, ino_t ino, bool add, bool *added)
{
	__u64 h = file_hash(dev, ino);
	size_t pos;
	__u32 id;

	if (added)
		*added = false;
	usdti_hashmap_for_each_id (&s->index, h, pos, id)
		if (s->v[id].dev == dev && s->v[id].ino == ino)
			return id;
	if (!add)
		return -ENOENT;
	if (usdti_ensure_mem((void **)&s->v, &s->cap, sizeof(*s->v), s->cnt + 1, 64) ||
	    usdti_hashmap_add(&s->index, h, s->cnt))
		return -ENOMEM;
	s->v[s->cnt] = (struct file_id){dev, ino};
	if (added)
		*added = true;
	return s->cnt++;
}

void file_ids_free(struct file_ids *s)
{
	free(s->v);
	usdti_hashmap_free(&s->index);
	*s = (struct file_ids){};
}
