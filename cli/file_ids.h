/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Files by identity (device, inode), each given the next id the first time it is seen, for the
 * listings that must show a file once however many paths or processes lead to it. Indexed by
 * the library's hash map: the count of files comes from the machine, not a bound.
 */
#ifndef USDTCTL_FILE_IDS_H
#define USDTCTL_FILE_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hashmap.h"

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct file_ids {
	struct file_id *v; /* by id */
	size_t cnt, cap;
	struct usdti_hashmap index;
};

/*
 * The id of (dev, ino), 0 .. cnt - 1; added as id cnt when new and add is set (*added tells,
 * when not NULL). -ENOENT: not there and not added; -ENOMEM.
 */
long file_ids_get(struct file_ids *s, dev_t dev, ino_t ino, bool add, bool *added);
void file_ids_free(struct file_ids *s);

#endif /* USDTCTL_FILE_IDS_H */
