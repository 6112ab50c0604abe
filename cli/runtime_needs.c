// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runtimes keep some probes quiet until asked: CPython 3.11 fires function__entry for Python
 * code only while the line probe's semaphore is raised, PHP only with USE_ZEND_DTRACE=1, HotSpot
 * only with -XX:+ExtendedDTraceProbes, Ruby only while a TracePoint is on. A trace of such a
 * probe shows nothing and says nothing unless usdtctl tells: the runtime catalog's needs.
 */
#define _GNU_SOURCE
#include "runtime_needs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtimes.h"

/*
 * A probe that need applies to: one the scan found, or, when following (the files come later,
 * as processes map them), a pattern naming one without a glob. Its provider:name into label;
 * *path: the file it was found in, NULL for a pattern.
 */
static bool needing(const struct trace_scan *sc, const struct rt_need *need, char *label, size_t sz,
		    const char **path)
{
	for (size_t i = 0; i < sc->found_cnt; i++) {
		const struct found_probe *f = &sc->found[i];

		if (usdt_probe_match(need->glob, f->provider, f->name)) {
			snprintf(label, sz, "%s:%s", f->provider, f->name);
			*path = sc->objs[f->obj].path;
			return true;
		}
	}
	for (size_t i = 0; sc->follow && i < sc->pat_cnt; i++) {
		const char *glob = sc->pats[i].glob;
		size_t colon = strcspn(glob, ":");

		if (sc->pats[i].path || !glob[colon] || strpbrk(glob, "*?[") ||
		    snprintf(label, sz, "%s", glob) >= (int)sz)
			continue;
		label[colon] = '\0';
		if (usdt_probe_match(need->glob, label, label + colon + 1)) {
			label[colon] = ':';
			*path = NULL;
			return true;
		}
	}
	return false;
}

/* Whether probe (provider:name) is traced anyway: found, or named by a pattern when following. */
static bool traced(const struct trace_scan *sc, const char *probe)
{
	char buf[256];
	size_t colon = strcspn(probe, ":");

	for (size_t i = 0; i < sc->found_cnt; i++) {
		if (usdt_probe_match(probe, sc->found[i].provider, sc->found[i].name))
			return true;
	}
	if (!probe[colon] || snprintf(buf, sizeof(buf), "%s", probe) >= (int)sizeof(buf))
		return false;
	buf[colon] = '\0';
	for (size_t i = 0; sc->follow && i < sc->pat_cnt; i++) {
		if (!sc->pats[i].path && usdt_probe_match(sc->pats[i].glob, buf, buf + colon + 1))
			return true;
	}
	return false;
}

/*
 * The probe to raise, in f's object: as it is where TARGET, -p or -c name the objects, else
 * (only usdt:PATH patterns) as usdt:PATH:probe.
 */
static int add_extra(const struct trace_scan *sc, const char *path, char ***extra, int *cnt,
		     const char *probe)
{
	char **n, *pattern;

	if (sc->target || sc->pid || sc->cmd || !path)
		pattern = strdup(probe);
	else if (asprintf(&pattern, "usdt:%s:%s", path, probe) < 0)
		pattern = NULL;
	if (!pattern)
		return -ENOMEM;
	for (int i = 0; i < *cnt; i++) {
		if (!strcmp((*extra)[i], pattern)) {
			free(pattern);
			return 0;
		}
	}
	n = realloc(*extra, (*cnt + 1) * sizeof(*n));
	if (!n) {
		free(pattern);
		return -ENOMEM;
	}
	*extra = n;
	n[(*cnt)++] = pattern;
	return 0;
}

/* VAR=VALUE for -c: set in usdtctl's environment, which the command inherits. */
static void provide_env(const char *label, const char *assign, const char *cmd)
{
	size_t n = strcspn(assign, "=");
	char *var = strndup(assign, n);
	const char *now = var ? getenv(var) : NULL;

	if (!var)
		return;
	if (!cmd)
		cli_note("%s fires only with %s in the program's environment: start it so", label,
			 assign);
	else if (now && strcmp(now, assign + n + 1))
		cli_note("%s fires only with %s in the program's environment; %s is '%s', left "
			 "as it is",
			 label, assign, var, now);
	else if (!now && !setenv(var, assign + n + 1, 1))
		cli_note("%s fires only with %s in the program's environment: set for the "
			 "command",
			 label, assign);
	free(var);
}

