/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: what the files of USDT attach share: the manager (manager.c), the selection of
 * sites from the notes (select.c), the kernel's arrays (karrays.c), semaphore conflicts
 * (sema_conflicts.c), and the build of a link (attach.c).
 */
#ifndef USDT_ATTACH_INTERNAL_H
#define USDT_ATTACH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "note.h"
#include "probe_table.h"
#include "spec_table.h"
#include "usdt.h"

/*
 * The arrays the kernel reads: one anonymous mapping per manager, sized for the most sites a
 * section can hold and kept for the manager's next attaches, populated a chunk ahead of the
 * walk. A page populated by madvise costs ~9 us on paravirtualized machines, a page faulted
 * in by a write ~20 us; one kept populated costs nothing the next time.
 */
#define POPULATE_CHUNK 8192 /* sites: 16 pages of each array */

struct karrays {
	void *map; /* cap offsets, then cap cookies */
	size_t map_sz;
	size_t cap;	  /* sites */
	size_t populated; /* sites whose entries are populated */
};

struct usdt_manager {
	struct bpf_object *obj;
	struct bpf_map *map;
	struct usdti_spec_table *specs;
	struct usdti_probe_table *probes;
	struct karrays arrays; /* usdt_attach()'s, kept for the next */
};

struct usdt_link {
	struct usdt_manager *man;
	struct usdt_uprobe_link *ulink;
	__u32 *spec_refs; /* one reference each: an id taken twice is here twice */
	size_t ref_cnt, site_cnt, probe_cnt;
	__u32 *probe_ids; /* probe_cnt, in the order of their first site */
};

/*
 * A walk over the sites matching the globs. Sites come one at a time, straight from the
 * notes: attaching 50,000 sites writes the kernel's 16 bytes per site and nothing else.
 */
struct selection {
	struct usdti_notes walk;
	/* a plan's sites instead of the walk: parsed already, matching already, in note order */
	const struct usdt_site *sites;
	const __u32 *site_idx;
	size_t site_cnt, site_pos;
	const char *path;
	const char *glob;
	const char *const *extra_globs; /* usdt_attach_opts.extra_globs */
	size_t extra_cnt;
	bool skip_bad;
	size_t bad; /* bad sites found (skipped when skip_bad) */
	/* the probe of the current run of sites, and whether it matches */
	const char *run_provider, *run_name;
	bool run_match;
};

/*
 * The parsed arguments of the spec behind a spec id (the cookie a site was attached with).
 * Spec ids are no part of the API: the tests check the spec table through this.
 */
int usdti_manager_spec_args(const struct usdt_manager *man, __u32 spec_id,
			    const struct usdt_arg **argv, int *arg_cnt);

/* The most sites the selection can yield: what the kernel's arrays are sized for. */
size_t usdti_sel_capacity(const struct selection *sel);
/* again: a second walk, whose bad sites the first one reported */
int usdti_sel_begin(struct selection *sel, struct usdt_file *file, bool again);
/*
 * The next matching site that can be attached, its arguments parsed: 1, 0 at the end, or a
 * negative errno. Bad matching sites are reported (by a first walk) and passed over.
 */
int usdti_sel_next(struct selection *sel, struct usdt_site *site);
/*
 * Reports a bad site (skipped or failing the attach, as sel says), by name for the first
 * USDTI_SITE_WARN_MAX, and counts it.
 */
void usdti_sel_report_bad(struct selection *sel, const struct usdt_site *site, const char *why);
/*
 * -ENOENT when no site matched, -EINVAL for bad sites (unless skipped): cnt sites were kept.
 * Counts the bad sites not named one by one.
 */
int usdti_sel_verdict(const struct selection *sel, size_t cnt);
/* Whether a and b name the same probe (the walk hands a run of one probe equal pointers). */
bool usdti_same_probe(const char *provider_a, const char *name_a, const struct usdt_site *b);

struct build {
	struct usdt_link *link;
	__u64 cookie;
	bool optimized; /* nop5 sites are probed at their nop5 */
	struct karrays *arrays;
	unsigned long *offsets;
	unsigned long *ref_ctrs; /* allocated at the first semaphore: 0 is "none" */
	__u64 *cookies;		 /* spec ids */
	size_t cnt, cap;	 /* cap: the most sites the note section can hold */
	size_t ref_cap;		 /* of link->spec_refs */
};

/* Room in the manager's arrays for cap sites: b's offsets and cookies point there. */
int usdti_build_alloc(struct build *b, size_t cap);
/* Populates the next chunk of b's arrays ahead of the writes. */
void usdti_populate_ahead(struct build *b);

/*
 * The kernel rejects two uprobes at one offset with different semaphores (EINVAL for the
 * whole link): of such sites the first in note order stays, the others are reported bad and
 * dropped from b.
 */
int usdti_drop_sema_conflicts(struct build *b, struct selection *sel, struct usdt_file *file);

/*
 * Checks that need no file (the manager, the program, the loaded map), then maps the spec
 * table into memory: 0 or -errno, with a warning.
 */
int usdti_attach_check(struct usdt_manager *man, const struct bpf_program *prog,
		       const struct usdt_attach_opts *opts);
/* A plan's link: the sites sel lists in file (lib/usdt/plan.c). NULL with errno set. */
struct usdt_link *usdti_plan_attach(struct usdt_manager *man, const struct bpf_program *prog,
				    pid_t pid, struct usdt_file *file, struct selection *sel,
				    const struct usdt_attach_opts *opts);

#endif /* USDT_ATTACH_INTERNAL_H */
