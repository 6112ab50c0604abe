/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Argument type lists for usdtctl trace: "python:function__entry(str,str,int)" on the command
 * line, and the catalog of well-known probe signatures that gives them when none is written.
 */
#ifndef USDTCTL_CATALOG_H
#define USDTCTL_CATALOG_H

#include <stdbool.h>
#include <stdio.h>

#include "usdt.h"

enum arg_type {
	ARG_INT,  /* a number, decoded by its spec's size and sign (the default) */
	ARG_HEX,  /* a number, printed in hex in text output */
	ARG_STR,  /* a pointer to a NUL-terminated string */
	ARG_STRN, /* a pointer to a string whose length is the next argument */
};

struct arg_types {
	int cnt;
	unsigned char type[USDT_MAX_ARGS]; /* enum arg_type */
};

/*
 * Splits a PROBE argument "GLOB(type,...)" into the glob (malloc'ed) and its type list.
 * Without "(...)" the glob is the whole argument and *has_types is false. Returns 0,
 * -EINVAL (a bad type list: *bad points at the offending text) or -ENOMEM.
 */
int arg_types_split(const char *arg, char **glob, struct arg_types *types, bool *has_types,
		    const char **bad);

/* Bit n set when argument n is of type t. */
unsigned int arg_types_mask(const struct arg_types *types, enum arg_type t);

struct catalog;

/*
 * Loads the catalog files, first match wins: each file of $USDTCTL_CATALOG (':'-separated),
 * $XDG_CONFIG_HOME/usdtctl/probes.catalog (~/.config/...), then the installed catalog.
 * Missing files are skipped; bad lines are reported as warnings and skipped.
 * Returns NULL only when out of memory.
 */
struct catalog *catalog_load(void);
void catalog_free(struct catalog *cat);

/* The types of the first entry whose glob matches provider:name; false when none does. */
bool catalog_lookup(const struct catalog *cat, const char *provider, const char *name,
		    struct arg_types *types);

/* Writes the catalog search path, one file a line with its state, for --help. */
void catalog_print_paths(FILE *out, const char *indent);

#endif /* USDTCTL_CATALOG_H */
