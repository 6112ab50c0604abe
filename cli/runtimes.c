// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime catalog: "RUNTIME ROLE VALUE..." lines (see data/runtimes.catalog). Unlike the
 * probe catalog, a bad line is an error: a command that reads the wrong probes would print
 * nothing and say nothing.
 */
#define _GNU_SOURCE
#include "runtimes.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"

#define RUNTIMES_NAME "runtimes.catalog"
#define RUNTIMES_ENV  "USDTCTL_RUNTIMES"
#define MAX_WORDS     32

static const struct {
	const char *name;
	int probes; /* probes before the key */
	bool key;
	bool size; /* an optional size argument after the key */
} roles[RT_ROLE_CNT] = {
	[RT_CALL] = {"call", 2, true, false},
	[RT_GC] = {"gc", 2, false, false},
	[RT_ALLOC] = {"alloc", 1, true, true},
	[RT_THREAD] = {"thread", 2, true, false},
	[RT_CLASSLOAD] = {"classload", 1, true, false},
	[RT_EXCEPTION] = {"exception", 1, true, false},
	[RT_QUERY] = {"query", 2, true, false},
};

static const char *const need_kinds[] = {
	[RT_NEED_SEMAPHORE] = "semaphore",
	[RT_NEED_ENV] = "env",
	[RT_NEED_SAYS] = "says",
};

const char *rt_role_name(enum rt_role role)
{
	return roles[role].name;
}

/* "argN" at s: its length, N in *n; 0 when s does not start with one. */
static size_t argn_at(const char *s, unsigned char *n)
{
	size_t len = 3;
	long v = 0;

	if (strncmp(s, "arg", 3) || !isdigit((unsigned char)s[3]))
		return 0;
	for (; isdigit((unsigned char)s[len]) && v < USDT_MAX_ARGS; len++)
		v = v * 10 + s[len] - '0';
	if (v >= USDT_MAX_ARGS)
		return 0;
	*n = v;
	return len;
}

/* "arg3::arg0" into k: 0, or -EINVAL. */
static int parse_key(const char *s, struct rt_key *k)
{
	size_t sep = 0;

	memset(k, 0, sizeof(*k));
	while (*s) {
		unsigned char n;
		size_t len = argn_at(s, &n);

		if (len) {
			if (k->cnt == RT_KEY_PARTS)
				return -EINVAL;
			k->arg[k->cnt++] = n;
			s += len;
			sep = 0;
			continue;
		}
		if (k->cnt == RT_KEY_PARTS || sep == RT_SEP_MAX - 1)
			return -EINVAL;
		k->sep[k->cnt][sep++] = *s++;
	}
	/* text after the last part has no argument to stand before */
	return k->cnt && !sep ? 0 : -EINVAL;
}

static struct runtime *get_runtime(struct runtimes *r, const char *name)
{
	struct runtime *n;

	for (size_t i = 0; i < r->cnt; i++) {
		if (!strcmp(r->rt[i].name, name))
			return &r->rt[i];
	}
	n = realloc(r->rt, (r->cnt + 1) * sizeof(*n));
	if (!n)
		return NULL;
	r->rt = n;
	n = &r->rt[r->cnt];
	memset(n, 0, sizeof(*n));
	n->name = strdup(name);
	if (!n->name)
		return NULL;
	r->cnt++;
	return n;
}

static int dup_words(char ***out, size_t *cnt, char **w, int n)
{
	if (*cnt)
		return 0; /* the first entry wins */
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		(*out)[i] = strdup(w[i]);
		if (!(*out)[i])
			return -ENOMEM;
		++*cnt;
	}
	return 0;
}

