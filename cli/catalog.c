// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Argument type lists and the catalog of well-known probe signatures. A catalog file has one
 * entry a line, "GLOB(type,...)" with GLOB over provider:name; '#' starts a comment.
 */
#define _GNU_SOURCE
#include "catalog.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"

#define CATALOG_NAME	      "probes.catalog"
/* documented limits (man page): the shipped catalog is 5 KB, its longest line 100 bytes */
#define CATALOG_MAX_SIZE      (1 << 20)
#define CATALOG_MAX_SIZE_TEXT "1 MiB"
#define CATALOG_MAX_LINE      4096

static const char *const type_names[] = {
	[ARG_INT] = "int",
	[ARG_HEX] = "hex",
	[ARG_STR] = "str",
	[ARG_STRN] = "strn",
};

struct catalog_entry {
	char *glob;
	struct arg_types types;
};

struct catalog {
	struct catalog_entry *ents;
	size_t cnt, cap;
};

/* Parses "str, str ,int" (text up to end) into types; *bad points at an unknown word. */
static int parse_types(const char *text, const char *end, struct arg_types *types, const char **bad)
{
	const char *p = text;

	memset(types, 0, sizeof(*types));
	while (p < end) {
		const char *w, *we;
		size_t i, n;

		while (p < end && isspace((unsigned char)*p))
			p++;
		w = p;
		while (p < end && *p != ',')
			p++;
		we = p;
		while (we > w && isspace((unsigned char)we[-1]))
			we--;
		n = we - w;
		for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
			if (strlen(type_names[i]) == n && strncmp(w, type_names[i], n) == 0)
				break;
		}
		if (i == sizeof(type_names) / sizeof(type_names[0]) ||
		    types->cnt == USDT_MAX_ARGS) {
			*bad = w;
			return -EINVAL;
		}
		types->type[types->cnt++] = i;
		if (p < end)
			p++; /* the ',' */
	}
	return 0;
}

int arg_types_split(const char *arg, char **glob, struct arg_types *types, bool *has_types,
		    const char **bad)
{
	size_t len = strlen(arg);
	const char *open;
	int err;

	memset(types, 0, sizeof(*types));
	*has_types = false;
	*glob = NULL;
	open = len && arg[len - 1] == ')' ? strrchr(arg, '(') : NULL;
	if (!open) {
		*glob = strdup(arg);
		return *glob ? 0 : -ENOMEM;
	}
	if (open == arg) {
		*bad = arg;
		return -EINVAL;
	}
	err = parse_types(open + 1, arg + len - 1, types, bad);
	if (err)
		return err;
	*glob = strndup(arg, open - arg);
	if (!*glob)
		return -ENOMEM;
	*has_types = true;
	return 0;
}

unsigned int arg_types_mask(const struct arg_types *types, enum arg_type t)
{
	unsigned int mask = 0;

	for (int i = 0; i < types->cnt; i++) {
		if (types->type[i] == t)
			mask |= 1u << i;
	}
	return mask;
}

bool arg_types_is_str(const struct arg_types *types, int n)
{
	return n < types->cnt && (types->type[n] == ARG_STR || types->type[n] == ARG_STRN);
}

static int catalog_add(struct catalog *cat, char *glob, const struct arg_types *types)
{
	if (cat->cnt == cat->cap) {
		size_t cap = cat->cap ? cat->cap * 2 : 64;
		struct catalog_entry *n = realloc(cat->ents, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		cat->ents = n;
		cat->cap = cap;
	}
	cat->ents[cat->cnt].glob = glob;
	cat->ents[cat->cnt].types = *types;
	cat->cnt++;
	return 0;
}

/* One line: blank, a comment, or an entry. -EINVAL for a malformed entry, -ENOMEM. */
static int catalog_line(struct catalog *cat, char *line)
{
	struct arg_types types;
	const char *bad = NULL;
	char *s = line, *e, *glob;
	bool has_types;
	int err;

	e = strchr(s, '#');
	if (e)
		*e = '\0';
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (!*s)
		return 0;
	err = arg_types_split(s, &glob, &types, &has_types, &bad);
	if (err)
		return err;
	if (!has_types || !*glob || strpbrk(glob, " \t")) {
		free(glob);
		return -EINVAL;
	}
	err = catalog_add(cat, glob, &types);
	if (err)
		free(glob);
	return err;
}

/*
 * A regular file of at most CATALOG_MAX_SIZE bytes, or NULL (warned about unless it is not
 * there): a FIFO would block the open or the read, /dev/zero would never end.
 */
FILE *catalog_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	const char *why = NULL;
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL; /* a catalog that is not there adds nothing */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > CATALOG_MAX_SIZE)
		why = "larger than " CATALOG_MAX_SIZE_TEXT;
	f = why ? NULL : fdopen(fd, "r");
	if (!f) {
		if (why)
			cli_warn("%s: %s; catalog skipped", path, why);
		close(fd);
	}
	return f;
}

