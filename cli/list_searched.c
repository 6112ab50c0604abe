// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdtctl list: what it searched, said when nothing was shown. */
#include "list_searched.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct searched_id {
	dev_t dev;
	ino_t ino;
};

bool list_searched_add(struct list_searched *s, const char *open_path, const char *path,
		       bool library)
{
	struct stat st;

	if (stat(open_path, &st) == 0) {
		for (size_t i = 0; i < s->cnt; i++)
			if (s->ids[i].dev == st.st_dev && s->ids[i].ino == st.st_ino)
				return false;
		if (s->cnt == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 16;
			struct searched_id *n = realloc(s->ids, cap * sizeof(*n));

			if (n) {
				s->ids = n;
				s->cap = cap;
			}
		}
		if (s->cnt < s->cap)
			s->ids[s->cnt++] = (struct searched_id){st.st_dev, st.st_ino};
	}
	if (library)
		s->libraries++;
	else if (!s->named++)
		s->first = strdup(path);
	return true;
}

void list_searched_note(const struct list_searched *s, const char *pattern, pid_t pid)
{
	char what[160], libs[96] = "";

	if (pattern)
		snprintf(what, sizeof(what), "no probe matches '%.100s'", pattern);
	else
		snprintf(what, sizeof(what), "no USDT probes");
	if (pid) {
		cli_note("%s in the %zu objects process %d maps", what, s->named, (int)pid);
		return;
	}
	if (s->libraries)
		snprintf(libs, sizeof(libs), " and the %zu libraries %s", s->libraries,
			 s->named > 1 ? "they load" : "it loads");
	if (s->named > 1)
		cli_note("%s in %s, %zu more files%s; libraries loaded with dlopen() show with "
			 "'usdtctl list -p PID'",
			 what, s->first ? s->first : "?", s->named - 1, libs);
	else
		cli_note(
			"%s in %s%s; libraries loaded with dlopen() show with 'usdtctl list -p PID'",
			what, s->first ? s->first : "?", libs);
}

void list_searched_free(struct list_searched *s)
{
	free(s->ids);
	free(s->first);
}