static int add_need(struct runtimes *r, char **w, int n, const char **why)
{
	struct rt_need need = {.kind = RT_NEED_SAYS + 1};
	struct rt_need *nn;

	for (size_t k = 0; n >= 2 && k < sizeof(need_kinds) / sizeof(need_kinds[0]); k++) {
		if (!strcmp(w[1], need_kinds[k]))
			need.kind = k;
	}
	*why = "need PROBE semaphore PROBE, need PROBE env VAR=VALUE or need PROBE says TEXT";
	if (need.kind > RT_NEED_SAYS || n != 3 || !w[2][0] ||
	    (need.kind == RT_NEED_SEMAPHORE && !strchr(w[2], ':')) ||
	    (need.kind == RT_NEED_ENV && (!strchr(w[2], '=') || w[2][0] == '=')))
		return -EINVAL;
	nn = realloc(r->needs, (r->need_cnt + 1) * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	r->needs = nn;
	need.glob = strdup(w[0]);
	need.value = strdup(w[2]);
	if (!need.glob || !need.value) {
		free(need.glob);
		free(need.value);
		return -ENOMEM;
	}
	r->needs[r->need_cnt++] = need;
	return 0;
}

static int add_role(struct runtime *rt, enum rt_role role, char **w, int n, const char **why)
{
	static char buf[128];
	struct rt_role_entry e = {.set = true, .size_arg = -1};
	int want = roles[role].probes;
	unsigned char size;

	int keyed = roles[role].key;

	snprintf(buf, sizeof(buf), "%s %s%s%s (PROBE as provider:name%s)", roles[role].name,
		 want == 2 ? "PROBE PROBE" : "PROBE", keyed ? " KEY" : "",
		 roles[role].size ? " [argN]" : "", keyed ? ", KEY as arg0:arg1" : "");
	*why = buf;
	if (n < want + keyed || n > want + keyed + roles[role].size)
		return -EINVAL;
	for (int i = 0; i < want; i++) {
		if (!strchr(w[i], ':'))
			return -EINVAL;
	}
	if (keyed && parse_key(w[want], &e.key))
		return -EINVAL;
	if (n > want + 1) {
		if (argn_at(w[want + 1], &size) != strlen(w[want + 1]))
			return -EINVAL;
		e.size_arg = size;
	}
	if (rt->role[role].set)
		return 0; /* the first entry wins */
	for (int i = 0; i < want; i++) {
		e.probe[i] = strdup(w[i]);
		if (!e.probe[i])
			return -ENOMEM;
	}
	rt->role[role] = e;
	return 0;
}

/* One line (comments stripped): 0, -EINVAL with *why, or -ENOMEM. */
static int parse_line(struct runtimes *r, char *line, const char **why)
{
	char *w[MAX_WORDS], *save = NULL, *says = strstr(line, " says ");
	struct runtime *rt;
	int n = 0;

	/* the text of "says" is the rest of the line, as written */
	if (says) {
		*says = '\0';
		says += 6;
		while (isspace((unsigned char)*says))
			says++;
		says[strcspn(says, "\r\n")] = '\0';
	}
	for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS - 2) {
			*why = "at most 30 words";
			return -EINVAL;
		}
		w[n++] = t;
	}
	if (says && n <= MAX_WORDS - 2) {
		w[n++] = "says";
		w[n++] = says;
	}
	if (!n)
		return 0;
	*why = "RUNTIME ROLE VALUE... with ROLE program, library, call, gc, alloc, thread, "
	       "classload, exception, query or need";
	if (n < 3 || (says && strcmp(w[1], "need")))
		return -EINVAL;
	rt = get_runtime(r, w[0]);
	if (!rt)
		return -ENOMEM;
	if (!strcmp(w[1], "program"))
		return dup_words(&rt->programs, &rt->program_cnt, w + 2, n - 2);
	if (!strcmp(w[1], "library"))
		return dup_words(&rt->libraries, &rt->library_cnt, w + 2, n - 2);
	if (!strcmp(w[1], "need"))
		return add_need(r, w + 2, n - 2, why);
	for (int role = 0; role < RT_ROLE_CNT; role++) {
		if (!strcmp(w[1], roles[role].name))
			return add_role(rt, role, w + 2, n - 2, why);
	}
	return -EINVAL;
}

static int read_file(const char *path, void *ctx)
{
	FILE *f = catalog_open(path);
	char *line = NULL;
	size_t sz = 0;
	int lineno = 0, err = 0;

	if (!f)
		return 0;
	while (!err && getline(&line, &sz, f) > 0) {
		const char *why = NULL;

		lineno++;
		line[strcspn(line, "#")] = '\0';
		err = parse_line(ctx, line, &why);
		if (err == -EINVAL)
			err = cli_error(EXIT_RUNTIME, "%s:%d: expected %s", path, lineno, why);
		else if (err)
			err = cli_error(EXIT_RUNTIME, "%s: %s", path, strerror(-err));
	}
	free(line);
	fclose(f);
	return err;
}

int runtimes_load(struct runtimes *r)
{
	memset(r, 0, sizeof(*r));
	return catalog_for_each_path(RUNTIMES_NAME, RUNTIMES_ENV, read_file, r);
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

void runtimes_free(struct runtimes *r)
{
	for (size_t i = 0; i < r->cnt; i++) {
		struct runtime *rt = &r->rt[i];

		free(rt->name);
		free_words(rt->programs, rt->program_cnt);
		free_words(rt->libraries, rt->library_cnt);
		for (int k = 0; k < RT_ROLE_CNT; k++) {
			free(rt->role[k].probe[0]);
			free(rt->role[k].probe[1]);
		}
	}
	for (size_t i = 0; i < r->need_cnt; i++) {
		free(r->needs[i].glob);
		free(r->needs[i].value);
	}
	free(r->rt);
	free(r->needs);
	memset(r, 0, sizeof(*r));
}

void runtimes_print_paths(FILE *out, const char *indent)
{
	catalog_print_paths_of(out, indent, RUNTIMES_NAME, RUNTIMES_ENV);
}

const struct runtime *runtimes_find(const struct runtimes *r, const char *name)
{
	for (size_t i = 0; i < r->cnt; i++) {
		if (!strcmp(r->rt[i].name, name))
			return &r->rt[i];
	}
	return NULL;
}

const struct runtime *runtimes_by_program(const struct runtimes *r, const char *exe)
{
	const char *base = strrchr(exe, '/');

	base = base ? base + 1 : exe;
	for (size_t i = 0; i < r->cnt; i++) {
		for (size_t k = 0; k < r->rt[i].program_cnt; k++) {
			if (!fnmatch(r->rt[i].programs[k], base, 0))
				return &r->rt[i];
		}
	}
	return NULL;
}

int runtime_library(const struct runtime *rt, char *buf, size_t sz)
{
	for (size_t i = 0; i < rt->library_cnt; i++) {
		glob_t g;
		int found = glob(rt->libraries[i], GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc;

		if (found)
			snprintf(buf, sz, "%s", g.gl_pathv[0]);
		globfree(&g);
		if (found)
			return 0;
	}
	return -ENOENT;
}
