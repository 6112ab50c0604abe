// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * USDT attach: every site of one binary matching a probe glob goes into one uprobe_multi link.
 * Each site's BPF cookie is the id of its argument spec in the usdt_specs map, which is how
 * one BPF program reads the arguments of any probe it is attached to.
 *
 * Every site is checked before the link is created: the kernel fails the whole link for one
 * bad site, and naming that site afterwards is impossible. A link is never silently partial:
 * bad sites fail the attach, or are skipped with a warning when the caller asked for it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "mem.h"
#include "note.h"
#include "opts.h"
#include "probe_table.h"
#include "spec_table.h"
#include "uprobe_multi.h"
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
};

/* ---- manager ------------------------------------------------------------------------------ */

struct usdt_manager *usdt_manager__new(struct bpf_object *obj, const struct usdt_manager_opts *opts)
{
	size_t max = OPTS_GET(opts, max_specs, 0);
	struct usdt_manager *man;
	struct bpf_map *map;
	int err;

	if (!obj || !OPTS_VALID(opts, usdt_manager_opts) || max >= UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	max = max ? max : USDT_DEFAULT_MAX_SPECS;
	map = bpf_object__find_map_by_name(obj, USDT_SPECS_MAP);
	if (!map) {
		pr_warn("BPF object %s has no %s map: its programs must include <usdt/usdt.bpf.h>\n",
			bpf_object__name(obj), USDT_SPECS_MAP);
		errno = ENOENT;
		return NULL;
	}
	if (bpf_map__fd(map) >= 0) {
		pr_warn("BPF object %s is already loaded: create the usdt manager before "
			"bpf_object__load(), which sizes the %s map\n",
			bpf_object__name(obj), USDT_SPECS_MAP);
		errno = EBUSY;
		return NULL;
	}
	/* sized for max specs, and mapped into memory once loaded: specs are written there */
	err = bpf_map__set_max_entries(map, max);
	if (!err)
		err = bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_MMAPABLE);
	if (err) {
		pr_warn("%s: cannot size the map to %zu mmapable specs: %s\n", USDT_SPECS_MAP, max,
			strerror(-err));
		errno = -err;
		return NULL;
	}
	man = calloc(1, sizeof(*man));
	if (!man)
		return NULL;
	man->obj = obj;
	man->map = map;
	man->specs = usdti_spec_table_new(max);
	man->probes = usdti_probe_table_new();
	if (!man->specs || !man->probes) {
		usdt_manager__free(man);
		errno = ENOMEM;
		return NULL;
	}
	return man;
}

void usdt_manager__free(struct usdt_manager *man)
{
	if (!man)
		return;
	usdti_spec_table_free(man->specs);
	usdti_probe_table_free(man->probes);
	if (man->arrays.map)
		munmap(man->arrays.map, man->arrays.map_sz);
	free(man);
}

int usdt_manager__probe_info(const struct usdt_manager *man, __u32 probe_id,
			     struct usdt_probe_info *info)
{
	if (!man || !info)
		return usdti_err(-EINVAL);
	return usdti_err(usdti_probe_info(man->probes, probe_id, info));
}

int usdt_manager__spec_args(const struct usdt_manager *man, __u32 spec_id,
			    const struct usdt_arg **argv, int *arg_cnt)
{
	if (!man || !argv || !arg_cnt)
		return usdti_err(-EINVAL);
	return usdti_err(usdti_spec_args(man->specs, spec_id, argv, arg_cnt));
}

/* ---- site selection and validation -------------------------------------------------------- */

/*
 * A walk over the sites matching the globs. Sites come one at a time, straight from the
 * notes: attaching 50,000 sites writes the kernel's 16 bytes per site and nothing else.
 */
