// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probe patterns: fnmatch(3) globs over "provider:name". A pattern without ':' names a
 * provider and matches all its probes. The "usdt:PATH:provider:name" form of the CLI is split
 * by its callers: only the provider:name part reaches this function.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "usdt.h"

bool usdt_probe_match(const char *pattern, const char *provider, const char *name)
{
	size_t plen, nlen;
	char stack[256], *full = stack;
	bool match;

	if (!strchr(pattern, ':'))
		return fnmatch(pattern, provider, 0) == 0;
	plen = strlen(provider);
	nlen = strlen(name);
	/* listing calls this once per site: stay off the heap for ordinary names */
	if (plen + nlen + 2 > sizeof(stack)) {
		full = malloc(plen + nlen + 2);
		if (!full)
			return false;
	}
	memcpy(full, provider, plen);
	full[plen] = ':';
	memcpy(full + plen + 1, name, nlen + 1);
	match = fnmatch(pattern, full, 0) == 0;
	if (full != stack)
		free(full);
	return match;
}
