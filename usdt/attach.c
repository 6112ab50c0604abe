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
#include <bpf/libbpf.h>

#include "log.h"
#include "note.h"
#include "opts.h"
#include "spec.h"
#include "usdt.h"

struct usdt_manager {
	struct bpf_object *obj;
	struct bpf_map *map;
	struct usdti_spec_table *specs;
	struct usdti_probe_table *probes;
};

struct usdt_link {
	struct usdt_manager *man;
	struct usdt_uprobe_link *ulink;
	__u32 *spec_ids; /* one reference per site */
	size_t site_cnt, probe_cnt;
};

/* ---- manager ------------------------------------------------------------------------------ */

struct usdt_manager *usdt_manager__new(struct bpf_object *obj, const struct usdt_manager_opts *opts)
{
	size_t max = OPTS_GET(opts, max_specs, 0);
	struct usdt_manager *man;
	struct bpf_map *map;
	int err;

	if (!obj || !usdti_opts_valid(opts, sizeof(*opts), "usdt_manager_opts") ||
	    max >= UINT32_MAX) {
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
	err = bpf_map__set_max_entries(map, max);
	if (err) {
		pr_warn("%s: cannot size the map to %zu specs: %s\n", USDT_SPECS_MAP, max,
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

/* The sites of one attach, in note order, as indexes into the file's sites. */
struct selection {
	const struct usdt_file *file;
	const char *path;
	size_t *idx;
	size_t cnt;
	bool skip_bad;
	size_t bad;			/* bad sites found (skipped when skip_bad) */
	bool has_sema;			/* a selected site has a semaphore */
	const char *const *extra_globs; /* usdt_attach_opts.extra_globs */
	size_t extra_cnt;
};

static const struct usdt_site *sel_site(const struct selection *sel, size_t i)
{
	return &sel->file->sites[sel->idx[i]];
}

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

static bool sel_match(const struct selection *sel, const char *glob, const struct usdt_site *site)
{
	if (usdt_probe_match(glob, site->provider, site->name))
		return true;
	for (size_t i = 0; i < sel->extra_cnt; i++) {
		if (usdt_probe_match(sel->extra_globs[i], site->provider, site->name))
			return true;
	}
	return false;
}

/* Whether a and b name the same probe (sites of one probe are mostly next to each other). */
static bool same_probe(const struct usdt_site *a, const struct usdt_site *b)
{
	return (a->name == b->name || !strcmp(a->name, b->name)) &&
	       (a->provider == b->provider || !strcmp(a->provider, b->provider));
}

static int select_matching(struct selection *sel, const char *glob)
{
	size_t n = usdt_file__site_cnt(sel->file);
	const struct usdt_site *prev = NULL;
	bool match = false;

	sel->idx = malloc((n ? n : 1) * sizeof(*sel->idx));
	if (!sel->idx)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct usdt_site *site = &sel->file->sites[i];
		const char *why;

		/* the glob match once per run of sites of one probe */
		if (!prev || !same_probe(prev, site))
			match = sel_match(sel, glob, site);
		prev = site;
		if (!match)
			continue;
		why = site_problem(site);
		if (why) {
			report_bad(sel, site, why);
			continue;
		}
		sel->idx[sel->cnt++] = i;
		sel->has_sema |= site->sema_offset != 0;
	}
	return 0;
}

struct site_pos {
	__u64 offset;
	size_t pos; /* index into selection.idx: note order */
};

static int cmp_site_pos(const void *a, const void *b)
{
	const struct site_pos *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * The kernel rejects two uprobes at one offset with different semaphores (EINVAL for the
 * whole link): of such sites the first in note order stays, the others are bad.
 */
static int drop_sema_conflicts(struct selection *sel)
{
	struct site_pos *order;
	size_t first = 0, kept = 0;
	char why[256];
	bool *drop;

	/* without semaphores there is nothing to conflict: skip the sort */
	if (!sel->has_sema)
		return 0;
	order = malloc(sel->cnt * sizeof(*order));
	drop = calloc(sel->cnt, sizeof(*drop));
	if (!order || !drop) {
		free(order);
		free(drop);
		return -ENOMEM;
	}
	for (size_t i = 0; i < sel->cnt; i++)
		order[i] = (struct site_pos){sel_site(sel, i)->file_offset, i};
	qsort(order, sel->cnt, sizeof(*order), cmp_site_pos);
	for (size_t i = 1; i < sel->cnt; i++) {
		const struct usdt_site *keep = sel_site(sel, order[first].pos);
		const struct usdt_site *site = sel_site(sel, order[i].pos);

		if (order[i].offset != order[first].offset) {
			first = i;
			continue;
		}
		if (site->sema_offset == keep->sema_offset)
			continue;
		snprintf(
			why, sizeof(why),
			"%s:%s has a site at the same offset 0x%llx with another semaphore, and the "
			"kernel rejects two semaphores for one offset",
			keep->provider, keep->name, (unsigned long long)site->file_offset);
		report_bad(sel, site, why);
		drop[order[i].pos] = true;
	}
	for (size_t i = 0; i < sel->cnt; i++) {
		if (!drop[i])
			sel->idx[kept++] = sel->idx[i];
	}
	sel->cnt = kept;
	free(order);
	free(drop);
	return 0;
}

/* The matching sites minus the bad ones: -ENOENT when none match, -EINVAL for bad sites. */
static int select_sites(struct selection *sel, const char *glob)
{
	int err = select_matching(sel, glob);

	if (!err)
		err = drop_sema_conflicts(sel);
	if (err)
		return err;
	if (!sel->cnt && !sel->bad) {
		pr_warn("%s: no USDT probe matches '%s'%s\n", sel->path, glob,
			sel->extra_cnt ? " or the other globs" : "");
		return -ENOENT;
	}
	if (sel->bad && !sel->skip_bad) {
		pr_warn("%s: %zu bad site(s) among those matching '%s': nothing attached "
			"(usdt_attach_opts.skip_bad_sites attaches the others)\n",
			sel->path, sel->bad, glob);
		return -EINVAL;
	}
	if (!sel->cnt) {
		pr_warn("%s: every site matching '%s' is bad: nothing to attach\n", sel->path,
			glob);
		return -EINVAL;
	}
	return 0;
}

/* ---- link --------------------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts ids in place (runs of one id collapsed first: sites of a probe come together). */
static size_t distinct_cnt(__u32 *ids, size_t cnt)
{
	size_t n = cnt ? 1 : 0, runs = 0;

	for (size_t i = 0; i < cnt; i++) {
		if (!i || ids[i] != ids[i - 1])
			ids[runs++] = ids[i];
	}
	cnt = runs;
	qsort(ids, cnt, sizeof(*ids), cmp_u32);
	for (size_t i = 1; i < cnt; i++)
		n += ids[i] != ids[i - 1];
	return n;
}

struct attach_arrays {
	unsigned long *offsets;
	unsigned long *ref_ctrs; /* NULL when no site has a semaphore */
	__u64 *cookies;
	/* of each spec created or looked up: distinct_cnt() counts the probes */
	__u32 *probe_ids, *spec_ids;
	size_t looked_up;
};

static void arrays_free(struct attach_arrays *a)
{
	free(a->offsets);
	free(a->ref_ctrs);
	free(a->cookies);
	free(a->probe_ids);
	free(a->spec_ids);
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
 * Whether b's spec is a's, a's arguments not being PC-relative: the same probe and the same
 * parsed arguments (the parser shares one argv among sites with equal argument strings).
 */
static bool same_spec(const struct usdt_site *a, const struct usdt_site *b)
{
	return a->argv == b->argv && a->arg_cnt == b->arg_cnt && same_probe(a, b);
}

/*
 * A spec id reference per site, taken in link->spec_ids; link->site_cnt counts them. The map
 * is written afterwards, in one batch (see link_attach()).
 */
static int link_specs(struct usdt_link *link, const struct selection *sel, __u64 cookie,
		      struct attach_arrays *a)
{
	struct usdt_manager *man = link->man;
	struct usdt_fetch_spec spec;
	bool shareable = false; /* the previous site's spec */
	int err;

	for (size_t i = 0; i < sel->cnt; i++) {
		const struct usdt_site *site = sel_site(sel, i);

		if (shareable && same_spec(sel_site(sel, i - 1), site)) {
			link->spec_ids[i] = usdti_spec_ref(man->specs, link->spec_ids[i - 1]);
		} else {
			__u32 *probe_id = &a->probe_ids[a->looked_up];

			err = usdti_probe_id(man->probes, sel->path, site->provider, site->name,
					     site->arg_cnt, probe_id);
			if (err)
				return err;
			usdti_fetch_spec_init(&spec, site, *probe_id, cookie);
			err = usdti_spec_get(man->specs, &spec, site->argv, site->arg_cnt,
					     &link->spec_ids[i]);
			if (err)
				return err;
			a->spec_ids[a->looked_up++] = link->spec_ids[i];
			shareable = !pc_relative(site);
		}
		link->site_cnt++;
		a->offsets[i] = site->file_offset;
		if (a->ref_ctrs)
			a->ref_ctrs[i] = site->sema_offset;
		a->cookies[i] = link->spec_ids[i];
	}
	link->probe_cnt = distinct_cnt(a->probe_ids, a->looked_up);
	return 0;
}

/*
 * Closes *file before creating the link: libelf maps the file, and the kernel would write every
 * breakpoint into that mapping of this process too (a page copy and a TLB flush per site).
 */
static int link_attach(struct usdt_link *link, const struct bpf_program *prog, pid_t pid,
		       const struct selection *sel, __u64 cookie, int map_fd,
		       struct usdt_file **file)
{
	struct usdt_uprobe_multi_opts uopts = {.sz = sizeof(uopts)};
	struct attach_arrays a = {};
	size_t n = sel->cnt;
	int err = -ENOMEM;

	/* link_specs() writes every entry that is read later: no zeroing */
	a.offsets = malloc(n * sizeof(*a.offsets));
	a.ref_ctrs = sel->has_sema ? malloc(n * sizeof(*a.ref_ctrs)) : NULL;
	a.cookies = malloc(n * sizeof(*a.cookies));
	a.probe_ids = malloc(n * sizeof(*a.probe_ids));
	a.spec_ids = malloc(n * sizeof(*a.spec_ids));
	link->spec_ids = malloc(n * sizeof(*link->spec_ids));
	if (!a.offsets || (sel->has_sema && !a.ref_ctrs) || !a.cookies || !a.probe_ids ||
	    !a.spec_ids || !link->spec_ids)
		goto out;
	err = link_specs(link, sel, cookie, &a);
	if (!err) /* also specs already in use: rewriting the same bytes changes nothing */
		err = usdti_spec_write(link->man->specs, map_fd, a.spec_ids, a.looked_up);
	if (err)
		goto out;
	usdt_file__close(*file);
	*file = NULL;
	uopts.offsets = a.offsets;
	uopts.ref_ctr_offsets = a.ref_ctrs;
	uopts.cookies = a.cookies;
	uopts.cnt = n;
	link->ulink = usdt_attach_uprobe_multi(prog, pid, sel->path, NULL, &uopts);
	if (!link->ulink) {
		err = -errno;
		pr_warn("%s: attaching %zu USDT site(s) failed: %s\n", sel->path, n,
			strerror(-err));
	}
out:
	arrays_free(&a);
	return err;
}

static bool prog_of(const struct bpf_object *obj, const struct bpf_program *prog)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
	{
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
	if (!man || !prog || !binary_path || !probe_glob ||
	    !usdti_opts_valid(opts, sizeof(*opts), "usdt_attach_opts"))
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
	struct usdt_file_opts fopts = {.sz = sizeof(fopts), .parse_args = true};
	struct selection sel = {.skip_bad = OPTS_GET(opts, skip_bad_sites, false),
				.extra_globs = OPTS_GET(opts, extra_globs, NULL),
				.extra_cnt = OPTS_GET(opts, extra_glob_cnt, 0)};
	struct usdt_file *file = NULL;
	struct usdt_link *link = NULL;
	char path[PATH_MAX];
	int err;

	err = attach_check(man, prog, binary_path, probe_glob, opts);
	if (err)
		goto out;
	err = usdt_resolve_binary_path(binary_path, path, sizeof(path));
	if (err) {
		pr_warn("%s: cannot find the binary: %s\n", binary_path, strerror(-err));
		goto out;
	}
	file = usdt_file__open(path, &fopts);
	if (!file) {
		err = -errno;
		pr_warn("%s: cannot read its USDT notes: %s\n", path, strerror(-err));
		goto out;
	}
	err = usdti_spec_check_arch(usdt_file__machine(file), usdt_file__class(file), path);
	if (err)
		goto out;
	sel.file = file;
	sel.path = path;
	err = select_sites(&sel, probe_glob);
	if (err)
		goto out;
	link = calloc(1, sizeof(*link));
	if (!link) {
		err = -ENOMEM;
		goto out;
	}
	link->man = man;
	err = link_attach(link, prog, pid, &sel, OPTS_GET(opts, cookie, 0), bpf_map__fd(man->map),
			  &file);
	if (err) {
		usdt_link__destroy(link);
		link = NULL;
	} else {
		pr_debug("%s: attached %zu site(s) of %zu probe(s) matching '%s'\n", path,
			 link->site_cnt, link->probe_cnt, probe_glob);
	}
out:
	free(sel.idx);
	usdt_file__close(file);
	if (!link)
		errno = -err;
	return link;
}

/* Detaches first, so that no program run can see a released spec id being reused. */
int usdt_link__destroy(struct usdt_link *link)
{
	int err;

	if (!link)
		return 0;
	err = usdt_uprobe_link__destroy(link->ulink);
	for (size_t i = 0; i < link->site_cnt; i++)
		usdti_spec_put(link->man->specs, link->spec_ids[i]);
	free(link->spec_ids);
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
