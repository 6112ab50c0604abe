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
/* Whether argument n is a string (str or strn). */
bool arg_types_is_str(const struct arg_types *types, int n);

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

/*
 * The search path of a data file called name, shared by the probe and runtime catalogs: each
 * file of $env_name (':'-separated), $XDG_CONFIG_HOME/usdtctl/name (~/.config/...), then the
 * installed one (beside the executable's ../share/usdtctl, else the configured data dir).
 * Calls fn for each, existing or not; stops at fn's first nonzero return and returns it.
 */
int catalog_for_each_path(const char *name, const char *env_name,
			  int (*fn)(const char *path, void *ctx), void *ctx);
void catalog_print_paths_of(FILE *out, const char *indent, const char *name, const char *env_name);
/*
 * Opens a data file that must be a regular file of at most 1 MiB: NULL when it is not there,
 * or (warned about) when it is something else.
 */
FILE *catalog_open(const char *path);

#endif /* USDTCTL_CATALOG_H */
