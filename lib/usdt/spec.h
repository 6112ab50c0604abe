/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: argument specs as the BPF side reads them (struct usdt_fetch_spec), the table that
 * gives each distinct spec an id (the attach cookie of its sites), and probe ids.
 */
#ifndef USDT_SPEC_INTERNAL_H
#define USDT_SPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "usdt.h"
#include "usdt_spec.h"

/*
 * 0 when the BPF side can read registers of this ELF's arch (the host's: the kernel hands
 * the program its own struct pt_regs); -ENOEXEC, with a warning naming path, otherwise.
 */
int usdti_spec_check_arch(int e_machine, int elf_class, const char *path);

/* How to fetch arg at a site whose PC is site_addr. Unreadable args become USDT_FETCH_BAD. */
void usdti_fetch_arg_init(struct usdt_fetch_arg *out, const struct usdt_arg *arg, __u64 site_addr);

/*
 * The whole spec of a site probed at place (padding zeroed: specs are compared and hashed as
 * bytes).
 */
void usdti_fetch_spec_init(struct usdt_fetch_spec *spec, const struct usdt_site *site,
			   const struct usdt_placement *place, __u32 probe_id, __u64 cookie);

/* ---- spec table: one id per distinct spec, refcounted, ids reused once released ---------- */

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
 * Maps the loaded usdt_specs map (map_fd) into memory: specs are written there. Once, before
 * the first usdti_spec_get(); 0 or -errno, with a warning.
 */
int usdti_spec_table_map(struct usdti_spec_table *t, int map_fd);
/* The probe id in the spec of id, which the caller holds a reference on. */
__u32 usdti_spec_probe_id(const struct usdti_spec_table *t, __u32 id);
/* Drops a reference; the id is free for reuse when it was the last. */
void usdti_spec_put(struct usdti_spec_table *t, __u32 id);

int usdti_spec_args(const struct usdti_spec_table *t, __u32 id, const struct usdt_arg **argv,
		    int *arg_cnt);

/* ---- probe ids: one per (path, provider, name), stable for the table's life --------------- */

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

#endif /* USDT_SPEC_INTERNAL_H */
