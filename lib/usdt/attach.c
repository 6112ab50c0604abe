// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * USDT attach: every site of one binary matching a probe glob goes into one uprobe_multi link.
 * Each site's BPF cookie is the id of its argument spec in the __usdt_specs map, which is how
 * one BPF program reads the arguments of any probe it is attached to.
 *
 * Every site is checked before the link is created: the kernel fails the whole link for one
 * bad site, and naming that site afterwards is impossible. A link is never silently partial:
 * bad sites fail the attach, or are skipped with a warning when the caller asked for it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "attach_internal.h"
#include "log.h"
#include "mem.h"
#include "opts.h"
#include "uprobe_multi.h"

/* ---- the sites of a link, each with a spec id --------------------------------------------- */

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
	       usdti_same_probe(a->provider, a->name, b);
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
		usdti_populate_ahead(b);
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
	int err = usdti_sel_begin(sel, file, false);

	/* never grown: pages past the sites found are never touched */
	if (!err)
		err = usdti_build_alloc(b, usdti_sel_capacity(sel));
	while (!err && (err = usdti_sel_next(sel, &site)) > 0) {
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

/* ---- link --------------------------------------------------------------------------------- */

/* A probe id and where its first site is in the link. */
struct probe_pos {
	__u32 id;
	size_t pos;
};

static int cmp_probe_id(const void *a, const void *b)
{
	const struct probe_pos *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_probe_pos(const void *a, const void *b)
{
	const struct probe_pos *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * The distinct probe ids of the sites attached, in the order of their first site: one per
 * run of one spec id, sorted by id to drop repeats, then back in site order.
 */
static int link_probe_ids(struct usdt_link *link, const struct build *b)
{
	struct probe_pos *runs = malloc((b->cnt ? b->cnt : 1) * sizeof(*runs));
	size_t n = 0, kept = 0;

	if (!runs)
		return -ENOMEM;
	for (size_t i = 0; i < b->cnt; i++) {
		if (!i || b->cookies[i] != b->cookies[i - 1])
			runs[n++] = (struct probe_pos){
				usdti_spec_probe_id(link->man->specs, b->cookies[i]), i};
	}
	qsort(runs, n, sizeof(*runs), cmp_probe_id);
	for (size_t i = 0; i < n; i++) {
		if (!i || runs[i].id != runs[i - 1].id)
			runs[kept++] = runs[i];
	}
	qsort(runs, kept, sizeof(*runs), cmp_probe_pos);
	link->probe_ids = malloc((kept ? kept : 1) * sizeof(*link->probe_ids));
	for (size_t i = 0; link->probe_ids && i < kept; i++)
		link->probe_ids[i] = runs[i].id;
	free(runs);
	if (!link->probe_ids)
		return -ENOMEM;
	link->probe_cnt = kept;
	return 0;
}

/* Closes *file (when not NULL) before creating the link: its memory is not needed there. */
static int link_attach(struct build *b, const struct bpf_program *prog, pid_t pid, const char *path,
		       struct usdt_file **file)
{
	struct usdt_uprobe_multi_opts uopts = {.sz = sizeof(uopts)};
	struct usdt_link *link = b->link;
	int err;

	err = link_probe_ids(link, b);
	if (err)
		return err;
	if (file) {
		usdt_file__close(*file);
		*file = NULL;
	}
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

int usdti_attach_check(struct usdt_manager *man, const struct bpf_program *prog,
		       const struct usdt_attach_opts *opts)
{
	if (!man || !prog || !OPTS_VALID(opts, usdt_attach_opts))
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
	return usdti_spec_table_map(man->specs, bpf_map__fd(man->map));
}

/*
 * The link of the sites sel selects in file (at path), checked, with their specs: what
 * usdt_attach() and usdt_plan__attach() share. *file is closed early when owned (not NULL).
 */
static struct usdt_link *attach_selection(struct usdt_manager *man, const struct bpf_program *prog,
					  pid_t pid, const char *path, struct usdt_file **owned,
					  struct usdt_file *file, struct selection *sel,
					  const struct usdt_attach_opts *opts)
{
	struct build b = {.cookie = OPTS_GET(opts, cookie, 0), .arrays = &man->arrays};
	int err;

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
	err = build_sites(&b, sel, file);
	if (err == -ENOEXEC)
		pr_warn("%s: cannot read its USDT notes: %s\n", path, strerror(-err));
	if (!err)
		err = usdti_drop_sema_conflicts(&b, sel, file);
	if (!err)
		err = usdti_sel_verdict(sel, b.cnt);
	if (!err)
		err = link_attach(&b, prog, pid, path, owned);
	if (!err)
		pr_debug("%s: attached %zu site(s) of %zu probe(s) matching '%s'\n", path,
			 b.link->site_cnt, b.link->probe_cnt, sel->glob);
out:
	free(b.ref_ctrs);
	if (err) {
		usdt_link__destroy(b.link);
		errno = -err;
		return NULL;
	}
	return b.link;
}

struct usdt_link *usdt_attach(struct usdt_manager *man, const struct bpf_program *prog, pid_t pid,
			      const char *binary_path, const char *probe_glob,
			      const struct usdt_attach_opts *opts)
{
	struct selection sel = {.glob = probe_glob,
				.skip_bad = OPTS_GET(opts, skip_bad_sites, false),
				.extra_globs = OPTS_GET(opts, extra_globs, NULL),
				.extra_cnt = OPTS_GET(opts, extra_glob_cnt, 0)};
	struct usdt_file *file = NULL;
	struct usdt_link *link = NULL;
	char path[PATH_MAX];
	int err;

	err = !binary_path || !probe_glob ? -EINVAL : usdti_attach_check(man, prog, opts);
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
	link = attach_selection(man, prog, pid, path, &file, file, &sel, opts);
	err = link ? 0 : -errno;
out:
	usdt_file__close(file);
	if (err) {
		errno = -err;
		return NULL;
	}
	return link;
}

struct usdt_link *usdti_plan_attach(struct usdt_manager *man, const struct bpf_program *prog,
				    pid_t pid, struct usdt_file *file, struct selection *sel,
				    const struct usdt_attach_opts *opts)
{
	int err = usdti_attach_check(man, prog, opts);

	if (err) {
		errno = -err;
		return NULL;
	}
	return attach_selection(man, prog, pid, file->path, NULL, file, sel, opts);
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
	free(link->probe_ids);
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

const __u32 *usdt_link__probe_ids(const struct usdt_link *link, size_t *cnt)
{
	if (!link || !cnt) {
		errno = EINVAL;
		return NULL;
	}
	*cnt = link->probe_cnt;
	return link->probe_ids;
}

const struct usdt_uprobe_link *usdt_link__uprobe_link(const struct usdt_link *link)
{
	return link ? link->ulink : NULL;
}
