// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdtctl list: what it searched, said when nothing was shown. */
#include "list_searched.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

bool list_searched_add(struct list_searched *s, const char *open_path, const char *path,
		       bool library)
{
	struct stat st;
	bool added;

	/* out of memory, a file may be listed twice rather than not at all */
	if (stat(open_path, &st) == 0 &&
	    file_ids_get(&s->ids, st.st_dev, st.st_ino, true, &added) >= 0 && !added)
		return false;
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
	file_ids_free(&s->ids);
	free(s->first);
}
