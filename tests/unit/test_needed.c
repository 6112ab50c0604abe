// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_needed_objects() against the dynamic loader itself: for real programs (Debian's ruby,
 * python3.11, postgres, java when installed) and the fixtures (RUNPATH $ORIGIN, an absolute
 * RUNPATH), the files it names are the files "ld.so --list" maps; errors for bad input.
 * For programs without RUNPATH, usdt_resolve_binary_path() finds each bare name where the
 * loader found it (the two share one order of system directories).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>

#include "test.h"
#include "uprobe_multi.h"
#include "usdt.h"

#define LDSO	  "/lib64/ld-linux-x86-64.so.2"
#define PATHS_MAX 256

struct paths {
	char *v[PATHS_MAX];
	size_t cnt;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds realpath(p): both sides name the same files by different links. */
static int add(const char *p, void *ctx)
{
	struct paths *ps = ctx;
	char *r = realpath(p, NULL);

	if (r && ps->cnt < PATHS_MAX)
		ps->v[ps->cnt++] = r;
	else
		free(r);
	return 0;
}

/* Where usdt_resolve_binary_path() finds the library the loader found as name => path. */
static void same_resolved(const char *name, size_t len, const char *path)
{
	char bare[256], got[PATH_MAX];

	if (len >= sizeof(bare))
		return;
	memcpy(bare, name, len);
	bare[len] = '\0';
	CHECK_INT(usdt_resolve_binary_path(bare, got, sizeof(got)), 0);
	CHECK_STR(got, path);
}

/*
 * The files the loader maps for prog: "name => /path (0x..)" and "/path (0x...)" lines; with
 * by_name, each name resolved by the library as well.
 */
static void loader_list(const char *prog, struct paths *ps, bool by_name)
{
	char cmd[PATH_MAX + 64], *line = NULL, path[PATH_MAX];
	size_t sz = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s --list '%s'", LDSO, prog);
	f = popen(cmd, "r");
	if (!f)
		return;
	while (getline(&line, &sz, f) > 0) {
		char *arrow = strstr(line, "=> ");
		char *p = arrow ? arrow + 3 : line + strspn(line, " \t");

		if (*p != '/' || sscanf(p, "%4095s", path) != 1)
			continue;
		add(path, ps);
		if (arrow && by_name) {
			const char *name = line + strspn(line, " \t");

			same_resolved(name, strcspn(name, " "), path);
		}
	}
	free(line);
	pclose(f);
}

static void free_paths(struct paths *ps)
{
	for (size_t i = 0; i < ps->cnt; i++)
		free(ps->v[i]);
	ps->cnt = 0;
}

static void same_as_loader(const char *prog, bool by_name)
{
	struct usdt_needed_opts opts = {.sz = sizeof(opts),
					.library_path = getenv("LD_LIBRARY_PATH")};
	struct paths got = {}, want = {};

	if (access(prog, X_OK)) {
		/* scripts/deps installs them: under CI a missing one fails, as a skip would */
		fprintf(stderr, "%s: not installed, skipped\n", prog);
		CHECK(!getenv("CI"));
		return;
	}
	CHECK_INT(usdt_needed_objects(prog, &opts, add, &got), 0);
	loader_list(prog, &want, by_name);
	CHECK(want.cnt > 0);
	qsort(got.v, got.cnt, sizeof(got.v[0]), cmp_str);
	qsort(want.v, want.cnt, sizeof(want.v[0]), cmp_str);
	CHECK_INT(got.cnt, want.cnt);
	for (size_t i = 0; i < got.cnt && i < want.cnt; i++)
		CHECK_STR(got.v[i], want.v[i]);
	printf("%s: %zu objects, as ld.so --list\n", prog, got.cnt);
	free_paths(&got);
	free_paths(&want);
}

static int stop_at_first(const char *path, void *ctx)
{
	(void)path;
	++*(int *)ctx;
	return 7;
}

int main(void)
{
	struct usdt_needed_opts bad = {.sz = 1};
	struct paths none = {};
	int calls = 0;

	same_as_loader("/usr/bin/ruby3.1", true);
	same_as_loader("/usr/bin/python3.11", true);
	same_as_loader("/usr/lib/postgresql/15/bin/postgres", true);
	same_as_loader("/usr/lib/jvm/java-17-openjdk-amd64/bin/java", false); /* RUNPATH */
	same_as_loader(FIXTURES_DIR "/needed/bin/needed_prog", false);
	same_as_loader(FIXTURES_DIR "/lib_linked", false);
	same_as_loader(FIXTURES_DIR "/usdt_args", false);
	/* fn's value ends the walk and is returned */
	CHECK_INT(usdt_needed_objects(FIXTURES_DIR "/needed/bin/needed_prog", NULL, stop_at_first,
				      &calls),
		  7);
	CHECK_INT(calls, 1);
	/* a file without a dynamic section (mkelf's): nothing; bad input: errors */
	char empty[64], cmd[PATH_MAX];

	snprintf(empty, sizeof(empty), "/tmp/test_needed.%d.elf", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s/mkelf %s", FIXTURES_DIR, empty);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(usdt_needed_objects(empty, NULL, add, &none), 0);
	CHECK_INT(none.cnt, 0);
	unlink(empty);
	CHECK_INT(usdt_needed_objects("/nonexistent", NULL, add, &none), -ENOENT);
	CHECK_INT(usdt_needed_objects(SOURCE_DIR "/README.md", NULL, add, &none), -ENOEXEC);
	CHECK_INT(usdt_needed_objects("/usr/bin/ruby3.1", &bad, add, &none), -EINVAL);
	CHECK_INT(usdt_needed_objects(NULL, NULL, add, &none), -EINVAL);
	free_paths(&none);
	return test_summary("test_needed");
}
