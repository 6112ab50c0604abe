/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --stack: user stacks as the tracer keeps them, (build id, file offset) frames, turned into
 * "func+0x12 (path)" from the symbols of the files with those build ids: .symtab and .dynsym,
 * or a debug file found by build id or .gnu_debuglink under the debug directory.
 */
#ifndef USDTCTL_SYMBOLIZE_H
#define USDTCTL_SYMBOLIZE_H

#include <stdio.h>
#include <linux/types.h>

struct symbolizer;

/* debug_dir: where debug files live (/usr/lib/debug). NULL when out of memory. */
struct symbolizer *symbolizer_new(const char *debug_dir);
void symbolizer_free(struct symbolizer *s);
/* Indexes the file at path by its build id (a file without one is skipped). 0 or -errno. */
int symbolizer_add(struct symbolizer *s, const char *path);

enum stack_fmt {
	STACK_LINES,  /* text: one "        func+0x12 (path)" line per frame, innermost first */
	STACK_JSON,   /* the inside of a JSON array of "func+0x12 (path)", innermost first */
	STACK_FOLDED, /* "main;a;b": function names, outermost first (flame graphs) */
};

/*
 * Writes stack id of the stacks map (fd) to f in fmt. A frame whose file or symbol is unknown
 * is "[unknown]". Returns the frames written, or -errno (no such stack).
 */
int symbolizer_print(struct symbolizer *s, int fd, __s32 id, FILE *f, enum stack_fmt fmt);

#endif /* USDTCTL_SYMBOLIZE_H */
