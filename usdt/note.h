/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: the usdt_file object and the .note.stapsdt parser behind it. The attach layer may
 * reach the open ELF (segments, symbols) through file->ef.
 */
#ifndef USDT_NOTE_H
#define USDT_NOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "elf_file.h"
#include "usdt.h"

/* Bump allocator in chunks: what is handed out never moves, everything is freed at once. */
struct usdti_arena;

void *usdti_arena_alloc(struct usdti_arena **arena, size_t size);
void usdti_arena_free(struct usdti_arena *arena);

struct usdt_file {
	char *path;
	struct usdti_elf ef; /* kept open: site strings point into its note data */
	struct usdt_site *sites;
	size_t site_cnt;
	struct usdt_arg *args; /* every site's argv is a slice of this one array */
	size_t arg_cnt;
	struct usdti_arena *arena; /* operand text and parser scratch */
};

/*
 * Reads the .note.stapsdt notes of file->ef into file->sites (and, with parse_args, the
 * arguments into file->args). 0 with no sites when the section is absent; -ENOEXEC on a
 * malformed note, -ENOMEM.
 */
int usdti_notes_parse(struct usdt_file *file, bool parse_args);

#endif /* USDT_NOTE_H */