static int needs(const struct trace_scan *sc, const char *cmd, const struct runtimes *r,
		 char ***extra, int *extra_cnt)
{
	int err = 0;

	*extra = NULL;
	*extra_cnt = 0;
	for (size_t i = 0; i < r->need_cnt && !err; i++) {
		const struct rt_need *need = &r->needs[i];
		const char *path;
		char label[256];

		if (!needing(sc, need, label, sizeof(label), &path))
			continue;
		switch (need->kind) {
		case RT_NEED_SEMAPHORE:
			/* traced anyway: its own attach raises the semaphore */
			if (traced(sc, need->value))
				break;
			cli_note(
				"%s fires only while %s's semaphore is raised: usdtctl attaches %s "
				"as well and ignores its hits (the program slows down at each)",
				label, need->value, need->value);
			if (add_extra(sc, path, extra, extra_cnt, need->value))
				err = cli_error(EXIT_RUNTIME, "out of memory");
			break;
		case RT_NEED_ENV:
			provide_env(label, need->value, cmd);
			break;
		case RT_NEED_SAYS:
			cli_note("%s: %s", label, need->value);
			break;
		}
	}
	return err;
}

/* The scan again, with the probes raised for their semaphores after the user's. */
static int rescan(struct trace_scan *sc, char **probes, int cnt, char **extra, int extra_cnt,
		  struct needs_probes *np)
{
	struct trace_scan again = {
		.pid = sc->pid,
		.pids = sc->pids,
		.pid_cnt = sc->pid_cnt,
		.cmd = sc->cmd,
		.target = sc->target,
		.follow = sc->follow,
	};
	int err;

	np->all = calloc(cnt + extra_cnt, sizeof(*np->all));
	if (!np->all)
		return cli_error(EXIT_RUNTIME, "out of memory");
	memcpy(np->all, probes, cnt * sizeof(*probes));
	memcpy(np->all + cnt, extra, extra_cnt * sizeof(*extra));
	np->user_cnt = cnt;
	np->cnt = cnt + extra_cnt;
	trace_scan_free(sc);
	*sc = again;
	err = trace_scan_patterns(sc, np->all, np->cnt);
	if (!err)
		err = trace_scan_objects(sc);
	if (!err)
		err = trace_scan_sites(sc);
	return err ? err : trace_scan_check(sc);
}

int runtime_needs_scan(struct trace_scan *sc, char **probes, int cnt, const char *cmd,
		       const struct runtimes *catalog, struct needs_probes *np)
{
	struct runtimes own = {0};
	char **extra = NULL;
	int extra_cnt = 0, err = 0;

	memset(np, 0, sizeof(*np));
	np->user_cnt = cnt;
	if (!catalog) {
		err = runtimes_load(&own);
		catalog = &own;
	}
	if (!err)
		err = needs(sc, cmd, catalog, &extra, &extra_cnt);
	runtimes_free(&own);
	if (!err && extra_cnt)
		err = rescan(sc, probes, cnt, extra, extra_cnt, np);
	if (!np->all) {
		for (int i = 0; i < extra_cnt; i++)
			free(extra[i]);
	}
	free(extra);
	return err;
}

bool runtime_needs_quiet(const struct trace_scan *sc, const struct needs_probes *np,
			 const struct found_probe *f)
{
	const struct trace_object *o = &sc->objs[f->obj];

	if (!np->all)
		return false;
	for (int i = 0; i < np->user_cnt; i++) {
		if (o->pats[i] && usdt_probe_match(sc->pats[i].glob, f->provider, f->name))
			return false;
	}
	return true;
}

void runtime_needs_free(struct needs_probes *np)
{
	for (int i = np->user_cnt; np->all && i < np->cnt; i++)
		free(np->all[i]);
	free(np->all);
	memset(np, 0, sizeof(*np));
}
