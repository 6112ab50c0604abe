// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Attach plans: the sites of an open file that globs select, counted before any BPF object is
 * loaded (a tracer sizes its maps by them), then attached from the file as it was read: the
 * notes are parsed once for both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attach_internal.h"
#include "log.h"
#include "opts.h"

struct usdt_plan {
	struct usdt_file *file; /* the caller's, open as long as the plan */
	char **globs;
	size_t glob_cnt;
	__u32 *site_idx; /* the selected sites of file->sites, in note order */
	size_t site_cnt;
	size_t probe_cnt;
};

static bool plan_match(const struct usdt_plan *plan, const struct usdt_site *s)
{
	for (size_t i = 0; i < plan->glob_cnt; i++) {
		if (usdt_probe_match(plan->globs[i], s->provider, s->name))
			return true;
	}
	return false;
}

/* Marks the sites of the probes that match: one glob match per probe, not per site. */
static int select_sites(struct usdt_plan *plan, bool *selected)
{
	const struct usdt_file *f = plan->file;

	for (size_t p = 0; p < usdt_file__probe_cnt(f); p++) {
		if (!plan_match(plan, usdt_file__probe_site(f, p, 0)))
			continue;
		plan->probe_cnt++;
		for (size_t k = 0; k < usdt_file__probe_site_cnt(f, p); k++)
			selected[usdt_file__probe_site(f, p, k) - f->sites] = true;
	}
	for (size_t i = 0; i < f->site_cnt; i++) {
		if (selected[i])
			plan->site_idx[plan->site_cnt++] = i;
	}
	return 0;
}

static int copy_globs(struct usdt_plan *plan, const char *const *globs, size_t cnt)
{
	plan->globs = calloc(cnt, sizeof(*plan->globs));
	if (!plan->globs)
		return -ENOMEM;
	for (; plan->glob_cnt < cnt; plan->glob_cnt++) {
		plan->globs[plan->glob_cnt] = strdup(globs[plan->glob_cnt]);
		if (!plan->globs[plan->glob_cnt])
			return -ENOMEM;
	}
	return 0;
}

struct usdt_plan *usdt_plan__new(struct usdt_file *file, const char *const *globs, size_t glob_cnt)
{
	struct usdt_plan *plan;
	bool *selected = NULL;
	int err = -ENOMEM;

	if (!file || !globs || !glob_cnt || !file->parsed_args ||
	    (file->site_cnt && !file->probe_cnt)) {
		pr_warn("%s: an attach plan needs globs and a file opened with parse_args and "
			"group_probes\n",
			file ? file->path : "(null)");
		errno = EINVAL;
		return NULL;
	}
	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return NULL;
	plan->file = file;
	plan->site_idx = malloc((file->site_cnt ? file->site_cnt : 1) * sizeof(*plan->site_idx));
	selected = calloc(file->site_cnt ? file->site_cnt : 1, sizeof(*selected));
	if (plan->site_idx && selected && !copy_globs(plan, globs, glob_cnt))
		err = select_sites(plan, selected);
	free(selected);
	if (err) {
		usdt_plan__free(plan);
		errno = -err;
		return NULL;
	}
	return plan;
}

void usdt_plan__free(struct usdt_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->glob_cnt; i++)
		free(plan->globs[i]);
	free(plan->globs);
	free(plan->site_idx);
	free(plan);
}

size_t usdt_plan__site_cnt(const struct usdt_plan *plan)
{
	return plan ? plan->site_cnt : 0;
}

size_t usdt_plan__probe_cnt(const struct usdt_plan *plan)
{
	return plan ? plan->probe_cnt : 0;
}

struct usdt_link *usdt_plan__attach(const struct usdt_plan *plan, struct usdt_manager *man,
				    const struct bpf_program *prog, pid_t pid,
				    const struct usdt_attach_opts *opts)
{
	struct selection sel = {
		.path = plan ? plan->file->path : NULL,
		.glob = plan ? plan->globs[0] : NULL,
		.extra_globs = plan ? (const char *const *)plan->globs + 1 : NULL,
		.extra_cnt = plan ? plan->glob_cnt - 1 : 0,
		.skip_bad = OPTS_GET(opts, skip_bad_sites, false),
		.sites = plan ? plan->file->sites : NULL,
		.site_idx = plan ? plan->site_idx : NULL,
		.site_cnt = plan ? plan->site_cnt : 0,
	};

	if (!plan || OPTS_GET(opts, extra_glob_cnt, 0)) {
		errno = EINVAL;
		return NULL;
	}
	return usdti_plan_attach(man, prog, pid, plan->file, &sel, opts);
}
