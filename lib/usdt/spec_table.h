/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: the table that gives each distinct spec an id, the attach cookie of its sites. */
#ifndef USDT_SPEC_TABLE_H
#define USDT_SPEC_TABLE_H

#include <stddef.h>
#include <linux/types.h>

#include "fetch.h"

struct usdti_spec_table;

struct usdti_spec_table *usdti_spec_table_new(size_t max_specs);
void usdti_spec_table_free(struct usdti_spec_table *t);

/*
 * Takes a reference on the id of spec, creating it (written into the map) when no identical
 * spec is in use. argv (copied) is what usdti_spec_args() returns for the id. Returns 0,
 * -E2BIG when the table is full, or -ENOMEM.
 */
int usdti_spec_get(struct usdti_spec_table *t, const struct usdt_fetch_spec *spec,
		   const struct usdt_arg *argv, int arg_cnt, __u32 *id);
/*
 * Maps the loaded __usdt_specs map (map_fd) into memory: specs are written there. Once, before
 * the first usdti_spec_get(); 0 or -errno, with a warning.
 */
int usdti_spec_table_map(struct usdti_spec_table *t, int map_fd);
/* The probe id in the spec of id, which the caller holds a reference on. */
__u32 usdti_spec_probe_id(const struct usdti_spec_table *t, __u32 id);
/* Drops a reference; the id is free for reuse when it was the last. */
void usdti_spec_put(struct usdti_spec_table *t, __u32 id);

int usdti_spec_args(const struct usdti_spec_table *t, __u32 id, const struct usdt_arg **argv,
		    int *arg_cnt);

#endif /* USDT_SPEC_TABLE_H */
