/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl list: the files it looked in, each once, so that a listing that shows nothing says
 * on stderr what was searched instead of leaving an empty screen.
 */
#ifndef USDTCTL_LIST_SEARCHED_H
#define USDTCTL_LIST_SEARCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "file_ids.h"

struct list_searched {
	struct file_ids ids; /* each file recorded */
	size_t named;	     /* TARGETs, or the objects of -p */
	size_t libraries;    /* the libraries the TARGETs load */
	char *first;	     /* the first named file, as shown */
};

/*
 * Records the file at open_path (shown as path; a library a TARGET loads, or named). False
 * when it was recorded already: it is not listed twice.
 */
bool list_searched_add(struct list_searched *s, const char *open_path, const char *path,
		       bool library);
/* One line on stderr: what was searched, for pattern (NULL: every probe), with -p pid (or 0). */
void list_searched_note(const struct list_searched *s, const char *pattern, pid_t pid);
void list_searched_free(struct list_searched *s);

#endif /* USDTCTL_LIST_SEARCHED_H */