struct selection {
	struct usdti_notes walk;
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

/* Why the kernel or the BPF side could not use this site, or NULL. */
static const char *site_problem(const struct usdt_site *site)
{
	/* the parser checked the PC's and the semaphore's segments */
	if (site->error)
		return site->error;
	if (site->arg_cnt < 0)
		return "its argument string cannot be split into arguments";
	return NULL;
}

static void report_bad(struct selection *sel, const struct usdt_site *site, const char *why)
{
	pr_warn("%s: site %s:%s at 0x%llx %s: %s\n", sel->path, site->provider, site->name,
		(unsigned long long)site->address, sel->skip_bad ? "skipped" : "is bad", why);
	sel->bad++;
}

/* Whether a and b name the same probe (the walk hands a run of one probe equal pointers). */
static bool same_probe(const char *provider_a, const char *name_a, const struct usdt_site *b)
{
	return (name_a == b->name || !strcmp(name_a, b->name)) &&
	       (provider_a == b->provider || !strcmp(provider_a, b->provider));
}

static bool sel_match(const struct selection *sel, const struct usdt_site *site)
{
	if (usdt_probe_match(sel->glob, site->provider, site->name))
		return true;
	for (size_t i = 0; i < sel->extra_cnt; i++) {
		if (usdt_probe_match(sel->extra_globs[i], site->provider, site->name))
			return true;
	}
	return false;
}

/* again: a second walk, whose bad sites the first one reported */
static int sel_begin(struct selection *sel, struct usdt_file *file, bool again)
{
	int err = usdti_notes_begin(&sel->walk, file);

	sel->walk.quiet = again;
	sel->run_provider = sel->run_name = NULL;
	return err;
}

/*
 * The next matching site that can be attached, its arguments parsed: 1, 0 at the end, or a
 * negative errno. Bad matching sites are reported (by a first walk) and passed over.
 */
static int sel_next(struct selection *sel, struct usdt_site *site)
{
	const char *why;
	int err;

	while ((err = usdti_notes_next(&sel->walk, site)) > 0) {
		/* the glob match once per run of sites of one probe */
		if (!sel->run_name || !same_probe(sel->run_provider, sel->run_name, site)) {
			sel->run_match = sel_match(sel, site);
			sel->run_provider = site->provider;
			sel->run_name = site->name;
		}
		if (!sel->run_match)
			continue;
		err = usdti_notes_args(&sel->walk, site, true);
		if (err)
			return err;
		why = site_problem(site);
		if (!why)
			return 1;
		if (!sel->walk.quiet)
			report_bad(sel, site, why);
	}
	return err;
}

/* -ENOENT when no site matched, -EINVAL for bad sites (unless skipped): cnt sites were kept. */
static int sel_verdict(const struct selection *sel, size_t cnt)
{
	if (!cnt && !sel->bad) {
		pr_warn("%s: no USDT probe matches '%s'%s\n", sel->path, sel->glob,
			sel->extra_cnt ? " or the other globs" : "");
		return -ENOENT;
	}
	if (sel->bad && !sel->skip_bad) {
		pr_warn("%s: %zu bad site(s) among those matching '%s': nothing attached "
			"(usdt_attach_opts.skip_bad_sites attaches the others)\n",
			sel->path, sel->bad, sel->glob);
		return -EINVAL;
	}
	if (!cnt) {
		pr_warn("%s: every site matching '%s' is bad: nothing to attach\n", sel->path,
			sel->glob);
		return -EINVAL;
	}
	return 0;
}

/* ---- what the kernel takes: a spec id per site, read straight from the walk ---------------- */

/*
 * An anonymous mapping of sz bytes; from 1 MiB on, in transparent huge pages where the
 * system allows them: one fault then maps 2 MiB (~0.2 ms here) where 4 KiB pages take ~20 us
 * each. 2 MiB is the huge page of x86-64 and of 4 KiB-page arm64; elsewhere the advice is
 * only alignment. *map_sz is what to unmap.
 */
static void *map_anon(size_t sz, size_t *map_sz)
{
	const size_t huge = 2UL << 20;
	uintptr_t raw, start;
	void *p;

	*map_sz = sz < huge / 2 ? sz : (sz + huge - 1) / huge * huge;
	p = mmap(NULL, *map_sz + (sz < huge / 2 ? 0 : huge), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || sz < huge / 2)
		return p;
	/* a huge page needs a 2 MiB-aligned start: trim the mapping to one */
	raw = (uintptr_t)p;
	start = (raw + huge - 1) & ~(huge - 1);
	if (start > raw)
		munmap(p, start - raw);
	if (raw + huge > start)
		munmap((void *)(start + *map_sz), raw + huge - start);
	madvise((void *)start, *map_sz, MADV_HUGEPAGE);
	return (void *)start;
}

static int karrays_reserve(struct karrays *a, size_t cap)
{
	size_t map_sz;
	void *map;

	if (a->map && a->cap >= cap)
		return 0;
	map = map_anon(cap * (sizeof(unsigned long) + sizeof(__u64)), &map_sz);
	if (map == MAP_FAILED)
		return -ENOMEM;
	if (a->map)
		munmap(a->map, a->map_sz);
	*a = (struct karrays){.map = map, .map_sz = map_sz, .cap = cap};
	return 0;
}

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

static int build_alloc(struct build *b, size_t cap)
{
	int err;

	b->cap = cap ? cap : 1;
	err = karrays_reserve(b->arrays, b->cap);
	if (err)
		return err;
	b->offsets = b->arrays->map;
	b->cookies = (__u64 *)(b->offsets + b->arrays->cap);
	return 0;
}

/* Best effort: before Linux 5.14 the advice fails and writes fault the pages in. */
static void populate(void *start, void *end)
{
	uintptr_t page = sysconf(_SC_PAGESIZE), lo = (uintptr_t)start & ~(page - 1);

	madvise((void *)lo, (uintptr_t)end - lo, MADV_POPULATE_WRITE);
}

static void populate_ahead(struct build *b)
{
	size_t from = b->arrays->populated, left = b->arrays->cap - from;
	size_t n = left < POPULATE_CHUNK ? left : POPULATE_CHUNK;

	populate(b->offsets + from, b->offsets + from + n);
	populate(b->cookies + from, b->cookies + from + n);
	b->arrays->populated = from + n;
}

/* A spec with an argument relative to the site's PC is the site's alone. */
static bool pc_relative(const struct usdt_site *site)
{
	for (int i = 0; i < site->arg_cnt; i++) {
		if (site->argv[i].kind == USDT_ARG_RIP)
			return true;
	}
	return false;
}

/*
 * Whether b's spec is a's, a's arguments not being PC-relative: the same probe, the same
 * parsed arguments (the walk hands equal argument strings one argv) read at the same shape.
 */
static bool same_spec(const struct usdt_site *a, const struct usdt_site *b)
{
	return a->argv == b->argv && a->arg_cnt == b->arg_cnt && a->shape == b->shape &&
	       same_probe(a->provider, a->name, b);
}

/* A reference on the spec of site, which the link keeps (usdt_link__destroy drops it). */
static int spec_ref(struct build *b, const char *path, const struct usdt_site *site,
		    const struct usdt_placement *place, __u32 *id)
{
	struct usdt_manager *man = b->link->man;
	struct usdt_link *link = b->link;
	struct usdt_fetch_spec spec;
	__u32 probe_id;
	int err;

	if (usdti_ensure_mem((void **)&link->spec_refs, &b->ref_cap, sizeof(*link->spec_refs),
			     link->ref_cnt + 1, 64))
		return -ENOMEM;
	err = usdti_probe_id(man->probes, path, site->provider, site->name, site->arg_cnt,
			     &probe_id);
	if (err)
		return err;
	usdti_fetch_spec_init(&spec, site, place, probe_id, b->cookie);
	err = usdti_spec_get(man->specs, &spec, site->argv, site->arg_cnt, id);
	if (!err)
		link->spec_refs[link->ref_cnt++] = *id;
	return err;
}

static int add_site(struct build *b, const struct usdt_site *site,
		    const struct usdt_placement *place, __u32 spec_id)
{
	if (site->sema_offset && !b->ref_ctrs) {
		b->ref_ctrs = calloc(b->cap, sizeof(*b->ref_ctrs));
		if (!b->ref_ctrs)
			return -ENOMEM;
	}
	if (b->cnt == b->arrays->populated)
		populate_ahead(b);
	b->offsets[b->cnt] = place->file_offset;
	if (b->ref_ctrs)
		b->ref_ctrs[b->cnt] = site->sema_offset;
	b->cookies[b->cnt++] = spec_id;
	return 0;
}

/* Every selected site into the arrays, each with a spec id. */
static int build_sites(struct build *b, struct selection *sel, struct usdt_file *file)
{
	struct usdt_site site, shared = {0}; /* shared: the last site whose spec was looked up */
	struct usdt_placement place;
	bool shareable = false;
	__u32 spec_id;
	int err = sel_begin(sel, file, false);

	/* never grown: pages past the sites found are never touched */
	if (!err)
		err = build_alloc(b, sel->walk.max_sites);
	while (!err && (err = sel_next(sel, &site)) > 0) {
		err = usdt_site__placement(&site, b->optimized, &place);
		if (err)
			break;
		if (shareable && same_spec(&shared, &site)) {
			spec_id = b->cookies[b->cnt - 1];
		} else {
			err = spec_ref(b, sel->path, &site, &place, &spec_id);
			if (err)
				break;
			shared = site;
			shareable = !pc_relative(&site);
		}
		err = add_site(b, &site, &place, spec_id);
	}
	usdti_notes_end(&sel->walk);
	return err;
}

/* ---- semaphore conflicts ------------------------------------------------------------------ */

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
	int err = !pos || !sites ? -ENOMEM : sel_begin(sel, file, true);

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
	while (!err && next < pos_cnt && (err = sel_next(sel, &site)) > 0) {
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
		report_bad(sel, drop, why);
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

/*
 * The kernel rejects two uprobes at one offset with different semaphores (EINVAL for the
 * whole link): of such sites the first in note order stays, the others are bad.
 */
static int drop_sema_conflicts(struct build *b, struct selection *sel, struct usdt_file *file)
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

/* ---- link --------------------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The probes of the sites attached: one probe id per run of one spec id, then distinct. */
static int count_probes(const struct build *b, size_t *cnt)
{
	__u32 *ids = malloc((b->cnt ? b->cnt : 1) * sizeof(*ids));
	size_t runs = 0;

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < b->cnt; i++) {
		if (!i || b->cookies[i] != b->cookies[i - 1])
			ids[runs++] = usdti_spec_probe_id(b->link->man->specs, b->cookies[i]);
	}
	qsort(ids, runs, sizeof(*ids), cmp_u32);
	*cnt = runs ? 1 : 0;
	for (size_t i = 1; i < runs; i++)
		*cnt += ids[i] != ids[i - 1];
	free(ids);
	return 0;
}

/*
 * Closes *file before creating the link: libelf maps the file, and the kernel would write every
 * breakpoint into that mapping of this process too (a page copy and a TLB flush per site).
 */
static int link_attach(struct build *b, const struct bpf_program *prog, pid_t pid, const char *path,
		       struct usdt_file **file)
{
	struct usdt_uprobe_multi_opts uopts = {.sz = sizeof(uopts)};
	struct usdt_link *link = b->link;
	int err;

