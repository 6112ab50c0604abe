/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: probe ids, one per (path, provider, name), stable for the table's life. */
#ifndef USDT_PROBE_TABLE_H
#define USDT_PROBE_TABLE_H

#include <stddef.h>
#include <linux/types.h>

#include "usdt.h"

struct usdti_probe_table;

struct usdti_probe_table *usdti_probe_table_new(void);
void usdti_probe_table_free(struct usdti_probe_table *t);
/*
 * The id of (path, provider, name), created with arg_cnt when new. 0, -ENOMEM, or -E2BIG
 * when every 32-bit id is taken.
 */
int usdti_probe_id(struct usdti_probe_table *t, const char *path, const char *provider,
		   const char *name, int arg_cnt, __u32 *id);
/* -ENOENT for an id never handed out. */
int usdti_probe_info(const struct usdti_probe_table *t, __u32 id, struct usdt_probe_info *info);

#endif /* USDT_PROBE_TABLE_H */