static int catalog_read(struct catalog *cat, const char *path)
{
	char *line = NULL;
	size_t sz = 0, total = 0;
	int lineno = 0, err = 0;
	FILE *f = catalog_open(path);
	ssize_t len;

	if (!f)
		return 0;
	/* a file that grows while it is read stops at the limit too */
	while ((len = getline(&line, &sz, f)) > 0 && (total += len) <= CATALOG_MAX_SIZE) {
		lineno++;
		if (len > CATALOG_MAX_LINE) {
			cli_warn("%s:%d: longer than %d characters; line skipped", path, lineno,
				 CATALOG_MAX_LINE);
			continue;
		}
		err = catalog_line(cat, line);
		if (err == -ENOMEM)
			break;
		if (err) {
			cli_warn("%s:%d: not a catalog entry (expected provider:name(type,...) "
				 "with types int, hex, str, strn); line skipped",
				 path, lineno);
			err = 0;
		}
	}
	free(line);
	fclose(f);
	return err;
}

int catalog_for_each_path(const char *name, const char *env_name,
			  int (*fn)(const char *path, void *ctx), void *ctx)
{
	char path[PATH_MAX + 64], exe[PATH_MAX];
	const char *env = getenv(env_name), *cfg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	ssize_t n;
	int err;

	if (env && *env) {
		char *list = strdup(env), *save = NULL;

		if (!list)
			return -ENOMEM;
		for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
			err = fn(p, ctx);
			if (err) {
				free(list);
				return err;
			}
		}
		free(list);
	}
	if (cfg && *cfg)
		snprintf(path, sizeof(path), "%s/usdtctl/%s", cfg, name);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.config/usdtctl/%s", home, name);
	else
		path[0] = '\0';
	if (path[0] && (err = fn(path, ctx)))
		return err;
	/* next to the executable (an install prefix, or the build tree), then the configured one */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/../share/usdtctl/%s", exe, name);
		if (access(path, R_OK) == 0)
			return fn(path, ctx);
	}
	snprintf(path, sizeof(path), "%s/usdtctl/%s", USDTCTL_DATADIR, name);
	return fn(path, ctx);
}

static int load_one(const char *path, void *ctx)
{
	return catalog_read(ctx, path);
}

struct catalog *catalog_load(void)
{
	struct catalog *cat = calloc(1, sizeof(*cat));

	if (!cat)
		return NULL;
	if (catalog_for_each_path(CATALOG_NAME, "USDTCTL_CATALOG", load_one, cat)) {
		catalog_free(cat);
		return NULL;
	}
	return cat;
}

void catalog_free(struct catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->cnt; i++)
		free(cat->ents[i].glob);
	free(cat->ents);
	free(cat);
}

bool catalog_lookup(const struct catalog *cat, const char *provider, const char *name,
		    struct arg_types *types)
{
	for (size_t i = 0; cat && i < cat->cnt; i++) {
		if (usdt_probe_match(cat->ents[i].glob, provider, name)) {
			*types = cat->ents[i].types;
			return true;
		}
	}
	return false;
}

struct print_ctx {
	FILE *out;
	const char *indent;
};

static int print_one(const char *path, void *ctx)
{
	struct print_ctx *pc = ctx;
	char real[PATH_MAX];

	if (realpath(path, real))
		fprintf(pc->out, "%s%s\n", pc->indent, real);
	else
		fprintf(pc->out, "%s%s (not present)\n", pc->indent, path);
	return 0;
}

void catalog_print_paths(FILE *out, const char *indent)
{
	catalog_print_paths_of(out, indent, CATALOG_NAME, "USDTCTL_CATALOG");
}

void catalog_print_paths_of(FILE *out, const char *indent, const char *name, const char *env_name)
{
	struct print_ctx pc = {out, indent};

	catalog_for_each_path(name, env_name, print_one, &pc);
}
