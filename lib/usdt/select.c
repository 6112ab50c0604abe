// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Site selection and validation: a walk over the sites matching the globs, straight from the
 * notes, reporting the bad ones (the kernel fails a whole link for one bad site, and naming
 * that site afterwards is impossible).
 */
#include <errno.h>
#include <string.h>

#include "attach_internal.h"
#include "log.h"

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

void usdti_sel_report_bad(struct selection *sel, const struct usdt_site *site, const char *why)
{
	if (sel->bad++ < USDTI_SITE_WARN_MAX)
		pr_warn("%s: site %s:%s at 0x%llx %s: %s\n", sel->path, site->provider, site->name,
			(unsigned long long)site->address, sel->skip_bad ? "skipped" : "is bad",
			why);
}

bool usdti_same_probe(const char *provider_a, const char *name_a, const struct usdt_site *b)
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

size_t usdti_sel_capacity(const struct selection *sel)
{
	return sel->site_idx ? sel->site_cnt : sel->walk.max_sites;
}

int usdti_sel_begin(struct selection *sel, struct usdt_file *file, bool again)
{
	int err = 0;

	if (sel->site_idx)
		memset(&sel->walk, 0, sizeof(sel->walk));
	else
		err = usdti_notes_begin(&sel->walk, file);
	sel->walk.quiet = again;
	sel->site_pos = 0;
	sel->run_provider = sel->run_name = NULL;
	return err;
}

/* The next of a plan's sites: 1, or 0 at the end. */
static int plan_next(struct selection *sel, struct usdt_site *site)
{
	if (sel->site_pos == sel->site_cnt)
		return 0;
	*site = sel->sites[sel->site_idx[sel->site_pos++]];
	sel->run_match = true;
	sel->run_provider = site->provider;
	sel->run_name = site->name;
	return 1;
}

int usdti_sel_next(struct selection *sel, struct usdt_site *site)
{
	const char *why;
	int err;

	while ((err = sel->site_idx ? plan_next(sel, site) : usdti_notes_next(&sel->walk, site)) >
	       0) {
		/* the glob match once per run of sites of one probe */
		if (!sel->run_name || !usdti_same_probe(sel->run_provider, sel->run_name, site)) {
			sel->run_match = sel_match(sel, site);
			sel->run_provider = site->provider;
			sel->run_name = site->name;
		}
		if (!sel->run_match)
			continue;
		err = sel->site_idx ? 0 : usdti_notes_args(&sel->walk, site, true);
		if (err)
			return err;
		why = site_problem(site);
		if (!why)
			return 1;
		if (!sel->walk.quiet)
			usdti_sel_report_bad(sel, site, why);
	}
	return err;
}

int usdti_sel_verdict(const struct selection *sel, size_t cnt)
{
	if (sel->bad > USDTI_SITE_WARN_MAX)
		pr_warn("%s: %zu more bad sites %s, not named one by one\n", sel->path,
			sel->bad - USDTI_SITE_WARN_MAX, sel->skip_bad ? "skipped" : "found");
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