	err = count_probes(b, &link->probe_cnt);
	if (err)
		return err;
	usdt_file__close(*file);
	*file = NULL;
	uopts.offsets = b->offsets;
	uopts.ref_ctr_offsets = b->ref_ctrs;
	uopts.cookies = b->cookies;
	uopts.cnt = b->cnt;
	link->ulink = usdt_attach_uprobe_multi(prog, pid, path, NULL, &uopts);
	if (!link->ulink) {
		err = -errno;
		pr_warn("%s: attaching %zu USDT site(s) failed: %s\n", path, b->cnt,
			strerror(-err));
		return err;
	}
	link->site_cnt = b->cnt;
	return 0;
}

static bool prog_of(const struct bpf_object *obj, const struct bpf_program *prog)
{
	struct bpf_program *p;

	bpf_object__for_each_program (p, obj) {
		if (p == prog)
			return true;
	}
	return false;
}

/* Checks that need no file: the manager, the program and the loaded map. */
static int attach_check(struct usdt_manager *man, const struct bpf_program *prog,
			const char *binary_path, const char *probe_glob,
			const struct usdt_attach_opts *opts)
{
	if (!man || !prog || !binary_path || !probe_glob || !OPTS_VALID(opts, usdt_attach_opts))
		return -EINVAL;
	if (OPTS_GET(opts, extra_glob_cnt, 0) && !OPTS_GET(opts, extra_globs, NULL))
		return -EINVAL;
	if (!prog_of(man->obj, prog)) {
		pr_warn("program %s is not in the usdt manager's BPF object %s\n",
			bpf_program__name(prog), bpf_object__name(man->obj));
		return -EINVAL;
	}
	if (bpf_map__fd(man->map) < 0) {
		pr_warn("BPF object %s is not loaded: load it before usdt_attach()\n",
			bpf_object__name(man->obj));
		return -EINVAL;
	}
	return 0;
}

struct usdt_link *usdt_attach(struct usdt_manager *man, const struct bpf_program *prog, pid_t pid,
			      const char *binary_path, const char *probe_glob,
			      const struct usdt_attach_opts *opts)
{
	struct selection sel = {.glob = probe_glob,
				.skip_bad = OPTS_GET(opts, skip_bad_sites, false),
				.extra_globs = OPTS_GET(opts, extra_globs, NULL),
				.extra_cnt = OPTS_GET(opts, extra_glob_cnt, 0)};
	struct build b = {.cookie = OPTS_GET(opts, cookie, 0), .arrays = man ? &man->arrays : NULL};
	struct usdt_file *file = NULL;
	char path[PATH_MAX];
	int err;

	err = attach_check(man, prog, binary_path, probe_glob, opts);
	if (!err)
		err = usdti_spec_table_map(man->specs, bpf_map__fd(man->map));
	if (err)
		goto out;
	err = usdt_resolve_binary_path(binary_path, path, sizeof(path));
	if (err) {
		pr_warn("%s: cannot find the binary: %s\n", binary_path, strerror(-err));
		goto out;
	}
	sel.path = path;
	file = usdti_file_open(path);
	if (!file) {
		err = -errno;
		pr_warn("%s: cannot read its USDT notes: %s\n", path, strerror(-err));
		goto out;
	}
	err = usdti_spec_check_arch(usdt_file__machine(file), usdt_file__class(file), path);
	if (err)
		goto out;
	b.link = calloc(1, sizeof(*b.link));
	if (!b.link) {
		err = -ENOMEM;
		goto out;
	}
	b.link->man = man;
	b.optimized =
		!OPTS_GET(opts, no_nop5, false) && usdt_feature_probe(USDT_FEAT_UPROBE_SYSCALL) > 0;
	err = build_sites(&b, &sel, file);
	if (err == -ENOEXEC)
		pr_warn("%s: cannot read its USDT notes: %s\n", path, strerror(-err));
	if (!err)
		err = drop_sema_conflicts(&b, &sel, file);
	if (!err)
		err = sel_verdict(&sel, b.cnt);
	if (!err)
		err = link_attach(&b, prog, pid, path, &file);
	if (!err)
		pr_debug("%s: attached %zu site(s) of %zu probe(s) matching '%s'\n", path,
			 b.link->site_cnt, b.link->probe_cnt, probe_glob);
out:
	free(b.ref_ctrs);
	usdt_file__close(file);
	if (err) {
		usdt_link__destroy(b.link);
		errno = -err;
		return NULL;
	}
	return b.link;
}

/* Detaches first, so that no program run can see a released spec id being reused. */
int usdt_link__destroy(struct usdt_link *link)
{
	int err;

	if (!link)
		return 0;
	err = usdt_uprobe_link__destroy(link->ulink);
	for (size_t i = 0; i < link->ref_cnt; i++)
		usdti_spec_put(link->man->specs, link->spec_refs[i]);
	free(link->spec_refs);
	free(link);
	return usdti_err(err);
}

size_t usdt_link__site_cnt(const struct usdt_link *link)
{
	return link ? link->site_cnt : 0;
}

size_t usdt_link__probe_cnt(const struct usdt_link *link)
{
	return link ? link->probe_cnt : 0;
}

const struct usdt_uprobe_link *usdt_link__uprobe_link(const struct usdt_link *link)
{
	return link ? link->ulink : NULL;
}
